#!/usr/bin/env python3
"""The demo world: three clusters of JupyterHubs and the metrics they export.

This module owns the *truth* that the demo stack and the end-to-end tests share.
It writes OpenMetrics files that `promtool tsdb create-blocks-from openmetrics`
backfills into real Prometheus servers, and an `expected.json` that states, from
the model alone (never from the code under test), what each daily bar must show.

Model of `jupyterhub_active_users{period="24h"}`: each hub has a number of daily
active users DAU(day) with a weekly rhythm, slow growth and deterministic noise.
Within day D the 24h gauge moves linearly from DAU(D-1) to DAU(D), so the sample
at the midnight that ends day D is exactly DAU(D) -- the users active on day D.
The 7d and 30d gauges are larger multiples of the same signal.

Usage: demo_data.py generate OUT_DIR [--now UNIX] [--days 35]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

DAY = 86_400
SAMPLE_INTERVAL = 60
# Data runs a little past "now": Prometheus marks a series stale five minutes
# after its last sample, and the demo may stay up for a while.
FUTURE_DAYS = 2


@dataclass(frozen=True)
class Hub:
    namespace: str
    base_users: int
    # Days before "today" on which the hub was deployed; None = older than the data.
    born_days_ago: float | None = None


@dataclass(frozen=True)
class Cluster:
    uid: str
    name: str
    hubs: tuple[Hub, ...]


CLUSTERS: tuple[Cluster, ...] = (
    Cluster(
        uid="prom-north",
        name="cluster-north",
        hubs=(
            Hub("prod", 140),
            Hub("staging", 9),
            Hub("climate-lab", 55),
            Hub("geo-school", 30, born_days_ago=17.4),
        ),
    ),
    Cluster(
        uid="prom-south",
        name="cluster-south",
        hubs=(
            Hub("staging", 6),
            Hub("workshop", 80, born_days_ago=9.6),
            Hub("bio-course", 42),
        ),
    ),
    Cluster(
        uid="prom-west",
        name="cluster-west",
        hubs=(
            Hub("ocean-hub", 65),
            Hub("data-camp", 24),
            Hub("astro", 18, born_days_ago=21.2),
        ),
    ),
)

# Weekday factors, Monday first: classes and workshops run on weekdays.
WEEKLY = (1.0, 1.08, 1.1, 1.04, 0.9, 0.38, 0.3)


def _noise(*parts: object) -> float:
    """Deterministic noise in [0, 1) from the given key."""
    digest = hashlib.sha256("/".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


@lru_cache(maxsize=None)
def daily_active_users(cluster: Cluster, hub: Hub, day_start: int) -> int:
    """Users active on the UTC day that starts at `day_start` (a midnight)."""
    day_index = day_start // DAY
    weekday = (day_index + 3) % 7  # 1970-01-01 was a Thursday
    growth = 1.0 + 0.004 * (day_index % 365)
    jitter = 0.85 + 0.3 * _noise(cluster.uid, hub.namespace, day_index)
    return max(0, round(hub.base_users * WEEKLY[weekday] * growth * jitter))


def birth_time(hub: Hub, now: int) -> int | None:
    """First sample time of a hub born during the data range, on the minute grid."""
    if hub.born_days_ago is None:
        return None
    # Anchored to today's midnight, so a day's data is the same whenever it is made.
    today = now - now % DAY
    born = today - int(hub.born_days_ago * DAY)
    return born - born % SAMPLE_INTERVAL


def active_users(cluster: Cluster, hub: Hub, period: str, t: int, now: int) -> int | None:
    """The gauge value at time t, or None when the hub did not exist yet."""
    born = birth_time(hub, now)
    if born is not None and t < born:
        return None
    day_start = t - t % DAY
    frac = (t - day_start) / DAY
    current = daily_active_users(cluster, hub, day_start)
    if born is not None and born >= day_start:
        # Deployed today: users arrive over the hours it has been up.
        value = current * (t - born) / DAY
    else:
        previous = daily_active_users(cluster, hub, day_start - DAY)
        if born is not None and born > day_start - DAY:
            # Deployed yesterday: only part of yesterday counted.
            previous = previous * (day_start - born) / DAY
        value = previous * (1.0 - frac) + current * frac
    factor = {"24h": 1.0, "7d": 2.6, "30d": 5.9}[period]
    return round(value * factor)


def data_range(now: int, days: int) -> tuple[int, int]:
    """[first, last] sample times: `days` whole days back, FUTURE_DAYS ahead."""
    today = now - now % DAY
    return today - days * DAY, now - now % SAMPLE_INTERVAL + FUTURE_DAYS * DAY


def write_openmetrics(cluster: Cluster, path: str, now: int, days: int) -> int:
    """Write one cluster's history; returns the number of samples."""
    first, last = data_range(now, days)
    count = 0
    with open(path, "w", encoding="utf-8") as out:
        out.write("# HELP jupyterhub_active_users Number of users active in the period.\n")
        out.write("# TYPE jupyterhub_active_users gauge\n")
        for hub in cluster.hubs:
            for period in ("24h", "7d", "30d"):
                labels = (
                    f'instance="hub.{hub.namespace}.svc:8081",job="jupyterhub",'
                    f'namespace="{hub.namespace}",period="{period}"'
                )
                lines = []
                for t in range(first, last + 1, SAMPLE_INTERVAL):
                    value = active_users(cluster, hub, period, t, now)
                    if value is not None:
                        lines.append(f"jupyterhub_active_users{{{labels}}} {value} {t}\n")
                out.writelines(lines)
                count += len(lines)
        out.write("# EOF\n")
    return count


def expected_daily(now: int, days: int, zone: str | None = None) -> dict:
    """What the hub-activity report must show for every complete day.

    Bar D is the value at the midnight that ends day D (in UTC, or in `zone`); the
    `max by namespace` of one hub is the hub itself. A hub has no bar for days before
    it existed at that midnight. Days run up to and including today: the data runs
    past its end (FUTURE_DAYS), and a run that crosses midnight sees today as complete.
    """
    tz = ZoneInfo(zone) if zone else timezone.utc
    today = datetime.fromtimestamp(now, tz).date()
    series = []
    for cluster in CLUSTERS:
        for hub in cluster.hubs:
            points = {}
            for d in range(days, -1, -1):
                day = today - timedelta(days=d)
                end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tz)
                value = active_users(cluster, hub, "24h", int(end.timestamp()), now)
                if value is not None:
                    points[day.isoformat()] = value
            series.append(
                {
                    "datasource_uid": cluster.uid,
                    "datasource": cluster.name,
                    "namespace": hub.namespace,
                    "daily": points,
                }
            )
    return {"generated_at": now, "zone": zone or "UTC", "series": series}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="write OpenMetrics files and expected.json")
    gen.add_argument("out_dir")
    gen.add_argument("--now", type=int, default=None, help="unix seconds (default: now)")
    gen.add_argument("--days", type=int, default=35)
    args = parser.parse_args()

    now = args.now if args.now is not None else int(time.time())
    os.makedirs(args.out_dir, exist_ok=True)
    manifest = {"now": now, "days": args.days, "clusters": []}
    for cluster in CLUSTERS:
        path = os.path.join(args.out_dir, f"{cluster.uid}.om")
        samples = write_openmetrics(cluster, path, now, args.days)
        manifest["clusters"].append({"uid": cluster.uid, "name": cluster.name, "file": path, "samples": samples})
    with open(os.path.join(args.out_dir, "expected.json"), "w", encoding="utf-8") as out:
        expected = expected_daily(now, args.days)
        expected["europe_berlin"] = expected_daily(now, args.days, "Europe/Berlin")["series"]
        json.dump(expected, out, indent=1, sort_keys=True)
    with open(os.path.join(args.out_dir, "manifest.json"), "w", encoding="utf-8") as out:
        json.dump(manifest, out, indent=1)
    print(json.dumps({"now": now, "samples": sum(c["samples"] for c in manifest["clusters"])}))


if __name__ == "__main__":
    main()
