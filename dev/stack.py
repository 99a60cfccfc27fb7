#!/usr/bin/env python3
"""Start the real demo stack on loopback: three Prometheus servers and a Grafana.

Each Prometheus (Debian's `prometheus`) gets 35 days of minute samples and 430 days of
`jupyterhub_active_users` (quarter hours before the last 35 days) from
`demo_data.py`, backfilled with `promtool tsdb create-blocks-from openmetrics`.
The TSDB blocks are cached per day under target/demo-stack/cache, and every
start works on a fresh copy. In front of them runs `grafana_compat.py`, which
serves the built site too, and offers real community dashboards (`/api/search`). With
`--node` (and Debian's `prometheus-node-exporter`), a real node_exporter runs too, with a
fourth Prometheus that scrapes it every 15 s (datasource `this-machine`, job `node`). With
`--vm` (Debian's `victoria-metrics`), a second implementation of the Prometheus API runs
beside them: VictoriaMetrics, holding the first cluster's history (the generated samples
its Prometheus was backfilled with, sent to VictoriaMetrics' import API) and scraping the node_exporter itself; a second
Grafana, behind a reverse proxy that allows the site's origin (CORS), lists it as the
datasource `victoria` beside `this-machine`. The
stack stays up until interrupted; it writes
target/demo-stack/<name>/state.json so tests can find ports, the token and the
processes (to stop one Prometheus on purpose).

Usage: stack.py up [--site dist] [--port 3000] [--prom-port 19091] [--name demo]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import queue
import secrets
import shutil
import signal
import subprocess
import sys
import socket
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import bench_data  # noqa: E402
import demo_data  # noqa: E402

STACK_DIR = os.path.join(ROOT, "target", "demo-stack")


def die_with_parent() -> None:
    """Runs in each child before exec: Linux sends it SIGTERM when the stack dies, even by
    SIGKILL (as test runners stop servers), so no Prometheus outlives its stack."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def log(message: str) -> None:
    print(f"stack: {message}", flush=True)


def require(binary: str) -> str:
    path = shutil.which(binary)
    if path is None:
        sys.exit(f"stack: `{binary}` is not installed. Run `dev/setup` (as root it installs Debian's prometheus).")
    return path


def world(scale: str) -> tuple:
    """The clusters of a scale: the demo's three (small), or the benchmark's (wide, dense)."""
    return demo_data.CLUSTERS if scale == "small" else bench_data.clusters(scale)


def cached_blocks(now: int, days: int, scale: str = "small") -> tuple[str, dict]:
    """TSDB block folders for today's data, made once per day, scale and generator version."""
    generator = os.path.join(HERE, "demo_data.py" if scale == "small" else "bench_data.py")
    with open(generator, "rb") as f:
        version = hashlib.sha256(f.read()).hexdigest()[:12]
    today = now - now % demo_data.DAY
    # The layout of a cache folder (2: the first cluster's OpenMetrics file is kept).
    key = f"{time.strftime('%Y-%m-%d', time.gmtime(today))}-{days}d-{version}-l2" + ("" if scale == "small" else f"-{scale}")
    cache_root = os.path.join(STACK_DIR, "cache")
    cache = os.path.join(cache_root, key)
    done = os.path.join(cache, "done.json")
    if os.path.exists(done):
        with open(done, encoding="utf-8") as f:
            return cache, json.load(f)
    # Other stacks (tests, bench) may be copying an older day's blocks: leave recent ones.
    for old in os.listdir(cache_root) if os.path.isdir(cache_root) else []:
        path = os.path.join(cache_root, old)
        if old != key and time.time() - os.path.getmtime(path) > 2 * demo_data.DAY:
            shutil.rmtree(path, ignore_errors=True)
    # Built in a private folder and renamed into place, so a half-built cache is never used.
    building = f"{cache}.building-{os.getpid()}"
    shutil.rmtree(building, ignore_errors=True)
    source = os.path.join(building, "openmetrics")
    log(f"generating {days} days of history (once a day) ...")
    # Anchor the data at the end of today, so it stays valid all day.
    anchor = today + demo_data.DAY - 60
    scale_args = [] if scale == "small" else ["--scale", scale]
    subprocess.run(
        [sys.executable, generator, "generate", source, "--now", str(anchor), "--days", str(days), *scale_args],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    promtool = require("promtool")
    clusters = world(scale)
    log(f"backfilling {len(clusters)} Prometheus TSDB(s) with promtool ...")

    def backfill(cluster) -> subprocess.Popen:
        return subprocess.Popen(
            [
                promtool,
                "tsdb",
                "create-blocks-from",
                "openmetrics",
                "--max-block-duration=744h",
                os.path.join(source, f"{cluster.uid}.om"),
                os.path.join(building, cluster.uid),
            ],
            stdout=subprocess.DEVNULL,
            preexec_fn=die_with_parent,
        )

    # A few at a time: each promtool mostly keeps one core busy.
    failed, running = [], []
    for cluster in clusters:
        running.append((cluster, backfill(cluster)))
        if len(running) >= max(3, os.cpu_count() or 1):
            done, child = running.pop(0)
            if child.wait() != 0:
                failed.append(done.name)
    failed += [cluster.name for cluster, child in running if child.wait() != 0]
    if failed:
        raise SystemExit(f"stack: promtool failed to backfill {', '.join(failed)}")
    # The first cluster's samples stay: VictoriaMetrics imports them (vm_import).
    for cluster in clusters[1:]:
        os.remove(os.path.join(source, f"{cluster.uid}.om"))
    with open(os.path.join(source, "expected.json"), encoding="utf-8") as f:
        expected = json.load(f)
    with open(os.path.join(building, "done.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f)
    try:
        os.rename(building, cache)
    except OSError:
        shutil.rmtree(building, ignore_errors=True)  # another stack finished first
    return cache, expected


def vm_import(om_path: str, vm_url: str, until: int) -> int:
    """Imports a cluster's generated history (its OpenMetrics file, the same samples its
    Prometheus was backfilled with) into a VictoriaMetrics through its own
    `/api/v1/import/prometheus`, in requests of a few MB; returns the samples sent.

    `vmctl prometheus` (1.79) read the TSDB blocks nondeterministically: the same blocks
    gave 6.30 to 6.36 million samples from one run to the next, whole series missing for
    weeks, sometimes four imports in a row. The text importer has no such step. Samples
    after `until` are left out (VictoriaMetrics refuses samples more than two days ahead,
    and a refused row costs the rest of its request). OpenMetrics times are seconds; the
    Prometheus text format's are milliseconds."""
    sent, batch, size = 0, [], 0

    def post(lines: list[str]) -> None:
        body = "".join(lines).encode()
        request = urllib.request.Request(f"{vm_url}/api/v1/import/prometheus", data=body, method="POST")
        with urllib.request.urlopen(request, timeout=120) as response:
            if response.status // 100 != 2:
                raise SystemExit(f"stack: VictoriaMetrics refused an import ({response.status})")

    with open(om_path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#"):
                continue
            series, value, at = line.rstrip("\n").rsplit(" ", 2)
            if int(at) > until:
                continue
            batch.append(f"{series} {value} {at}000\n")
            size += len(line)
            sent += 1
            if size > 8 << 20:
                post(batch)
                batch, size = [], 0
    if batch:
        post(batch)
    # Imported samples are searchable once flushed from VictoriaMetrics' in-memory buffers.
    with urllib.request.urlopen(f"{vm_url}/internal/force_flush", timeout=30):
        pass
    return sent


def query_value(url: str, query: str, at: int) -> float | None:
    """An instant query's single value, or None (no series, or no answer)."""
    target = f"{url}/api/v1/query?{urllib.parse.urlencode({'query': query, 'time': at})}"
    try:
        with urllib.request.urlopen(target, timeout=10) as response:
            result = json.load(response)["data"]["result"]
    except (OSError, ValueError, KeyError):
        return None
    return float(result[0]["value"][1]) if result else None


def day_differences(vm_url: str, prom_url: str, until: int, days: int) -> list[str]:
    """Metric and day where a VictoriaMetrics and the Prometheus serving the same blocks
    count different samples, one day at a time back from `until` (a day's query is what
    finds a series through VictoriaMetrics' per-day index)."""
    with urllib.request.urlopen(f"{prom_url}/api/v1/label/__name__/values", timeout=10) as response:
        names = json.load(response)["data"]
    differ = []
    for name in names:
        query = f'sum(count_over_time({{__name__="{name}", job!="node"}}[1d]))'
        for day in range(days):
            at = until - day * 86_400
            if query_value(prom_url, query, at) != query_value(vm_url, query, at):
                differ.append(f"{name} on {time.strftime('%Y-%m-%d', time.gmtime(at))}")
                break
    return differ


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def wait_http(url: str, seconds: float, child: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + seconds
    while True:
        if child is not None and child.poll() is not None:
            raise SystemExit(f"stack: the process behind {url} exited with {child.returncode}; see its log")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"stack: {url} did not answer within {seconds:.0f} s")
        time.sleep(0.2)


# The dashboards the stack's Grafana offers (`/api/search`): real community dashboards,
# kept as test fixtures (their sources and licences: crates/promnote-core/tests/dashboards).
FIXTURES = os.path.join(ROOT, "crates", "promnote-core", "tests", "dashboards")
DASHBOARDS = [
    {"uid": "jupyterhub-activity", "folder": "JupyterHub", "path": os.path.join(FIXTURES, "jupyterhub-activity.json")},
    {"uid": "jupyterhub-usage", "folder": "JupyterHub", "path": os.path.join(FIXTURES, "jupyterhub-usage-report.json")},
    {"uid": "jupyterhub-cluster", "folder": "JupyterHub", "path": os.path.join(FIXTURES, "jupyterhub-cluster.json")},
    {"uid": "jupyterhub-jupyterhub", "folder": "JupyterHub", "path": os.path.join(FIXTURES, "jupyterhub-jupyterhub.json")},
    {"uid": "ingress-nginx", "folder": "Ingress", "path": os.path.join(FIXTURES, "ingress-nginx-nginx.json")},
    {"uid": "haproxy-ingress", "folder": "Ingress", "path": os.path.join(FIXTURES, "haproxy-ingress.json")},
    {"uid": "node-exporter-full", "folder": "Node", "path": os.path.join(FIXTURES, "node-exporter-full.json")},
    {"uid": "k8s-views-global", "folder": None, "path": os.path.join(FIXTURES, "dotdc-k8s-views-global.json")},
]


def demo_annotations(now: int) -> list[dict]:
    """Grafana's own annotations the stack's Grafana answers (`/api/annotations`), at times
    relative to today (UTC, ms): a deploy (a moment), a maintenance window (a region), and
    a note on a dashboard the token may not read when `--deny-dashboard` names it."""
    today = (now - now % demo_data.DAY) * 1000
    hour, day = 3_600_000, 86_400_000
    def note(i: int, start: int, end: int, text: str, tags: list[str], dashboard: str = "") -> dict:
        return {"id": i, "dashboardUID": dashboard, "panelId": 0, "time": start, "timeEnd": end, "text": text, "tags": tags}
    return [
        note(1, today - 3 * day + 10 * hour, today - 3 * day + 10 * hour, "Deployed hub <b>v2</b>", ["deploy"]),
        note(2, today - 6 * day, today - 5 * day + 12 * hour, "Maintenance window", ["maintenance"]),
        note(3, today - 2 * day + 8 * hour, today - 2 * day + 8 * hour, "Deployed on a private board", ["deploy"], "node-exporter-full"),
    ]


def up(args: argparse.Namespace) -> None:
    prometheus = require("prometheus")
    now = int(time.time())
    blocks, expected = cached_blocks(now, args.days, args.scale)
    clusters = world(args.scale)
    run_dir = os.path.join(STACK_DIR, args.name)
    shutil.rmtree(run_dir, ignore_errors=True)
    os.makedirs(run_dir)
    empty_config = os.path.join(run_dir, "prometheus.yml")
    with open(empty_config, "w", encoding="utf-8") as f:
        f.write("# no scrape targets: the data is backfilled\n")

    children: list[subprocess.Popen] = []

    def stop(*_: object) -> None:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    # --node: a real node_exporter (Debian's) and a Prometheus of its own that scrapes it
    # (live data only: a backfilled head takes no sample older than its blocks' end).
    # --vm scrapes the same node_exporter, so it starts one too (listed in the second
    # Grafana only: the first keeps the datasources the tests count).
    want_node = args.node or args.vm
    node_exporter = shutil.which("prometheus-node-exporter") if want_node else None
    if want_node and not node_exporter:
        log("prometheus-node-exporter is not installed (dev/setup installs it as root): no node metrics")
    victoria = require("victoria-metrics") if args.vm else None
    node_port = args.port + 51
    vm_port = args.port + 52
    vm_grafana_port = args.port + 53
    node_prom_port = args.prom_port + len(clusters)
    ports = [args.prom_port + i for i in range(len(clusters))] + [args.port, args.port + 50]
    if node_exporter:
        ports += [node_port, node_prom_port]
    if victoria:
        ports += [vm_port, vm_grafana_port]
    busy = [p for p in ports if not port_free(p)]
    if busy:
        raise SystemExit(f"stack: port(s) {busy} are in use; stop what runs there or choose other ports")

    datasources = []
    proms = []
    prom_children: dict[str, subprocess.Popen] = {}
    for i, cluster in enumerate(clusters):
        port = args.prom_port + i
        data = os.path.join(run_dir, cluster.uid)
        shutil.copytree(os.path.join(blocks, cluster.uid), data)
        argv = [
            prometheus,
            f"--config.file={empty_config}",
            f"--storage.tsdb.path={data}",
            "--storage.tsdb.retention.time=500d",
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        ]
        logfile = open(os.path.join(run_dir, f"{cluster.uid}.log"), "ab")  # noqa: SIM115
        children.append(subprocess.Popen(argv, stdout=logfile, stderr=logfile, preexec_fn=die_with_parent))
        prom_children[cluster.uid] = children[-1]
        proms.append({"uid": cluster.uid, "name": cluster.name, "port": port, "argv": argv})
        datasources.append({"uid": cluster.uid, "name": cluster.name, "type": "prometheus", "url": f"http://127.0.0.1:{port}"})
    if node_exporter:
        argv = [node_exporter, f"--web.listen-address=127.0.0.1:{node_port}", "--no-collector.textfile", "--no-collector.systemd", "--log.level=warn"]
        logfile = open(os.path.join(run_dir, "node-exporter.log"), "ab")  # noqa: SIM115
        children.append(subprocess.Popen(argv, stdout=logfile, stderr=logfile, preexec_fn=die_with_parent))
        node_config = os.path.join(run_dir, "prometheus-node.yml")
        with open(node_config, "w", encoding="utf-8") as f:
            f.write(
                "global:\n  scrape_interval: 15s\n"
                "scrape_configs:\n"
                f"  - job_name: node\n    static_configs:\n      - targets: ['127.0.0.1:{node_port}']\n"
            )
        argv = [
            prometheus,
            f"--config.file={node_config}",
            f"--storage.tsdb.path={os.path.join(run_dir, 'prom-node')}",
            f"--web.listen-address=127.0.0.1:{node_prom_port}",
            "--log.level=warn",
        ]
        logfile = open(os.path.join(run_dir, "prom-node.log"), "ab")  # noqa: SIM115
        children.append(subprocess.Popen(argv, stdout=logfile, stderr=logfile, preexec_fn=die_with_parent))
        prom_children["prom-node"] = children[-1]
        proms.append({"uid": "prom-node", "name": "this-machine", "port": node_prom_port, "argv": argv})
        node_datasource = {"uid": "prom-node", "name": "this-machine", "type": "prometheus", "url": f"http://127.0.0.1:{node_prom_port}"}
        if args.node:
            datasources.append(node_datasource)
    vm_datasources = []
    if victoria:
        vm_config = os.path.join(run_dir, "vm-scrape.yml")
        with open(vm_config, "w", encoding="utf-8") as f:
            f.write("global:\n  scrape_interval: 15s\nscrape_configs:\n")
            if node_exporter:
                f.write(f"  - job_name: node\n    static_configs:\n      - targets: ['127.0.0.1:{node_port}']\n")
        argv = [
            victoria,
            f"-storageDataPath={os.path.join(run_dir, 'vm')}",
            f"-httpListenAddr=127.0.0.1:{vm_port}",
            "-retentionPeriod=100y",
            # Identical samples imported twice are one (a repeated import is harmless);
            # no result cache, so every answer is computed from what is stored now.
            "-dedup.minScrapeInterval=1ms",
            "-search.disableCache",
            f"-promscrape.config={vm_config}",
            "-loggerLevel=ERROR",
        ]
        logfile = open(os.path.join(run_dir, "vm.log"), "ab")  # noqa: SIM115
        children.append(subprocess.Popen(argv, stdout=logfile, stderr=logfile, preexec_fn=die_with_parent))
        prom_children["victoria"] = children[-1]
        proms.append({"uid": "victoria", "name": "victoria", "port": vm_port, "argv": argv, "ready": "/health"})
        vm_datasources.append({"uid": "victoria", "name": "victoria", "type": "prometheus", "url": f"http://127.0.0.1:{vm_port}"})
        if node_exporter:
            vm_datasources.append(node_datasource)
    # Grafana knows more than Prometheus: the report must skip these.
    datasources.append({"uid": "logs", "name": "Logs", "type": "loki", "url": "http://127.0.0.1:9"})
    datasources[0]["isDefault"] = True

    for prom in proms:
        wait_http(f"http://127.0.0.1:{prom['port']}{prom.get('ready', '/-/ready')}", 180, prom_children[prom["uid"]])
    if victoria:
        vm_url = f"http://127.0.0.1:{vm_port}"
        first = clusters[0]
        first_url = f"http://127.0.0.1:{args.prom_port}"
        # Ready only once VictoriaMetrics finds, day by day, every sample Prometheus serves
        # from the same history: the two implementations must hold the same data.
        log(f"importing {first.name}'s history into VictoriaMetrics ...")
        sent = vm_import(os.path.join(blocks, "openmetrics", f"{first.uid}.om"), vm_url, int(time.time()) + 86_400)
        # Its last 30 s are never answered (-search.latencyOffset): compare older days,
        # for a while (flushed samples take a moment to be searchable).
        deadline = time.monotonic() + 30
        while (differ := day_differences(vm_url, first_url, int(time.time()) - 600, args.days)) and time.monotonic() < deadline:
            time.sleep(1)
        if differ:
            raise SystemExit(f"stack: VictoriaMetrics does not answer all of {first.name}'s history after importing {sent} samples ({', '.join(differ[:4])}); see vm.log")

    def control(action: str, uid: str) -> str:
        """Stops or starts one Prometheus (for fault tests); the stack keeps owning it."""
        prom = next((p for p in proms if p["uid"] == uid), None)
        if prom is None:
            return f"no prometheus {uid}"
        child = prom_children[uid]
        if action == "stop" and child.poll() is None:
            child.kill()
            child.wait()
        elif action == "start" and child.poll() is not None:
            logfile = open(os.path.join(run_dir, f"{uid}.log"), "ab")  # noqa: SIM115
            child = subprocess.Popen(prom["argv"], stdout=logfile, stderr=logfile, preexec_fn=die_with_parent)
            children.append(child)
            prom_children[uid] = child
            try:
                wait_http(f"http://127.0.0.1:{prom['port']}{prom.get('ready', '/-/ready')}", 60, child)
            except SystemExit as e:
                # The stack goes on: only the test that restarted this Prometheus fails.
                return str(e)
        return "ok"

    # Children must be forked by the main thread: PR_SET_PDEATHSIG fires when the forking
    # *thread* exits, and the control server answers on short-lived threads.
    requests: queue.Queue = queue.Queue()

    def control_from_thread(action: str, uid: str) -> str:
        done: queue.Queue = queue.Queue()
        requests.put((action, uid, done))
        return done.get(timeout=90)

    control_port = start_control_server(args.port + 50, control_from_thread)

    token = args.token or "glsa_demo_" + secrets.token_hex(16)
    config = {
        "tokens": [token],
        "expired_tokens": ["glsa_expired_token"],
        "revoked_tokens": ["glsa_revoked_token"],
        "disabled_tokens": ["glsa_disabled_token"],
        "datasources": datasources,
        "dashboards": DASHBOARDS,
        "annotations": demo_annotations(now),
    }
    config_path = os.path.join(run_dir, "grafana.json")
    with open(config_path, "w", encoding="utf-8") as f:
        json.dump(config, f, indent=1)
    grafana_log = open(os.path.join(run_dir, "grafana.log"), "ab")  # noqa: SIM115

    def start_grafana(config: str, port: int, flags: list[str]) -> subprocess.Popen:
        argv = [sys.executable, os.path.join(HERE, "grafana_compat.py"), "--config", config, "--port", str(port), *flags]
        child = subprocess.Popen(
            argv,
            stdout=grafana_log,
            stderr=grafana_log,
            env={**os.environ, "GRAFANA_COMPAT_QUIET": "1"},
            preexec_fn=die_with_parent,
        )
        children.append(child)
        return child

    grafana_child = start_grafana(config_path, args.port, ["--site", args.site] if args.site else [])
    wait_http(f"http://127.0.0.1:{args.port}/api/health", 30)
    vm_state = None
    if victoria:
        # A second Grafana (another organisation's, say) whose datasources are the other
        # implementations, behind a reverse proxy that allows the site's origin.
        vm_grafana_config = os.path.join(run_dir, "grafana-vm.json")
        with open(vm_grafana_config, "w", encoding="utf-8") as f:
            json.dump({"tokens": [token], "datasources": vm_datasources}, f, indent=1)
        start_grafana(vm_grafana_config, vm_grafana_port, ["--cors-origin", f"http://127.0.0.1:{args.port}"])
        wait_http(f"http://127.0.0.1:{vm_grafana_port}/api/health", 30)
        vm_state = {
            "port": vm_port,
            "url": f"http://127.0.0.1:{vm_port}",
            "uid": "victoria",
            "history_of": clusters[0].name,
            "grafana_url": f"http://127.0.0.1:{vm_grafana_port}",
        }

    state = {
        "grafana_url": f"http://127.0.0.1:{args.port}",
        "grafana_port": args.port,
        "grafana_config": config_path,
        "token": token,
        "prometheus": proms,
        "control_url": f"http://127.0.0.1:{control_port}",
        "expected": expected,
        "site": args.site,
        "node_exporter": {"port": node_port, "job": "node", "datasource": "prom-node"} if node_exporter else None,
        "victoria_metrics": vm_state,
    }
    # Written whole and renamed into place: a reader never sees half a file.
    state_path = os.path.join(run_dir, "state.json")
    with open(state_path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(state, f, indent=1)
    os.replace(state_path + ".tmp", state_path)
    log(f"ready: {state['grafana_url']}/  (state in {os.path.relpath(run_dir, ROOT)}/state.json)")
    if args.print_token:
        log(f"demo token: {token}")
    grafana = grafana_child
    while True:
        if grafana.poll() is not None:
            log("grafana-compat exited; stopping")
            stop()
        try:
            action, uid, done = requests.get(timeout=0.5)
        except queue.Empty:
            continue
        done.put(control(action, uid))


def start_control_server(port: int, control) -> int:
    """`POST /prometheus/<uid>/stop|start` on loopback, for the end-to-end fault tests."""

    class Control(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            parts = self.path.strip("/").split("/")
            if len(parts) == 3 and parts[0] == "prometheus" and parts[2] in ("stop", "start"):
                body = control(parts[2], parts[1]).encode()
                self.send_response(200 if body == b"ok" else 404)
            else:
                body = b"usage: POST /prometheus/<uid>/stop|start"
                self.send_response(404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, fmt: str, *args: object) -> None:  # noqa: D102
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Control)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_port


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("up", help="start the stack and keep it running")
    p.add_argument("--site", help="serve this built site on the Grafana port")
    p.add_argument("--port", type=int, default=3000)
    p.add_argument("--prom-port", type=int, default=19091)
    p.add_argument("--days", type=int, default=35)
    p.add_argument("--name", default="demo")
    p.add_argument(
        "--scale",
        default="small",
        choices=("small", "wide", "dense"),
        help="small: the demo's 3 clusters; wide: 50 x 200 hubs; dense: 1 x 600 hourly series (benchmarks)",
    )
    p.add_argument("--node", action="store_true", help="also run node_exporter and a Prometheus that scrapes it (datasource this-machine)")
    p.add_argument("--vm", action="store_true", help="also run VictoriaMetrics (the first cluster's history, and node_exporter) behind a second Grafana")
    p.add_argument("--token", default=None)
    p.add_argument("--print-token", action="store_true")
    args = parser.parse_args()
    up(args)


if __name__ == "__main__":
    main()
