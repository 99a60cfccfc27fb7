#!/usr/bin/env python3
"""Times the notebook's pipeline against the live stack, for dev/bench: requests +
prometheus-pandas + pandas, sequential over datasources as the notebook ran, then
plotly building the same figure (stacked bars per hub; lines for the dense scale) and
serializing it for the browser, as Jupyter does before anything is drawn.

Writes medians as JSON to OUT: query + frame, figure, and the total.

`monthly` (on the small stack) is the month-end table of the Community usage report the
pandas way: every datasource's users at a 1-day step over thirteen months, concatenated,
`resample('M').last()` (the value at each month's last midnight), a Total column, CSV.

Usage: bench_notebook.py <small|wide|dense|monthly> <stack-state.json> <runs> <out.json>
       (run with the bench venv's python)
"""

from __future__ import annotations

import calendar
import io
import json
import os
import statistics
import sys
import time

import pandas as pd
import plotly.graph_objects as go
import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "parity"))
from notebook import notebook, query_each  # noqa: E402

HUB_QUERY = 'max(jupyterhub_active_users{period="24h", namespace=~".*"}) by (namespace)'
DENSE_QUERY = "promnote_dense"
MONTHLY_QUERY = 'sum(jupyterhub_active_users{period="30d"})'


def month_ago(now: float) -> float:
    t = time.gmtime(now)
    year, month = (t.tm_year, t.tm_mon - 1) if t.tm_mon > 1 else (t.tm_year - 1, 12)
    day = min(t.tm_mday, calendar.monthrange(year, month)[1])
    return calendar.timegm((year, month, day, t.tm_hour, t.tm_min, t.tm_sec))


def hub_report(state: dict, with_figure: bool = True):
    now = time.time()
    began = time.perf_counter()
    # Evaluated at midnights, like the report's bars (the wide data is sampled hourly).
    start = month_ago(now) // 86400 * 86400
    df = notebook(state["grafana_url"], state["token"], start, now, "1d", HUB_QUERY)
    framed = time.perf_counter()
    csv = to_csv(df)
    figured = time.perf_counter()
    if with_figure:
        fig = go.Figure([go.Bar(x=df.index, y=df[c], name=c) for c in df.columns])
        fig.update_layout(barmode="stack")
        fig.to_json()
    return framed - began, time.perf_counter() - figured, len(df.columns), csv


def months_ago(now: float, months: int) -> float:
    """The first midnight (UTC) of the month `months` before now's: Grafana's now-13M/M."""
    t = time.gmtime(now)
    index = t.tm_year * 12 + t.tm_mon - 1 - months
    return calendar.timegm((index // 12, index % 12 + 1, 1, 0, 0, 0))


def monthly_report(state: dict, with_figure: bool = True):
    """The month-end table: months down, datasources across, a Total column."""
    now = time.time()
    began = time.perf_counter()
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {state['token']}"
    # The Prometheus datasources in listing order, as query_each asks them (a Loki one
    # listed first would otherwise name the first cluster's column).
    listing = session.get(f"{state['grafana_url']}/api/datasources").json()
    names = [ds["name"] for ds in listing if ds["type"] == "prometheus"]
    frames = query_each(state["grafana_url"], state["token"], months_ago(now, 13) + 86400, now, "1d", MONTHLY_QUERY)
    # One column per datasource (the query's series has no labels).
    df = pd.concat([f.set_axis([name], axis=1) for f, name in zip(frames, names, strict=True)], axis=1)
    # A value at midnight D ends day D-1: shift to the day it describes, then each month's last.
    df.index = (df.index - pd.Timedelta(days=1)).floor("D")
    try:
        table = df.resample("ME").last()
    except ValueError:  # pandas before 2.2 spells month-end "M"
        table = df.resample("M").last()
    table["Total"] = table.sum(axis=1, min_count=1)
    framed = time.perf_counter()
    csv = to_csv(table)
    figured = time.perf_counter()
    if with_figure:
        fig = go.Figure([go.Scatter(x=table.index, y=table[c], name=c, stackgroup="one") for c in table.columns[:-1]])
        fig.to_json()
    return framed - began, time.perf_counter() - figured, len(table.columns), csv


def dense_range() -> tuple[float, float]:
    """The dense report's range: the last 35 days, from a whole hour (the data's samples)."""
    now = time.time()
    return (now - 35 * 86400) // 3600 * 3600, now


def dense_report(state: dict, with_figure: bool = True):
    start, now = dense_range()
    began = time.perf_counter()
    df = query_each(state["grafana_url"], state["token"], start, now, "1h", DENSE_QUERY)[0]
    framed = time.perf_counter()
    csv = to_csv(df)
    figured = time.perf_counter()
    if with_figure:
        fig = go.Figure([go.Scatter(x=df.index, y=df[c], name=c, mode="lines") for c in df.columns])
        fig.to_json()
    return framed - began, time.perf_counter() - figured, len(df.columns), csv


def to_csv(df) -> float:
    """Seconds the frame takes to become CSV text (what a script would write out)."""
    began = time.perf_counter()
    df.to_csv(io.StringIO())
    return time.perf_counter() - began


def dense_fetch(state: dict) -> float:
    """The notebook's requests for the dense report without decoding them: what the
    query + frame step spends on the network and on Prometheus, so that the rest is its
    decode + frame."""
    start, now = dense_range()
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {state['token']}"
    began = time.perf_counter()
    datasources = session.get(f"{state['grafana_url']}/api/datasources").json()
    uid = next(ds["uid"] for ds in datasources if ds["type"] == "prometheus")
    answer = session.get(
        f"{state['grafana_url']}/api/datasources/proxy/uid/{uid}/api/v1/query_range",
        params={"query": DENSE_QUERY, "start": start, "end": now, "step": "1h"},
    )
    answer.raise_for_status()
    _ = answer.content
    return time.perf_counter() - began


def main() -> None:
    scale, state_file, runs, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    state = json.load(open(state_file, encoding="utf-8"))
    measure = {"dense": dense_report, "monthly": monthly_report}.get(scale, hub_report)
    frame, figure, csv, columns = [], [], [], 0
    # The wide figure (10,000 bar traces) takes plotly minutes and gigabytes: it is built
    # in the first run only; query + frame is timed in every run.
    for i in range(runs):
        built = scale != "wide" or i == 0
        f, g, columns, c = measure(state, with_figure=built)
        frame.append(f * 1000)
        csv.append(c * 1000)
        if built:
            figure.append(g * 1000)
        shown = f", figure {g * 1000:.0f} ms" if built else ""
        print(f"notebook {scale}: run {i + 1}: query + frame {f * 1000:.0f} ms{shown}", flush=True)
    fetch = [dense_fetch(state) * 1000 for _ in range(runs)] if scale == "dense" else []
    total = [f + statistics.median(figure) for f in frame]
    result = {
        "scale": scale,
        "query_frame_ms": statistics.median(frame),
        "figure_ms": statistics.median(figure),
        "total_ms": statistics.median(total),
        "csv_ms": statistics.median(csv),
        "query_frame_csv_ms": statistics.median([f + c for f, c in zip(frame, csv)]),
        "columns": columns,
        "runs": runs,
        "figure_runs": len(figure),
    }
    if fetch:
        result["fetch_ms"] = statistics.median(fetch)
    with open(out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)
    print(f"notebook {scale}: {result['total_ms']:.0f} ms (query + frame {result['query_frame_ms']:.0f}, figure {result['figure_ms']:.0f}), {columns} columns")


if __name__ == "__main__":
    main()
