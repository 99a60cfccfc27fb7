#!/usr/bin/env python3
"""The benchmark's larger worlds, written as OpenMetrics for promtool to backfill.

- wide: 50 clusters x 200 JupyterHubs, `jupyterhub_active_users{period="24h"}` sampled
  hourly (the hub-activity report reads it at midnights). Every cluster has a hub called
  `staging`, so those names collide across clusters as on a real fleet; the rest are
  unique (`c07-hub-123`).
- dense: 1 cluster, 600 series of `promnote_dense{series=...}` sampled hourly, with
  values of realistic precision (a 35-day range at a 1 h step answers ~11 MB of JSON).

The small world is demo_data.py's. Values are deterministic (a hash of the series and
time), so every run of the benchmark reads the same data.

Usage: bench_data.py generate OUT_DIR --scale wide|dense [--now UNIX] [--days 35]
"""

from __future__ import annotations

import argparse
import json
import os
import time
import zlib
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

DAY = 86_400
HOUR = 3_600
FUTURE_DAYS = 2


@dataclass(frozen=True)
class Cluster:
    uid: str
    name: str


def clusters(scale: str) -> tuple[Cluster, ...]:
    if scale == "wide":
        return tuple(Cluster(f"wide-{i:02d}", f"cluster-{i:02d}") for i in range(50))
    if scale == "dense":
        return (Cluster("dense", "dense"),)
    raise SystemExit(f"bench_data: unknown scale {scale!r} (wide or dense)")


def _noise(key: str, t: int) -> float:
    """A deterministic value in [0, 1) for one series at one time."""
    return (zlib.crc32(f"{key}|{t}".encode()) & 0xFFFFFF) / 0x1000000


def _write_gauge(path: str, family: str, help_text: str, series, now: int, days: int) -> int:
    """Writes one gauge family sampled hourly over the data's span; `series` yields
    (labels, value_of_time) pairs. Returns the number of samples."""
    first = (now - (days + 1) * DAY) // HOUR * HOUR
    times = range(first, now + FUTURE_DAYS * DAY, HOUR)
    samples = 0
    with open(path, "w", encoding="utf-8") as out:
        out.write(f"# HELP {family} {help_text}\n")
        out.write(f"# TYPE {family} gauge\n")
        for labels, value in series:
            prefix = f"{family}{{{labels}}} "
            out.writelines(f"{prefix}{value(t)} {t}\n" for t in times)
            samples += len(times)
        out.write("# EOF\n")
    return samples


def write_wide(cluster: Cluster, path: str, now: int, days: int) -> int:
    index = int(cluster.uid.split("-")[1])

    def hubs():
        for hub in range(200):
            namespace = "staging" if hub == 0 else f"c{index:02d}-hub-{hub:03d}"
            base = 5 + (zlib.crc32(f"{cluster.uid}/{namespace}".encode()) % 400)
            yield (
                f'namespace="{namespace}",period="24h"',
                lambda t, namespace=namespace, base=base: int(base * (0.6 + 0.4 * _noise(namespace, t // DAY))),
            )

    return _write_gauge(path, "jupyterhub_active_users", "Users active within the period.", hubs(), now, days)


def write_dense(cluster: Cluster, path: str, now: int, days: int) -> int:
    def series():
        for s in range(600):
            name, scale = f"s-{s:03d}", 10 ** (s % 5)
            yield f'job="dense",series="{name}"', lambda t, name=name, scale=scale: f"{scale * _noise(name, t):.6g}"

    return _write_gauge(path, "promnote_dense", "A dense gauge for the decode benchmark.", series(), now, days)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="write OpenMetrics files and expected.json")
    gen.add_argument("out_dir")
    gen.add_argument("--scale", required=True, choices=("wide", "dense"))
    gen.add_argument("--now", type=int, default=None, help="unix seconds (default: now)")
    gen.add_argument("--days", type=int, default=35)
    args = parser.parse_args()
    now = args.now if args.now is not None else int(time.time())
    os.makedirs(args.out_dir, exist_ok=True)
    write = write_wide if args.scale == "wide" else write_dense
    world = clusters(args.scale)
    with ProcessPoolExecutor(max_workers=max(1, os.cpu_count() or 1)) as pool:
        jobs = [pool.submit(write, c, os.path.join(args.out_dir, f"{c.uid}.om"), now, args.days) for c in world]
        samples = sum(job.result() for job in jobs)
    # The benchmark checks speed, not values: expected.json only says what exists.
    with open(os.path.join(args.out_dir, "expected.json"), "w", encoding="utf-8") as out:
        json.dump({"generated_at": now, "scale": args.scale, "series": [], "samples": samples}, out)
    print(json.dumps({"now": now, "samples": samples}))


if __name__ == "__main__":
    main()
