#!/usr/bin/env python3
"""Records the notebook's own requests against the real demo stack, as parity fixtures.

The notebook ran, per Prometheus datasource, a GET query_range from "1 month ago" to
"now" at step 1d through Grafana's proxy. This does the same (with `requests`' way of
encoding parameters) and writes every answer, plus the datasource list and the
request's parameters, to crates/promnote-core/tests/parity/.

Usage: record.py target/demo-stack/<name>/state.json
"""

from __future__ import annotations

import calendar
import json
import os
import sys
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "crates", "promnote-core", "tests", "parity")
QUERY = 'max(jupyterhub_active_users{period="24h", namespace=~".*"}) by (namespace)'


def get(url: str, token: str) -> bytes:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read()


def month_ago(now: float) -> float:
    """The same time one calendar month earlier (day clamped), like dateparser's "1 month ago"."""
    t = time.gmtime(now)
    year, month = (t.tm_year, t.tm_mon - 1) if t.tm_mon > 1 else (t.tm_year - 1, 12)
    day = min(t.tm_mday, calendar.monthrange(year, month)[1])
    return float(calendar.timegm((year, month, day, t.tm_hour, t.tm_min, t.tm_sec)))


def main() -> None:
    state = json.load(open(sys.argv[1], encoding="utf-8"))
    base, token = state["grafana_url"].rstrip("/"), state["token"]
    now = float(int(time.time()))
    start = month_ago(now)
    datasources = json.loads(get(f"{base}/api/datasources", token))
    os.makedirs(OUT, exist_ok=True)
    params = {"query": QUERY, "start": start, "end": now, "step": "1d"}
    for ds in datasources:
        if ds["type"] != "prometheus":
            continue
        url = f"{base}/api/datasources/proxy/uid/{ds['uid']}/api/v1/query_range?{urllib.parse.urlencode(params)}"
        with open(os.path.join(OUT, f"{ds['uid']}.json"), "wb") as f:
            f.write(get(url, token))
    with open(os.path.join(OUT, "datasources.json"), "w", encoding="utf-8") as f:
        json.dump(datasources, f, indent=1)
    with open(os.path.join(OUT, "request.json"), "w", encoding="utf-8") as f:
        json.dump(params, f, indent=1)
    print(f"recorded {len(datasources)} datasources at {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(now))}")


if __name__ == "__main__":
    main()
