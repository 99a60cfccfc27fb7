#!/usr/bin/env python3
"""Times the notebook's pipeline (requests + prometheus-pandas + pandas, sequential over
datasources as the notebook ran) against the live stack, for dev/bench.

Usage: bench_notebook.py <stack-state.json> [runs]   (run with the parity venv's python)
"""

from __future__ import annotations

import calendar
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "parity"))
from notebook import notebook  # noqa: E402

QUERY = 'max(jupyterhub_active_users{period="24h", namespace=~".*"}) by (namespace)'


def main() -> None:
    state = json.load(open(sys.argv[1], encoding="utf-8"))
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    times = []
    for _ in range(runs):
        now = time.time()
        t = time.gmtime(now)
        year, month = (t.tm_year, t.tm_mon - 1) if t.tm_mon > 1 else (t.tm_year - 1, 12)
        start = calendar.timegm((year, month, min(t.tm_mday, calendar.monthrange(year, month)[1]), t.tm_hour, t.tm_min, t.tm_sec))
        began = time.perf_counter()
        df = notebook(state["grafana_url"], state["token"], start, now, "1d", QUERY)
        times.append((time.perf_counter() - began) * 1000)
    print(f"{'small: notebook pipeline (Python)':34} {statistics.median(times):.0f} ms (median of {runs}; {len(df.columns)} columns, no drawing)")


if __name__ == "__main__":
    main()
