#!/usr/bin/env python3
"""The churn case of dev/bench: pod churn makes answers of many short-lived series
(`kube_pod_info`, `kube_job_*`). A Prometheus-compatible server on loopback answers any
range query with SERIES series of one sample each, spread over the range (7 days at a
1-minute step: 10,080 rows); `promnote --prometheus … query --format csv-wide` runs
against it in a fresh process under GNU time, which reads its peak memory. The answer is
~214 KB; a dense wide table of it is 5,000 x 10,080 cells.

`serve` only runs the server (with CORS headers, for the page's part of the benchmark).

Usage: bench_churn.py run <runs> <promnote binary> <out.json> [series]
       bench_churn.py serve <port> [series]
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

TIME = "/usr/bin/time"
STEP_S = 60
DAYS = 7


def churn_answer(series: int, start: float, end: float, step: float) -> bytes:
    """`series` series, each one sample at its own step of the range."""
    steps = max(1, int((end - start) // step))
    result = []
    for i in range(series):
        t = start + (i * 7919 % steps) * step
        result.append({"metric": {"__name__": "kube_pod_info", "namespace": f"ns-{i % 40}", "pod": f"job-{i:05d}-x7k2p"}, "values": [[t, "1"]]})
    return json.dumps({"status": "success", "data": {"resultType": "matrix", "result": result}}).encode()


def handler(series: int):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def answer(self, body: bytes) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Access-Control-Allow-Headers", "Authorization, Content-Type")
            self.end_headers()
            self.wfile.write(body)

        def params(self) -> dict[str, str]:
            url = urlparse(self.path)
            query = parse_qs(url.query)
            if self.command == "POST":
                length = int(self.headers.get("Content-Length") or 0)
                query.update(parse_qs(self.rfile.read(length).decode()))
            return {k: v[-1] for k, v in query.items()}

        def do_OPTIONS(self) -> None:  # noqa: N802
            self.answer(b"")

        def do_GET(self) -> None:  # noqa: N802
            self.route()

        def do_POST(self) -> None:  # noqa: N802
            self.route()

        def route(self) -> None:
            path = urlparse(self.path).path
            p = self.params()
            if path.endswith("/api/v1/query_range"):
                self.answer(churn_answer(series, float(p["start"]), float(p["end"]), float(p["step"])))
            elif path.endswith("/api/v1/query"):
                self.answer(json.dumps({"status": "success", "data": {"resultType": "vector", "result": []}}).encode())
            elif path.endswith("/api/v1/status/buildinfo"):
                self.answer(json.dumps({"status": "success", "data": {"version": "2.42.0"}}).encode())
            else:
                self.answer(json.dumps({"status": "success", "data": []}).encode())

    return Handler


def serve(port: int, series: int) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", port), handler(series))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def once(argv: list[str]) -> tuple[float, int, int]:
    """Wall ms, peak memory (bytes) and CSV bytes of one run."""
    with tempfile.TemporaryFile() as out, tempfile.NamedTemporaryFile("r") as peak:
        began = time.perf_counter()
        child = subprocess.run([TIME, "-f", "%M", "-o", peak.name, *argv], stdout=out, stderr=subprocess.PIPE, check=False)
        elapsed = time.perf_counter() - began
        if child.returncode != 0:
            raise SystemExit(f"bench_churn: {' '.join(argv)} failed: {child.stderr.decode()[-500:]}")
        return elapsed * 1000, int(peak.read().split()[-1]) * 1024, out.tell()


def run(runs: int, binary: str, out: str, series: int) -> None:
    server = serve(0, series)
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    argv = [binary, "--prometheus", url, "query", "kube_pod_info", "--from", f"now-{DAYS}d", "--step", "1m", "--format", "csv-wide"]
    answer_bytes = len(churn_answer(series, 0, DAYS * 86400, STEP_S))
    times, peaks, csv_bytes = [], [], 0
    for i in range(runs):
        ms, peak, csv_bytes = once(argv)
        times.append(ms)
        peaks.append(peak)
        print(f"promnote churn: run {i + 1}: {ms:.0f} ms, peak {peak / 1e6:.1f} MB, CSV {csv_bytes / 1e6:.1f} MB", flush=True)
    server.shutdown()
    result = {
        "scale": "churn",
        "series": series,
        "command": " ".join(argv[1:]),
        "ms": statistics.median(times),
        "peak_bytes": max(peaks),
        "answer_bytes": answer_bytes,
        "csv_bytes": csv_bytes,
    }
    with open(out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)


def main() -> None:
    if sys.argv[1] == "serve":
        series = int(sys.argv[3]) if len(sys.argv) > 3 else 5000
        serve(int(sys.argv[2]), series)
        print(f"bench_churn: serving {series} series on 127.0.0.1:{sys.argv[2]}", flush=True)
        threading.Event().wait()
    else:
        series = int(sys.argv[5]) if len(sys.argv) > 5 else 5000
        run(int(sys.argv[2]), sys.argv[3], sys.argv[4], series)


if __name__ == "__main__":
    main()
