#!/usr/bin/env python3
"""Times the `promnote` command line against the live stack, for dev/bench: the dense
answer with `promnote query` (600 series x 840 points, wide CSV: the notebook's frame)
and the wide fleet with `promnote run` (50 datasources x 200 hubs, the report's tidy
CSV), each run in a fresh process writing its CSV to a file. Records wall time, the
process's peak memory (GNU time) and the bytes of the answers it read.

`monthly` (small stack): the Community usage report's month-end table with `promnote run
--cell 2 --format csv-wide`.

Usage: bench_cli.py <wide|dense|monthly> <stack-state.json> <runs> <promnote binary> <out.json>
       (run with the bench venv's python: it shares bench_notebook's dense range)
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_notebook import DENSE_QUERY, dense_range  # noqa: E402


TIME = "/usr/bin/time"


def command(scale: str, state: dict, binary: str) -> list[str]:
    base = [binary, "--grafana", state["grafana_url"]]
    if scale == "dense":
        start, end = dense_range()
        return base + ["query", DENSE_QUERY, "--from", str(int(start)), "--to", str(int(end)), "--step", "1h", "--format", "csv-wide"]
    if scale == "monthly":
        # The Community usage report's month-end table (thirteen months, a Total column).
        return base + ["run", "reports/community-usage.md", "--cell", "2", "--format", "csv-wide"]
    return base + ["run", "reports/hub-activity.md"]


def once(argv: list[str], token: str) -> tuple[float, int, list[tuple[int, int]]]:
    """One run: wall ms, peak memory (bytes) and each request's (bytes, ms) from --verbose.

    The peak is GNU time's: it measures promnote alone, where ru_maxrss of a child of
    this process would count the Python (and pandas) it was forked from."""
    env = {**os.environ, "GRAFANA_TOKEN": token}
    with tempfile.TemporaryFile() as out, tempfile.NamedTemporaryFile("r") as peak:
        began = time.perf_counter()
        child = subprocess.run([TIME, "-f", "%M", "-o", peak.name, *argv, "--verbose"], stdout=out, stderr=subprocess.PIPE, env=env, check=False)
        elapsed = time.perf_counter() - began
        stderr = child.stderr.decode()
        if child.returncode != 0:
            raise SystemExit(f"bench_cli: {' '.join(argv)} failed: {stderr[-500:]}")
        peak_kb = int(peak.read().split()[-1])
    requests = [(int(b), int(ms)) for b, ms in re.findall(r"\((\d+) bytes\) in (\d+) ms", stderr)]
    return elapsed * 1000, peak_kb * 1024, requests


def main() -> None:
    scale, state_file, runs, binary, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
    state = json.load(open(state_file, encoding="utf-8"))
    argv = command(scale, state, binary)
    once(argv, state["token"])  # untimed: a warm page cache
    times, peaks, own, answer_bytes = [], [], [], 0
    for i in range(runs):
        ms, peak, requests = once(argv, state["token"])
        answer_bytes = sum(b for b, _ in requests)
        times.append(ms)
        peaks.append(peak)
        # Requests go one after another for the dense answer (one datasource), so the
        # rest of the wall time is promnote's own work: start-up, decode, table, CSV.
        own.append(ms - sum(t for _, t in requests))
        own_work = f" (own work {own[-1]:.0f} ms)" if scale == "dense" else ""
        print(f"promnote {scale}: run {i + 1}: {ms:.0f} ms{own_work}, peak {peak / 1e6:.1f} MB", flush=True)
    result = {
        "scale": scale,
        "command": " ".join(a if " " not in a else repr(a) for a in argv[1:]),
        "ms": statistics.median(times),
        "all_ms": [round(t) for t in times],
        "peak_bytes": max(peaks),
        "answer_bytes": answer_bytes,
    }
    if scale == "dense":
        result["own_ms"] = statistics.median(own)
    with open(out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
