#!/usr/bin/env python3
"""The demo world: three clusters of JupyterHubs and the metrics they export.

This module owns the *truth* that the demo stack and the end-to-end tests share.
It writes OpenMetrics files that `promtool tsdb create-blocks-from openmetrics`
backfills into real Prometheus servers, and an `expected.json` that states, from
the model alone (never from the code under test), what each daily bar must show.

Model of `jupyterhub_active_users{period="24h"}`: each hub has a number of daily
active users DAU(day) with a weekly rhythm, an academic year (quiet in August and
over the new year), slow growth and deterministic noise. Within day D the 24h gauge
moves linearly from DAU(D-1) to DAU(D), so the sample at the midnight that ends day D
is exactly DAU(D) -- the users active on day D. The 7d and 30d gauges are larger
multiples of the same signal.

History: the last `--days` (35) days are sampled every 60 s for every family. Before
them, `jupyterhub_active_users` alone goes back `--history-days` (430: thirteen whole
months from any day) at one sample every 15 minutes, which still puts a sample on every
midnight of every zone (all UTC offsets are whole quarter hours). Hubs are born and
retired during that year; a hub retired before the last `--days` exports nothing else.

Around that model, for query completion, variables and ad-hoc charts (expected.json
says nothing about these), every hub also exports `jupyterhub_running_servers`, the
`jupyterhub_server_spawn_duration_seconds` histogram and kube-state-metrics'
`kube_pod_container_info` for its notebook pods and `kube_service_labels` for its hub
service (as the JupyterHub community's dashboards expect); each cluster runs an ingress
controller in front of its hubs, ingress-nginx or (cluster-west) HAProxy Ingress, around
today only (see `ingress_series` and `haproxy_series`),
and cluster-north runs a `payments-api` service (requests, latencies, and four network
ports). All series are deterministic, sampled every 60 s, and counters never reset; see
`write_openmetrics`.

Usage: demo_data.py generate OUT_DIR [--now UNIX] [--days 35] [--history-days 430]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

DAY = 86_400
SAMPLE_INTERVAL = 60
# Samples of `jupyterhub_active_users` before the last `--days`: every quarter hour.
HISTORY_INTERVAL = 900
HISTORY_DAYS = 430
# Data runs a little past "now": Prometheus marks a series stale five minutes
# after its last sample, and the demo may stay up for a while.
FUTURE_DAYS = 2


@dataclass(frozen=True)
class Hub:
    namespace: str
    base_users: int
    # Days before "today" on which the hub was deployed; None = older than the data.
    born_days_ago: float | None = None
    # Days before "today" on which it was shut down; None = still running. Only before
    # the last `--days` (the other families do not model a hub going away).
    retired_days_ago: float | None = None


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
            # A summer programme: deployed, used for three months, shut down.
            Hub("summer-school", 70, born_days_ago=250.3, retired_days_ago=160.4),
        ),
    ),
    Cluster(
        uid="prom-south",
        name="cluster-south",
        hubs=(
            Hub("staging", 6),
            Hub("workshop", 80, born_days_ago=9.6),
            Hub("bio-course", 42),
            # An old hub whose community moved to another one.
            Hub("legacy-hub", 25, retired_days_ago=80.6),
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
# Growth per day since GROWTH_FROM (a day index): +0.05 % a day, +18 % a year.
GROWTH_FROM = 19_700
GROWTH_PER_DAY = 0.0005


def _noise(*parts: object) -> float:
    """Deterministic noise in [0, 1) from the given key."""
    digest = hashlib.sha256("/".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


@lru_cache(maxsize=None)
def daily_active_users(cluster: Cluster, hub: Hub, day_start: int) -> int:
    """Users active on the UTC day that starts at `day_start` (a midnight)."""
    day_index = day_start // DAY
    weekday = (day_index + 3) % 7  # 1970-01-01 was a Thursday
    growth = 1.0 + GROWTH_PER_DAY * (day_index - GROWTH_FROM)
    jitter = 0.85 + 0.3 * _noise(cluster.uid, hub.namespace, day_index)
    return max(0, round(hub.base_users * WEEKLY[weekday] * season(day_start) * growth * jitter))


@lru_cache(maxsize=None)
def season(day_start: int) -> float:
    """The academic year: fewer users in the summer break and between the holidays."""
    day = datetime.fromtimestamp(day_start, timezone.utc).timetuple().tm_yday
    summer = math.exp(-(((day - 215) / 22) ** 2))
    # The holidays straddle the new year: measure the distance to 31 December both ways.
    holidays = math.exp(-((min(abs(day - 365), day) / 7) ** 2))
    return 1.0 - 0.45 * summer - 0.4 * holidays


def _days_before_today(now: int, days_ago: float | None, grid: int) -> int | None:
    """The time `days_ago` days before today's midnight, down to a multiple of `grid`.
    Anchored to today's midnight, so a day's data is the same whenever it is made."""
    if days_ago is None:
        return None
    t = now - now % DAY - int(days_ago * DAY)
    return t - t % grid


def birth_time(hub: Hub, now: int) -> int | None:
    """First sample time of a hub born during the data range, on the minute grid."""
    return _days_before_today(now, hub.born_days_ago, SAMPLE_INTERVAL)


def retire_time(hub: Hub, now: int) -> int | None:
    """The time of a retired hub's last sample, at a quarter hour, or None."""
    return _days_before_today(now, hub.retired_days_ago, HISTORY_INTERVAL)


# The 7d and 30d gauges: users active in the period, from the mean of its daily numbers
# (people come back, so a month has fewer distinct users than the sum of its days).
ROLLING = {"7d": (7, 2.6), "30d": (30, 5.9)}


def active_users(cluster: Cluster, hub: Hub, period: str, t: int, now: int) -> int | None:
    """The gauge value at time t, or None when the hub did not exist then.

    A retired hub's last sample stays visible for Prometheus' five-minute lookback, so
    it counts until five minutes after its retirement.
    """
    if period == "24h":
        return daily_gauge(cluster, hub, t, now)
    if daily_gauge(cluster, hub, t, now) is None:
        return None
    day_start = t - t % DAY
    frac = (t - day_start) / DAY
    before = rolling_users(cluster, hub, period, day_start, now)
    after = rolling_users(cluster, hub, period, day_start + DAY, now)
    return round(before * (1.0 - frac) + after * frac)


@lru_cache(maxsize=None)
def rolling_users(cluster: Cluster, hub: Hub, period: str, midnight: int, now: int) -> float:
    """The `period` gauge at a UTC midnight: a multiple of the mean of the 24h gauge at the
    midnights that end its days (a day without the hub counts as none)."""
    days, factor = ROLLING[period]
    values = [daily_gauge(cluster, hub, midnight - k * DAY, now) or 0 for k in range(days)]
    return factor * sum(values) / days


def daily_gauge(cluster: Cluster, hub: Hub, t: int, now: int) -> int | None:
    """`jupyterhub_active_users{period="24h"}` at time t, or None (see `active_users`)."""
    born = birth_time(hub, now)
    if born is not None and t < born:
        return None
    gone = retire_time(hub, now)
    if gone is not None and t > gone + 300:
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
    return round(value)


def data_range(now: int, days: int) -> tuple[int, int]:
    """[first, last] sample times: `days` whole days back, FUTURE_DAYS ahead."""
    today = now - now % DAY
    return today - days * DAY, now - now % SAMPLE_INTERVAL + FUTURE_DAYS * DAY


def live_hubs(cluster: Cluster, now: int, days: int) -> tuple[Hub, ...]:
    """The hubs that exist during the last `days` (the others have only history)."""
    first, _ = data_range(now, days)
    hubs = []
    for hub in cluster.hubs:
        gone = retire_time(hub, now)
        if gone is None:
            hubs.append(hub)
        elif gone + 300 >= first:
            raise ValueError(f"{hub.namespace} retires within the last {days} days: only history can hold a retirement")
    return tuple(hubs)


def active_users_times(now: int, days: int, history_days: int) -> list[int]:
    """Sample times of `jupyterhub_active_users`: quarter hours, then every minute."""
    first, last = data_range(now, days)
    start = first - (history_days - days) * DAY
    return list(range(start, first, HISTORY_INTERVAL)) + list(range(first, last + 1, SAMPLE_INTERVAL))


# --------------------------------------------------------------------------------------
# The rest of the demo world. Nothing below changes `jupyterhub_active_users` or
# expected.json: these series are there so that query completion, variables and ad-hoc
# charts have realistic data. Rates and shares come from the model; per-minute counts are
# drawn from seeded generators, so a given (now, days) always gives the same files.

MINUTES_PER_DAY = DAY // SAMPLE_INTERVAL


def _bump(hour: float, centre: float, width: float) -> float:
    return math.exp(-(((hour - centre) / width) ** 2))


# Share of a hub's daily users with a server running, per minute of the UTC day: most
# in (European) working hours, a few servers left running overnight.
HUB_DAY = tuple(0.08 + 0.92 * _bump(m / 60, 13.0, 4.0) for m in range(MINUTES_PER_DAY))
HUB_DAY_MASS = sum(HUB_DAY)
# Traffic of the payments API per minute of the UTC day: flatter, busiest mid-afternoon.
SERVICE_DAY = tuple(0.3 + 0.7 * _bump(m / 60, 15.0, 5.0) for m in range(MINUTES_PER_DAY))
SERVICE_WEEKLY = (1.0, 1.02, 1.03, 1.0, 0.95, 0.72, 0.66)

# Spawns: sessions per daily user, histogram buckets (seconds) as the report queries them.
SESSIONS_PER_USER = 1.5
SPAWN_BUCKETS = (1.0, 5.0, 10.0, 30.0, 60.0)
# (cluster uid, namespace, days before today, UTC start and end second of that day,
# share of spawns that fail): a registry outage makes one hub's spawns fail for a morning.
SPAWN_FAILURE_SPIKE = ("prom-north", "climate-lab", 5, 9 * 3600, 13 * 3600, 0.45)

# Notebook images every hub offers; most hubs add an image of their own.
NOTEBOOK_IMAGES = ("quay.io/2i2c/pangeo-notebook:2024.05.1", "jupyter/scipy-notebook:2024-03-11")
PODS_PER_IMAGE = 3  # pod slots per image; slot 0 runs every day, the others on most days
POD_NAME_STRIDE = 9  # >= images per hub * PODS_PER_IMAGE: keeps each slot's pod names its own

# The payments-api service (cluster-north only).
SERVICE_JOB = "payments-api"
# endpoint: (peak requests/s, share of 404s, median latency in s, spread of log latency)
ENDPOINTS = {
    "/api/orders": (9.0, 0.006, 0.045, 0.6),
    "/api/users": (16.0, 0.02, 0.018, 0.5),
    "/healthz": (0.4, 0.0, 0.002, 0.3),  # two kubelet probes every 5 s, day and night
}
HTTP_STATUSES = ("200", "404", "500")
BASE_ERROR_SHARE = 0.0004
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
# The incident: days before today, UTC start and end second of that day.
INCIDENT = (4, 14 * 3600 + 10 * 60, 15 * 3600 + 5 * 60)
# endpoint: (share of 500s, latency factor) during the incident
INCIDENT_EFFECT = {"/api/orders": (0.22, 7.0), "/api/users": (0.09, 3.0), "/healthz": (0.3, 5.0)}
# portnum: (packets/s at peak, typical buffer bytes, period of its buffer wave in s)
PORTS = {1: (1800.0, 600_000, 5_400), 2: (950.0, 1_500_000, 11_000), 3: (400.0, 120_000, 2_700), 4: (120.0, 40_000, 17_000)}
FLAPPING_PORT = 3
# Port 3 outages: days before today, UTC start "HH:MM", minutes down.
LINK_DOWN = ((26, "03:12", 7), (19, "14:40", 52), (12, "09:05", 3), (6, "22:31", 25), (2, "11:17", 14))
BUFFER_MAX = 4 * 1024 * 1024


class _Wobble:
    """Smooth deterministic noise in [0, 1): `_noise` every `step` seconds, interpolated."""

    def __init__(self, *key: object, step: int = 3600) -> None:
        self.key = key
        self.step = step
        self.known: dict[int, float] = {}

    def _at(self, i: int) -> float:
        value = self.known.get(i)
        if value is None:
            value = self.known[i] = _noise(*self.key, i)
        return value

    def __call__(self, t: int) -> float:
        i, rest = divmod(t, self.step)
        a = self._at(i)
        return a + (self._at(i + 1) - a) * rest / self.step


def _poisson(rng: random.Random, lam: float) -> int:
    """A Poisson draw (normal approximation for large means)."""
    if lam <= 0.0:
        return 0
    if lam > 30.0:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit = math.exp(-lam)
    k = 0
    p = rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _rng(*parts: object) -> random.Random:
    # Seeding with a str hashes it (SHA-512): the same on every run and Python version.
    return random.Random("/".join(map(str, parts)))


def _windows(now: int, spans: list[tuple[int, int, int]]) -> list[tuple[int, int]]:
    """[start, end) times of (days before today, start second of day, length in s)."""
    today = now - now % DAY
    return [(today - d * DAY + s, today - d * DAY + s + length) for d, s, length in spans]


def _inside(t: int, windows: list[tuple[int, int]]) -> tuple[int, int] | None:
    return next((w for w in windows if w[0] <= t < w[1]), None)


def hub_labels(hub: Hub) -> str:
    return f'instance="hub.{hub.namespace}.svc:8081",job="jupyterhub",namespace="{hub.namespace}"'


def hub_times(hub: Hub, now: int, days: int) -> range:
    """The hub's sample times: the data range, from its birth on."""
    first, last = data_range(now, days)
    born = birth_time(hub, now)
    return range(first if born is None else max(first, born), last + 1, SAMPLE_INTERVAL)


def running_servers(cluster: Cluster, hub: Hub, times: range, now: int) -> list[int]:
    """`jupyterhub_running_servers`: a share of the day's users, by hour and weekday.

    Never above the day's DAU nor the 24h gauge at that moment; at least one server
    runs from 07:00 to 19:00 UTC once the hub has users.
    """
    wobble = _Wobble("running", cluster.uid, hub.namespace)
    values = []
    for t in times:
        day_start = t - t % DAY
        minute = (t - day_start) // SAMPLE_INTERVAL
        dau = daily_active_users(cluster, hub, day_start)
        gauge = active_users(cluster, hub, "24h", t, now) or 0
        value = round(dau * HUB_DAY[minute] * (0.36 + 0.16 * wobble(t)))
        low = 1 if 7 * 60 <= minute < 19 * 60 else 0
        values.append(min(dau, gauge, max(low, value)))
    return values


def spawn_histogram(cluster: Cluster, hub: Hub, times: range, now: int) -> dict[str, list]:
    """Cumulative samples of `jupyterhub_server_spawn_duration_seconds`, per series suffix.

    Successful spawns take ~5-14 s (slower when busy, a few much slower image pulls);
    failures are rare (a few a day on the bigger hubs, more on staging) and either quick
    (an image error) or a 300 s timeout; busy hubs throttle a few spawns at peak hours.
    Buckets only for status="success"; every status has `_count` and `_sum`.
    """
    rng = _rng("spawns", cluster.uid, hub.namespace)
    wobble = _Wobble("spawns", cluster.uid, hub.namespace)
    fail_share = 0.003 + 0.012 * _noise(cluster.uid, hub.namespace, "failures") ** 2
    if hub.namespace == "staging":
        fail_share *= 4
    throttles = hub.base_users >= 60
    spike_uid, spike_ns, spike_day, spike_from, spike_to, spike_share = SPAWN_FAILURE_SPIKE
    spike = _windows(now, [(spike_day, spike_from, spike_to - spike_from)])
    is_spike_hub = (cluster.uid, hub.namespace) == (spike_uid, spike_ns)
    buckets = [0] * len(SPAWN_BUCKETS)
    count = {"success": 0, "failure": 0, "throttled": 0}
    total = {"success": 0.0, "failure": 0.0, "throttled": 0.0}
    keys = [f'_bucket|success|{le}' for le in SPAWN_BUCKETS] + ["_bucket|success|+Inf"]
    keys += [f"{suffix}|{status}" for status in count for suffix in ("_count", "_sum")]
    series: dict[str, list] = {key: [] for key in keys}
    columns = [series[key] for key in keys]
    for t in times:
        day_start = t - t % DAY
        shape = HUB_DAY[(t - day_start) // SAMPLE_INTERVAL]
        dau = daily_active_users(cluster, hub, day_start)
        lam = dau * SESSIONS_PER_USER * shape / HUB_DAY_MASS * (0.7 + 0.6 * wobble(t))
        for _ in range(_poisson(rng, lam)):
            failing = fail_share + (spike_share if is_spike_hub and _inside(t, spike) else 0.0)
            throttling = 0.05 * max(0.0, shape - 0.6) / 0.4 if throttles else 0.0
            draw = rng.random()
            if draw < failing:
                status = "failure"
                seconds = rng.uniform(8.0, 45.0) if rng.random() < 0.5 else 300.0 + rng.uniform(0.0, 4.0)
            elif draw < failing + throttling:
                status = "throttled"
                seconds = rng.uniform(0.02, 0.3)
            else:
                status = "success"
                seconds = (5.0 + 9.0 * shape) * math.exp(0.5 * rng.gauss(0.0, 1.0))
                if rng.random() < 0.03:
                    seconds *= 4.0  # the image is pulled on a fresh node
                for i, le in enumerate(SPAWN_BUCKETS):
                    if seconds <= le:
                        buckets[i] += 1
            count[status] += 1
            total[status] += seconds
        row = buckets + [count["success"]]
        for status in ("success", "failure", "throttled"):
            row += [count[status], f"{total[status]:.3f}"]
        for column, value in zip(columns, row):
            column.append(value)
    return series


def hub_images(cluster: Cluster, hub: Hub) -> tuple[str, ...]:
    """Image specs a hub's users pick: the shared two, and for most hubs one of its own."""
    if hub.namespace == "staging":
        return NOTEBOOK_IMAGES
    tag = 1 + int(_noise(cluster.uid, hub.namespace, "image") * 6)
    return NOTEBOOK_IMAGES + (f"ghcr.io/{cluster.name}/{hub.namespace}-notebook:2024.10.{tag}",)


def resolved_image(spec: str) -> str:
    """The `image` label as the container runtime reports it (registry made explicit)."""
    head = spec.split("/", 1)[0]
    if "/" in spec and ("." in head or ":" in head):
        return spec
    return f"docker.io/{spec}" if "/" in spec else f"docker.io/library/{spec}"


def notebook_pods(cluster: Cluster, hub: Hub, now: int, days: int) -> list[tuple[str, str, list[tuple[int, int]]]]:
    """(image spec, pod name, [start, end) sessions) of a hub's notebook pods.

    Each image has PODS_PER_IMAGE slots. A slot runs one pod a day for 1.5-7 hours,
    starting 06:00-14:00 UTC; slot 0 every day (so every image has a pod every day the
    hub exists), the others on most weekdays and some weekend days. Pod names are
    `jupyter-user-<n>`, n from a pool that is the slot's own.
    """
    first, last = data_range(now, days)
    born = birth_time(hub, now)
    pool = max(2, hub.base_users // 10)
    pods = []
    for image_index, image in enumerate(hub_images(cluster, hub)):
        for slot in range(PODS_PER_IMAGE):
            sessions: dict[str, list[tuple[int, int]]] = {}
            for day_start in range(first - first % DAY, last + 1, DAY):
                key = (cluster.uid, hub.namespace, image_index, slot, day_start // DAY)
                weekday = (day_start // DAY + 3) % 7
                if slot > 0 and _noise(*key, "runs") > (0.45 if weekday >= 5 else 0.8):
                    continue
                start = day_start + (6 * 60 + int(_noise(*key, "start") * 8 * 60)) * 60
                end = start + (90 + int(_noise(*key, "length") * 330)) * 60
                if born is not None:
                    start = max(start, born)
                start, end = max(start, first), min(end, last + SAMPLE_INTERVAL)
                if start >= end:
                    continue
                user = 1 + image_index * PODS_PER_IMAGE + slot + POD_NAME_STRIDE * int(_noise(*key, "user") * pool)
                sessions.setdefault(f"jupyter-user-{user}", []).append((start, end))
            pods += [(image, pod, spans) for pod, spans in sessions.items()]
    return pods


def service_series(now: int, days: int) -> tuple[range, dict[str, list]]:
    """Samples of the payments-api families, keyed "sample name|label text"."""
    first, last = data_range(now, days)
    times = range(first, last + 1, SAMPLE_INTERVAL)
    incident = _windows(now, [(INCIDENT[0], INCIDENT[1], INCIDENT[2] - INCIDENT[1])])
    outages = _windows(now, [(d, int(hhmm[:2]) * 3600 + int(hhmm[3:]) * 60, minutes * 60) for d, hhmm, minutes in LINK_DOWN])
    job = f'job="{SERVICE_JOB}"'
    series: dict[str, list] = {}

    def column(name: str, labels: str) -> list:
        return series.setdefault(f"{name}|{job},{labels}", [])

    rng = _rng("payments-api", first)
    for endpoint, (rps, share_404, median, spread) in ENDPOINTS.items():
        steady = endpoint == "/healthz"
        wobble = _Wobble("requests", endpoint, step=900)
        requests = {status: column("requests_total", f'endpoint="{endpoint}",status="{status}"') for status in HTTP_STATUSES}
        labels = f'endpoint="{endpoint}"'
        bucket_columns = [column("request_duration_seconds_bucket", f'{labels},le="{le}"') for le in LATENCY_BUCKETS]
        inf_column = column("request_duration_seconds_bucket", f'{labels},le="+Inf"')
        count_column = column("request_duration_seconds_count", labels)
        sum_column = column("request_duration_seconds_sum", labels)
        logs = [math.log(le) for le in LATENCY_BUCKETS]
        done = {status: 0 for status in HTTP_STATUSES}
        cumulative = [0] * len(LATENCY_BUCKETS)
        n_total = 0
        seconds_total = 0.0
        for t in times:
            day_start = t - t % DAY
            if steady:
                shape = 1.0
                lam = rps * SAMPLE_INTERVAL * (0.98 + 0.04 * wobble(t))
            else:
                shape = SERVICE_DAY[(t - day_start) // SAMPLE_INTERVAL]
                weekly = SERVICE_WEEKLY[(day_start // DAY + 3) % 7]
                lam = rps * shape * weekly * SAMPLE_INTERVAL * (0.85 + 0.3 * wobble(t))
            n = _poisson(rng, lam)
            error_share, slower = INCIDENT_EFFECT[endpoint] if _inside(t, incident) else (BASE_ERROR_SHARE, 1.0)
            n500 = min(n, _poisson(rng, n * error_share))
            n404 = min(n - n500, _poisson(rng, n * share_404))
            done["500"] += n500
            done["404"] += n404
            done["200"] += n - n500 - n404
            for status in HTTP_STATUSES:
                requests[status].append(done[status])
            # Latency: log-normal, slower when busy and during the incident. Every bucket's
            # count grows by round-ish(n * cdf(le)), with one dither per minute, so buckets
            # stay cumulative and integers.
            mu = math.log(median * (1.0 + 0.35 * shape) * slower)
            dither = rng.random()
            scale = spread * math.sqrt(2.0)
            for i, log_le in enumerate(logs):
                cumulative[i] += min(n, int(n * 0.5 * math.erfc((mu - log_le) / scale) + dither))
                bucket_columns[i].append(cumulative[i])
            n_total += n
            seconds_total += n * math.exp(mu + spread * spread / 2) * (0.95 + 0.1 * rng.random())
            inf_column.append(n_total)
            count_column.append(n_total)
            sum_column.append(f"{seconds_total:.3f}")

    for port, (pps, buffer, period) in PORTS.items():
        labels = f'portnum="{port}"'
        rx = column("rx_packets_total", labels)
        level = column("buffer_level_bytes", labels)
        up = column("link_up", labels)
        wobble = _Wobble("port", port, step=900)
        phase = _noise("port-phase", port) * 2 * math.pi
        received = 0
        for t in times:
            down = _inside(t, outages) if port == FLAPPING_PORT else None
            shape = SERVICE_DAY[(t % DAY) // SAMPLE_INTERVAL]
            if down is None:
                received += round(pps * shape * SAMPLE_INTERVAL * (0.8 + 0.4 * wobble(t)))
            wave = 1.0 + 0.45 * math.sin(2 * math.pi * t / period + phase) + 0.25 * math.sin(2 * math.pi * t / DAY + phase)
            bytes_now = buffer * wave * (0.75 + 0.5 * wobble(t))
            if down is not None:
                # Nothing drains while the link is down: the buffer fills up.
                bytes_now += (t - down[0]) / SAMPLE_INTERVAL * 150_000
            rx.append(received)
            level.append(max(8_192, min(BUFFER_MAX, round(bytes_now))))
            up.append(0 if down is not None else 1)
    return times, series


# The ingress-nginx controller in front of each cluster's hubs (the JupyterHub community's
# clusters run one), as its metrics are scraped, for ingress-nginx's own dashboard: one
# ingress per hub, named after its namespace. Only around today: from INGRESS_BEFORE
# seconds before today to INGRESS_AFTER past its end (the dashboard shows the last hour).
INGRESS_NAMESPACE = "ingress-nginx"
INGRESS_CLASS = "k8s.io/ingress-nginx"
INGRESS_BEFORE, INGRESS_AFTER = 2 * 3600, 10 * 3600
# Scraped every 30 s (HAProxy Ingress every 15 s): its dashboards' `[1m]` windows need two
# samples, wherever they end.
INGRESS_INTERVAL, HAPROXY_INTERVAL = 30, 15
# ingress-nginx's default latency buckets (seconds).
INGRESS_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# status: share of requests
INGRESS_ERRORS = {"404": 0.012, "502": 0.003}
# A controller whose last configuration reload failed, and since when (seconds before today).
RELOAD_FAILED = ("prom-south", 3 * 3600)


def ingress_pod(cluster: Cluster) -> str:
    """The cluster's controller pod, named as a Deployment's pods are."""
    alphabet = "bcdfghjklmnpqrstvwxz2456789"

    def name(key: int, length: int) -> str:
        n = int(_noise("ingress-pod", cluster.uid, key) * len(alphabet) ** length)
        return "".join(alphabet[(n // len(alphabet) ** i) % len(alphabet)] for i in range(length))

    return f"ingress-nginx-controller-{name(0, 10)}-{name(1, 5)}"


def ingress_times(now: int, step: int) -> range:
    today = now - now % DAY
    return range(today - INGRESS_BEFORE, today + DAY + INGRESS_AFTER, step)


def ingress_series(cluster: Cluster, now: int, days: int) -> tuple[range, dict[str, list]]:
    """Samples of the controller's families, keyed "sample name|label text"."""
    times = ingress_times(now, INGRESS_INTERVAL)
    step = INGRESS_INTERVAL
    today = now - now % DAY
    pod = ingress_pod(cluster)
    controller = (
        f'controller_class="{INGRESS_CLASS}",controller_namespace="{INGRESS_NAMESPACE}",'
        f'controller_pod="{pod}",namespace="{INGRESS_NAMESPACE}"'
    )
    series: dict[str, list] = {}

    def column(name: str, labels: str) -> list:
        return series.setdefault(f"{name}|{labels}", [])

    hubs = [hub for hub in live_hubs(cluster, now, days) if birth_time(hub, now) is None or birth_time(hub, now) < times[0]]
    rng = _rng("ingress", cluster.uid, times[0])
    total_rps = [0.0] * len(times)
    for hub in hubs:
        labels = f'{controller},exported_namespace="{hub.namespace}",ingress="{hub.namespace}",service="proxy-public"'
        statuses = {status: column("nginx_ingress_controller_requests", f'{labels},status="{status}"') for status in ("200", *INGRESS_ERRORS)}
        buckets = [column("nginx_ingress_controller_request_duration_seconds_bucket", f'{labels},le="{le}"') for le in INGRESS_BUCKETS]
        buckets.append(column("nginx_ingress_controller_request_duration_seconds_bucket", f'{labels},le="+Inf"'))
        count = column("nginx_ingress_controller_request_duration_seconds_count", labels)
        seconds = column("nginx_ingress_controller_request_duration_seconds_sum", labels)
        sizes = {kind: column(f"nginx_ingress_controller_{kind}_size_sum", labels) for kind in ("request", "response")}
        sized = {kind: column(f"nginx_ingress_controller_{kind}_size_count", labels) for kind in ("request", "response")}
        wobble = _Wobble("ingress", cluster.uid, hub.namespace, step=600)
        median = 0.02 + 0.1 * _noise("ingress-median", hub.namespace)
        logs = [math.log(le) for le in INGRESS_BUCKETS]
        done = {status: 0 for status in statuses}
        cumulative = [0] * len(buckets)
        n_total, seconds_total, bytes_in, bytes_out = 0, 0.0, 0, 0
        for i, t in enumerate(times):
            shape = HUB_DAY[(t % DAY) // 60]
            rps = hub.base_users * 0.04 * shape * (0.8 + 0.4 * wobble(t))
            total_rps[i] += rps
            n = _poisson(rng, rps * step)
            errors = {status: _poisson(rng, n * share) for status, share in INGRESS_ERRORS.items()}
            errors = {status: min(k, n) for status, k in errors.items()}
            ok = max(0, n - sum(errors.values()))
            n = ok + sum(errors.values())
            done["200"] += ok
            for status, k in errors.items():
                done[status] += k
            for status, values in statuses.items():
                values.append(done[status])
            mu = math.log(median * (1.0 + 0.5 * shape))
            dither = rng.random()
            for j, log_le in enumerate(logs):
                cumulative[j] += min(n, int(n * 0.5 * math.erfc((mu - log_le) / (0.8 * math.sqrt(2.0))) + dither))
                buckets[j].append(cumulative[j])
            n_total += n
            buckets[-1].append(n_total)
            count.append(n_total)
            seconds_total += n * math.exp(mu + 0.32) * (0.95 + 0.1 * rng.random())
            seconds.append(f"{seconds_total:.3f}")
            bytes_in += n * 850 + _poisson(rng, 40 * n)
            bytes_out += round(n * 24_000 * (0.8 + 0.4 * wobble(t + 300)))
            sizes["request"].append(bytes_in)
            sizes["response"].append(bytes_out)
            sized["request"].append(n_total)
            sized["response"].append(n_total)
        expiry = today + round((12 + 70 * _noise("ingress-cert", cluster.uid, hub.namespace)) * DAY)
        cert = (
            f'host="{hub.namespace}.hubs.example.org",ingress="{hub.namespace}",kubernetes_pod_name="{pod}",'
            f'namespace="{INGRESS_NAMESPACE}"'
        )
        series[f"nginx_ingress_controller_ssl_expire_time_seconds|{cert}"] = [expiry] * len(times)

    failed_since = today - RELOAD_FAILED[1] if cluster.uid == RELOAD_FAILED[0] else None
    config_hash = int(_noise("ingress-config", cluster.uid) * 10**19)
    column_hash = column("nginx_ingress_controller_config_hash", controller)
    reloaded = column("nginx_ingress_controller_config_last_reload_successful", controller)
    reloads = column("nginx_ingress_controller_success", controller)
    memory = column("nginx_ingress_controller_nginx_process_resident_memory_bytes", controller)
    cpu = column("nginx_ingress_controller_nginx_process_cpu_seconds_total", controller)
    connections = {state: column("nginx_ingress_controller_nginx_process_connections", f'{controller},state="{state}"') for state in ("active", "reading", "writing", "waiting")}
    wobble = _Wobble("ingress-controller", cluster.uid, step=900)
    succeeded, cpu_seconds = 40, 1_000.0
    for i, t in enumerate(times):
        failed = failed_since is not None and t >= failed_since
        # A reload every four hours; after the failed one, none succeeds.
        if t % (4 * 3600) == 0 and not failed:
            succeeded += 1
        column_hash.append(config_hash)
        reloaded.append(0 if failed else 1)
        reloads.append(succeeded)
        memory.append(round((190 + 6 * len(hubs) + 30 * wobble(t)) * 1024 * 1024))
        cpu_seconds += (0.015 + 0.002 * total_rps[i]) * step * (0.9 + 0.2 * wobble(t + 450))
        cpu.append(f"{cpu_seconds:.3f}")
        active = round(4 + 0.6 * total_rps[i] * (0.8 + 0.4 * wobble(t)))
        connections["active"].append(active)
        connections["reading"].append(round(active * 0.05))
        connections["writing"].append(round(active * 0.25) + 1)
        connections["waiting"].append(active - round(active * 0.05) - round(active * 0.25) - 1)
    return times, series


# cluster-west runs HAProxy Ingress (jcmoraisjr/haproxy-ingress) instead, as its own
# dashboard reads it: a controller pod labelled with the cluster and its host name, a
# certificate per hub (one of them close to expiry), HAProxy busiest in the afternoon.
HAPROXY_CLUSTER = "prom-west"
HAPROXY_HOSTNAME = "haproxy-ingress-7d9f8c6b5d-x2kqp"
# Days from today to each hub's certificate expiry, in the order of the cluster's hubs.
HAPROXY_CERT_DAYS = (12.5, 55.25, 80.75)


def haproxy_series(cluster: Cluster, now: int, days: int) -> tuple[range, dict[str, list]]:
    """Samples of HAProxy Ingress' families, keyed "sample name|label text"."""
    times = ingress_times(now, HAPROXY_INTERVAL)
    step = HAPROXY_INTERVAL
    today = now - now % DAY
    host = f'cluster="{cluster.name}",hostname="{HAPROXY_HOSTNAME}"'
    series: dict[str, list] = {}
    hubs = live_hubs(cluster, now, days)
    rng = _rng("haproxy", cluster.uid, times[0])
    wobble = _Wobble("haproxy", cluster.uid, step=600)
    fronts = {proxy: [0, series.setdefault(f"haproxy_frontend_sessions_total|{host},proxy=\"{proxy}\"", [])] for proxy in ("_front_http", "_front__tls")}
    current = {proxy: series.setdefault(f"haproxy_frontend_current_sessions|{host},proxy=\"{proxy}\"", []) for proxy in fronts}
    backends = {hub.namespace: [0, series.setdefault(f"haproxy_backend_sessions_total|{host},proxy=\"{hub.namespace}_proxy-public_8000\"", [])] for hub in hubs}
    processing = series.setdefault(f"haproxyingress_haproxy_processing_seconds_total|{host}", [])
    cpu = series.setdefault(f'process_cpu_seconds_total|{host},job="haproxy-ingress"', [])
    busy_total, cpu_total = 50_000.0, 9_000.0
    for t in times:
        shape = HUB_DAY[(t % DAY) // 60]
        # HAProxy's share of a core: 0.2 at night, past 0.6 (the dashboard's first step)
        # on busy afternoons.
        busy = 0.2 + 0.5 * shape * (0.7 + 0.6 * wobble(t))
        busy_total += busy * step
        processing.append(f"{busy_total:.3f}")
        cpu_total += (0.05 + 0.2 * shape * wobble(t + 300)) * step
        cpu.append(f"{cpu_total:.3f}")
        for i, (proxy, (total, values)) in enumerate(fronts.items()):
            sessions = _poisson(rng, (1 + 40 * shape) * (1 + i) * step / 10)
            fronts[proxy][0] = total + sessions
            values.append(fronts[proxy][0])
            current[proxy].append(round((120 + 1_400 * shape * (0.8 + 0.4 * wobble(t + 60 * i))) * (1 + i) / 3))
        for hub in hubs:
            total, values = backends[hub.namespace]
            backends[hub.namespace][0] = total + _poisson(rng, hub.base_users * shape * step / 60)
            values.append(backends[hub.namespace][0])
    constant = {
        f"haproxyingress_update_success|{host}": 1,
        f"haproxy_process_start_time_seconds|{host}": today - 3 * DAY + 4_321,
        f'process_start_time_seconds|{host},job="haproxy-ingress"': today - 3 * DAY + 4_300,
        f"haproxy_process_max_connections|{host}": 4_000,
        f"haproxy_process_nbthread|{host}": 4,
    }
    for hub, days_left in zip(hubs, HAPROXY_CERT_DAYS):
        cn = f"{hub.namespace}.hubs.example.org"
        constant[f'haproxyingress_cert_expire_date_epoch|{host},cn="{cn}"'] = today + round(days_left * DAY)
    for key, value in constant.items():
        series[key] = [value] * len(times)
    return times, series


HAPROXY_FAMILIES = {
    "haproxy_frontend_sessions_total": "haproxy_frontend_sessions",
    "haproxy_frontend_current_sessions": "haproxy_frontend_current_sessions",
    "haproxy_backend_sessions_total": "haproxy_backend_sessions",
    "haproxyingress_haproxy_processing_seconds_total": "haproxyingress_haproxy_processing_seconds",
    "process_cpu_seconds_total": "process_cpu_seconds",
    "haproxyingress_update_success": "haproxyingress_update_success",
    "haproxy_process_start_time_seconds": "haproxy_process_start_time_seconds",
    "process_start_time_seconds": "process_start_time_seconds",
    "haproxy_process_max_connections": "haproxy_process_max_connections",
    "haproxy_process_nbthread": "haproxy_process_nbthread",
    "haproxyingress_cert_expire_date_epoch": "haproxyingress_cert_expire_date_epoch",
}


INGRESS_FAMILIES = {
    "nginx_ingress_controller_requests": "nginx_ingress_controller_requests",
    "nginx_ingress_controller_request_duration_seconds_bucket": "nginx_ingress_controller_request_duration_seconds",
    "nginx_ingress_controller_request_duration_seconds_count": "nginx_ingress_controller_request_duration_seconds",
    "nginx_ingress_controller_request_duration_seconds_sum": "nginx_ingress_controller_request_duration_seconds",
    "nginx_ingress_controller_request_size_sum": "nginx_ingress_controller_request_size",
    "nginx_ingress_controller_request_size_count": "nginx_ingress_controller_request_size",
    "nginx_ingress_controller_response_size_sum": "nginx_ingress_controller_response_size",
    "nginx_ingress_controller_response_size_count": "nginx_ingress_controller_response_size",
    "nginx_ingress_controller_ssl_expire_time_seconds": "nginx_ingress_controller_ssl_expire_time_seconds",
    "nginx_ingress_controller_config_hash": "nginx_ingress_controller_config_hash",
    "nginx_ingress_controller_config_last_reload_successful": "nginx_ingress_controller_config_last_reload_successful",
    "nginx_ingress_controller_success": "nginx_ingress_controller_success",
    "nginx_ingress_controller_nginx_process_resident_memory_bytes": "nginx_ingress_controller_nginx_process_resident_memory_bytes",
    "nginx_ingress_controller_nginx_process_cpu_seconds_total": "nginx_ingress_controller_nginx_process_cpu_seconds",
    "nginx_ingress_controller_nginx_process_connections": "nginx_ingress_controller_nginx_process_connections",
}


FAMILIES_HELP = {
    "jupyterhub_running_servers": ("gauge", "The number of user servers currently running."),
    "jupyterhub_server_spawn_duration_seconds": ("histogram", "Time taken for server spawning operation."),
    "kube_pod_container_info": ("gauge", "Information about a container in a pod."),
    "kube_service_labels": ("gauge", "Kubernetes labels converted to Prometheus labels."),
    "requests": ("counter", "HTTP requests handled, by endpoint and status."),
    "request_duration_seconds": ("histogram", "HTTP request latency."),
    "buffer_level_bytes": ("gauge", "Bytes queued in the port's receive buffer."),
    "rx_packets": ("counter", "Packets received on the port."),
    "link_up": ("gauge", "1 when the port's link is up."),
    # ingress-nginx's counters are named without `_total`: OpenMetrics calls them unknown.
    "nginx_ingress_controller_requests": ("unknown", "The total number of client requests."),
    "nginx_ingress_controller_request_duration_seconds": ("histogram", "The request processing time in seconds."),
    "nginx_ingress_controller_request_size": ("summary", "The request length (including request line, header, and request body)."),
    "nginx_ingress_controller_response_size": ("summary", "The response length (including request line, header, and request body)."),
    "nginx_ingress_controller_ssl_expire_time_seconds": ("gauge", "Number of seconds since 1970 to the SSL Certificate expire."),
    "nginx_ingress_controller_config_hash": ("gauge", "Running configuration hash actually running."),
    "nginx_ingress_controller_config_last_reload_successful": ("gauge", "Whether the last configuration reload attempt was successful."),
    "nginx_ingress_controller_success": ("unknown", "Cumulative number of Ingress controller reload operations."),
    "nginx_ingress_controller_nginx_process_resident_memory_bytes": ("gauge", "number of bytes of memory in use"),
    "nginx_ingress_controller_nginx_process_cpu_seconds": ("counter", "Cpu usage in seconds"),
    "nginx_ingress_controller_nginx_process_connections": ("gauge", "current number of client connections with state {active, reading, writing, waiting}"),
    # HAProxy Ingress' (cluster-west).
    "haproxy_frontend_sessions": ("counter", "Total number of sessions."),
    "haproxy_frontend_current_sessions": ("gauge", "Current number of active sessions."),
    "haproxy_backend_sessions": ("counter", "Total number of sessions."),
    "haproxyingress_haproxy_processing_seconds": ("counter", "Cumulative number of seconds HAProxy spent processing requests."),
    "process_cpu_seconds": ("counter", "Total user and system CPU time spent in seconds."),
    "haproxyingress_update_success": ("gauge", "Whether the last update was successful."),
    "haproxy_process_start_time_seconds": ("gauge", "Start time in seconds."),
    "process_start_time_seconds": ("gauge", "Start time of the process since unix epoch in seconds."),
    "haproxy_process_max_connections": ("gauge", "Maximum number of concurrent connections."),
    "haproxy_process_nbthread": ("gauge", "Number of started threads."),
    "haproxyingress_cert_expire_date_epoch": ("gauge", "The expiration date of the certificate, in seconds since the epoch."),
    "promnote_hostile": ("gauge", "Label values that try to become markup, script or formulas (tests only)."),
}

# Label values an attacker could put in a label (cluster-north, last three days, 5 min
# samples): the page must show each as the exact text, never run or render it.
HOSTILE_LABELS = (
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1">',
    '"><svg onload=window.__xss=1>',
    "</div><b>bold</b>",
    "a&amp;b &lt;tag&gt;",
    '<a href="javascript:window.__xss=1">click</a>',
    "javascript:window.__xss=1",
    "<br>line break",
    "%{y} %{hovertext}",
    "{{value}} template",
    "=HYPERLINK(\"http://x\")",
    "back\\slash \"quoted\"",
    "مرحبا \u202eevil",
    "🚀 hub 👩‍🔬",
    "two\nlines",
    "x" * 300,
)


def _label_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _write_family(out, family: str) -> None:
    kind, text = FAMILIES_HELP[family]
    out.write(f"# HELP {family} {text}\n# TYPE {family} {kind}\n")


def _write_series(out, name: str, labels: str, times: range, values: list) -> int:
    prefix = f"{name}{{{labels}}} "
    out.writelines([f"{prefix}{value} {t}\n" for t, value in zip(times, values)])
    return len(values)


def _write_families(out, counts: dict[str, int], times: range, series: dict[str, list], family_of: dict[str, str]) -> None:
    """Writes `series` (keyed "sample name|label text") family by family, in the order
    `family_of` (sample name: family) first names each, counting each family's samples."""
    for family in dict.fromkeys(family_of.values()):
        _write_family(out, family)
        counts[family] = 0
        for key, values in series.items():
            name, labels = key.split("|", 1)
            if family_of[name] == family:
                counts[family] += _write_series(out, name, labels, times, values)


def write_openmetrics(cluster: Cluster, path: str, now: int, days: int, history_days: int = HISTORY_DAYS) -> dict[str, int]:
    """Write one cluster's history; returns the number of samples per metric family."""
    first, last = data_range(now, days)
    times = active_users_times(now, days, history_days)
    live = live_hubs(cluster, now, days)
    counts = {}
    with open(path, "w", encoding="utf-8") as out:
        count = 0
        out.write("# HELP jupyterhub_active_users Number of users active in the period.\n")
        out.write("# TYPE jupyterhub_active_users gauge\n")
        for hub in cluster.hubs:
            for period in ("24h", "7d", "30d"):
                labels = (
                    f'instance="hub.{hub.namespace}.svc:8081",job="jupyterhub",'
                    f'namespace="{hub.namespace}",period="{period}"'
                )
                lines = []
                for t in times:
                    value = active_users(cluster, hub, period, t, now)
                    if value is not None:
                        lines.append(f"jupyterhub_active_users{{{labels}}} {value} {t}\n")
                out.writelines(lines)
                count += len(lines)
        counts["jupyterhub_active_users"] = count

        family = "jupyterhub_running_servers"
        _write_family(out, family)
        counts[family] = 0
        for hub in live:
            times = hub_times(hub, now, days)
            counts[family] += _write_series(out, family, hub_labels(hub), times, running_servers(cluster, hub, times, now))

        family = "jupyterhub_server_spawn_duration_seconds"
        _write_family(out, family)
        counts[family] = 0
        for hub in live:
            times = hub_times(hub, now, days)
            for key, values in spawn_histogram(cluster, hub, times, now).items():
                suffix, status, *le = key.split("|")
                labels = f'{hub_labels(hub)},status="{status}"' + (f',le="{le[0]}"' if le else "")
                counts[family] += _write_series(out, family + suffix, labels, times, values)

        # kube-state-metrics' hub service, which the JupyterHub community's dashboards
        # list their hubs from (`label_values(kube_service_labels{service="hub"}, namespace)`).
        family = "kube_service_labels"
        _write_family(out, family)
        counts[family] = 0
        for hub in live:
            times = hub_times(hub, now, days)
            labels = f'namespace="{hub.namespace}",service="hub",job="kube-state-metrics"'
            counts[family] += _write_series(out, family, labels, times, [1] * len(times))

        family = "kube_pod_container_info"
        _write_family(out, family)
        counts[family] = 0
        for hub in live:
            for image, pod, spans in notebook_pods(cluster, hub, now, days):
                labels = (
                    f'namespace="{hub.namespace}",pod="{pod}",container="notebook",'
                    f'image_spec="{image}",image="{resolved_image(image)}",job="kube-state-metrics"'
                )
                prefix = f"{family}{{{labels}}} 1 "
                for start, end in spans:
                    lines = [f"{prefix}{t}\n" for t in range(start, end, SAMPLE_INTERVAL)]
                    out.writelines(lines)
                    counts[family] += len(lines)

        if cluster.uid == HAPROXY_CLUSTER:
            times, series = haproxy_series(cluster, now, days)
            _write_families(out, counts, times, series, HAPROXY_FAMILIES)
        else:
            times, series = ingress_series(cluster, now, days)
            _write_families(out, counts, times, series, INGRESS_FAMILIES)

        if cluster.uid == "prom-north":
            times, series = service_series(now, days)
            sample_family = {
                "requests_total": "requests",
                "request_duration_seconds_bucket": "request_duration_seconds",
                "request_duration_seconds_count": "request_duration_seconds",
                "request_duration_seconds_sum": "request_duration_seconds",
                "buffer_level_bytes": "buffer_level_bytes",
                "rx_packets_total": "rx_packets",
                "link_up": "link_up",
            }
            _write_families(out, counts, times, series, sample_family)
            family = "promnote_hostile"
            _write_family(out, family)
            counts[family] = 0
            hostile_times = range(max(first, now - 3 * DAY) // 300 * 300, last + 1, 300)
            for i, value in enumerate(HOSTILE_LABELS):
                labels = f'job="hostile",value="{_label_escape(value)}"'
                counts[family] += _write_series(out, family, labels, hostile_times, [i + 1] * len(hostile_times))
        out.write("# EOF\n")
    return counts


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
            if not points:
                continue  # retired before these days
            series.append(
                {
                    "datasource_uid": cluster.uid,
                    "datasource": cluster.name,
                    "namespace": hub.namespace,
                    "daily": points,
                }
            )
    return {"generated_at": now, "zone": zone or "UTC", "series": series}


def _periods(first: datetime, last: int, unit: str):
    """(label, start, end) of every calendar period from the one holding `first` (an
    aware datetime) to the one holding `last` (unix seconds)."""
    tz = first.tzinfo
    day = first.date()
    if unit == "week":
        start = day - timedelta(days=day.weekday())
    elif unit == "month":
        start = day.replace(day=1)
    else:
        start = day.replace(month=1, day=1)
    while True:
        if unit == "week":
            following = start + timedelta(days=7)
            iso = start.isocalendar()
            label = f"{iso[0]}-W{iso[1]:02d}"
        elif unit == "month":
            following = (start + timedelta(days=32)).replace(day=1)
            label = start.strftime("%Y-%m")
        else:
            following = start.replace(year=start.year + 1)
            label = str(start.year)
        begin = int(datetime.combine(start, datetime.min.time(), tz).timestamp())
        end = int(datetime.combine(following, datetime.min.time(), tz).timestamp())
        if begin > last:
            return
        yield label, begin, end
        start = following


def expected_history(now: int, days: int, history_days: int, zone: str) -> dict:
    """What the Community usage report must show over the whole history, in `zone`.

    Per cluster: `month_end_30d` (the 30d gauge summed over its hubs at the midnight that
    ends each month), `week_end_7d` (the 7d gauge at the end of each ISO week) and
    `year_hubs` (how many hubs have a sample in each year, its first and last instant
    included, the current year so far); per hub, `daily` values as in `expected_daily`.
    """
    tz = ZoneInfo(zone)
    first_fine, last = data_range(now, days)
    first = first_fine - (history_days - days) * DAY
    clusters = []
    for cluster in CLUSTERS:
        sums = {}
        for unit, period in (("month", "30d"), ("week", "7d")):
            values = {}
            for label, _, end in _periods(datetime.fromtimestamp(first, tz), last, unit):
                if end > last:
                    break  # the current period: evaluated at "now", which only the page knows
                present = [v for hub in cluster.hubs if (v := active_users(cluster, hub, period, end, now)) is not None]
                if present:
                    values[label] = sum(present)
            sums[unit] = values
        years = {}
        # Counts do not depend on "now" within a day: the current year is here too.
        for label, begin, end in _periods(datetime.fromtimestamp(first, tz), now, "year"):
            count = 0
            for hub in cluster.hubs:
                born = birth_time(hub, now)
                gone = retire_time(hub, now)
                since = first if born is None else max(first, born)
                until = last if gone is None else gone
                count += since <= end and until >= begin
            years[label] = count
        clusters.append(
            {
                "datasource_uid": cluster.uid,
                "datasource": cluster.name,
                "month_end_30d": sums["month"],
                "week_end_7d": sums["week"],
                "year_hubs": years,
            }
        )
    daily = expected_daily(now, history_days, zone)["series"]
    return {"zone": zone, "first": first, "clusters": clusters, "series": daily}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="write OpenMetrics files and expected.json")
    gen.add_argument("out_dir")
    gen.add_argument("--now", type=int, default=None, help="unix seconds (default: now)")
    gen.add_argument("--days", type=int, default=35)
    gen.add_argument("--history-days", type=int, default=HISTORY_DAYS)
    args = parser.parse_args()

    now = args.now if args.now is not None else int(time.time())
    os.makedirs(args.out_dir, exist_ok=True)
    manifest = {"now": now, "days": args.days, "history_days": args.history_days, "clusters": []}
    paths = [os.path.join(args.out_dir, f"{cluster.uid}.om") for cluster in CLUSTERS]
    # One process per cluster file (they are independent and each is deterministic).
    with ProcessPoolExecutor(max_workers=max(1, min(len(CLUSTERS), os.cpu_count() or 1))) as pool:
        jobs = [pool.submit(write_openmetrics, cluster, path, now, args.days, args.history_days) for cluster, path in zip(CLUSTERS, paths)]
        for cluster, path, job in zip(CLUSTERS, paths, jobs):
            families = job.result()
            manifest["clusters"].append(
                {"uid": cluster.uid, "name": cluster.name, "file": path, "samples": sum(families.values()), "families": families}
            )
    with open(os.path.join(args.out_dir, "expected.json"), "w", encoding="utf-8") as out:
        expected = expected_daily(now, args.days)
        expected["europe_berlin"] = expected_daily(now, args.days, "Europe/Berlin")["series"]
        # Newfoundland: a half-hour offset (-3:30, -2:30 in summer), for day cuts that no
        # whole-hour alignment gets right.
        expected["america_st_johns"] = expected_daily(now, args.days, "America/St_Johns")["series"]
        expected["hostile_labels"] = list(HOSTILE_LABELS)
        # Thirteen months and more, for the Community usage report.
        expected["history"] = {zone: expected_history(now, args.days, args.history_days, zone) for zone in ("UTC", "Europe/Berlin")}
        json.dump(expected, out, indent=1, sort_keys=True)
    with open(os.path.join(args.out_dir, "manifest.json"), "w", encoding="utf-8") as out:
        json.dump(manifest, out, indent=1)
    print(json.dumps({"now": now, "samples": sum(c["samples"] for c in manifest["clusters"])}))


if __name__ == "__main__":
    main()
