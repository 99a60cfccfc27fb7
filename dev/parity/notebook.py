#!/usr/bin/env python3
"""The notebook's own pipeline, run over the recorded parity fixtures.

This is the page promnote replaces, reduced to its data steps: list Grafana's
datasources, keep the Prometheus ones, query each with prometheus-pandas through
Grafana's datasource proxy, concatenate, floor the timestamps to the day, name each
column by its `namespace` label and order the columns by total, largest first.
A loopback server replays the recorded answers, so prometheus-pandas and requests
run exactly as in the notebook. Output (committed beside the fixtures):

- expected_notebook_rows.csv: the concatenated frame as the notebook held it
  (one row per datasource and day; duplicate days across datasources);
- expected_notebook_wide.csv: what its stacked bar chart shows per day and column,
  i.e. rows with the same day added up.

Usage: dev/parity/run (creates the venv with prometheus-pandas and pandas from PyPI)
"""

from __future__ import annotations

import json
import os
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pandas as pd
import requests
from prometheus_pandas import query as prometheus_query

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(os.path.dirname(os.path.dirname(HERE)), "crates", "promnote-core", "tests", "parity")
TOKEN = "glsa_parity_replay"


class Replay(BaseHTTPRequestHandler):
    """Answers like Grafana from the fixtures; checks the notebook asked what was recorded."""

    def do_GET(self) -> None:  # noqa: N802
        assert self.headers.get("Authorization") == f"Bearer {TOKEN}"
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/api/datasources":
            body = open(os.path.join(FIXTURES, "datasources.json"), "rb").read()
        else:
            prefix = "/api/datasources/proxy/uid/"
            uid, _, rest = url.path[len(prefix) :].partition("/")
            assert rest == "api/v1/query_range", rest
            params = dict(urllib.parse.parse_qsl(url.query))
            recorded = json.load(open(os.path.join(FIXTURES, "request.json")))
            assert params["query"] == recorded["query"] and params["step"] == recorded["step"], params
            body = open(os.path.join(FIXTURES, f"{uid}.json"), "rb").read()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt: str, *args: object) -> None:  # noqa: D102
        pass


def query_each(grafana: str, token: str, start: float, end: float, step: str, query: str) -> list[pd.DataFrame]:
    """The notebook's first cells: one prometheus-pandas frame per Prometheus datasource,
    queried one after another through Grafana's proxy."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    datasources = session.get(f"{grafana}/api/datasources").json()
    frames = []
    for ds in datasources:
        if ds["type"] != "prometheus":
            continue
        p = prometheus_query.Prometheus(f"{grafana}/api/datasources/proxy/uid/{ds['uid']}/", http=session)
        frames.append(p.query_range(query, start, end, step))
    return frames


def notebook(grafana: str, token: str, start: float, end: float, step: str, query: str) -> pd.DataFrame:
    """The notebook's cells, as they were (apart from the replay's address)."""
    df = pd.concat(query_each(grafana, token, start, end, step, query))
    df.index = df.index.floor("D")
    # Column names look like {namespace="prod"}: keep the hub's name.
    df.columns = [c.split('"')[1] for c in df.columns]
    df = df[df.sum().sort_values(ascending=False).index]
    return df


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Replay)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    request = json.load(open(os.path.join(FIXTURES, "request.json")))
    df = notebook(f"http://127.0.0.1:{server.server_port}", TOKEN, request["start"], request["end"], request["step"], request["query"])
    df.index.name = "day"
    df.to_csv(os.path.join(FIXTURES, "expected_notebook_rows.csv"), date_format="%Y-%m-%d")
    # A stacked bar chart adds rows that share an x value: that is what the notebook showed.
    shown = df.groupby(level=0).sum(min_count=1)
    shown = shown[df.columns]
    shown.to_csv(os.path.join(FIXTURES, "expected_notebook_wide.csv"), date_format="%Y-%m-%d")
    server.shutdown()
    print(f"notebook pipeline: {len(df)} rows, {len(df.columns)} columns -> {len(shown)} days")


if __name__ == "__main__":
    main()
