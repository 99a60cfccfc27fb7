#!/usr/bin/env python3
"""A small server that answers like Grafana's HTTP API, in front of real Prometheus.

Grafana cannot be installed on the machines this project is built on, so the demo
and the end-to-end tests talk to this instead. It implements only what promnote
uses, and does it the way Grafana does: the same paths, bearer-token auth, the
same status codes and JSON error bodies, a datasource proxy that forwards to the
real Prometheus servers (502 / 504 with an empty body when they are down or slow),
and *no* CORS headers unless `--cors-origin` makes it act as a reverse proxy that
adds them. It can also serve the built site (`--site dist`), optionally under a
sub-path (`--sub-path /grafana`) like a Grafana behind a reverse proxy.

It is a development tool: it is never shipped to users. Every behaviour it imitates is
listed, with the Grafana source file it comes from and the versions that differ, in
docs/grafana-contract.md: check there first when a Grafana release changes something.

Configuration is a JSON file (see `stack.py`, which writes it):
    {"tokens": ["..."], "datasources": [{"uid", "name", "type", "url", ...}],
     "dashboards": [{"uid", "folder", "path"}]}

Dashboards (`/api/search`, `/api/dashboards/uid/<uid>`) are served from JSON files as
Grafana stores them (the dashboard model; its `uid` is replaced by the configured one):
the search lists them with their folders (`folderTitle`, `folderUid`), filtered by
`query` (a case-insensitive part of the title) as Grafana's search does; an unknown uid
is 404 `{"message": "Dashboard not found"}` (pkg/api/dashboard.go), and one the token
may not read (`--deny-dashboard`) is the RBAC 403 of pkg/middleware (title "Access
denied", "Permissions needed: dashboards:read"), and is left out of the search.
"""

from __future__ import annotations

import argparse
import http.client
import json
import mimetypes
import os
import posixpath
import secrets
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

GRAFANA_VERSION = "11.3.0"

# Hop-by-hop headers are never forwarded (RFC 9110 section 7.6.1).
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
}


# Grafana's Prometheus plugin routes (plugin.json) that allow a POST; the data proxy
# matches them by prefix. Other POSTs, and every PUT and DELETE, to a Prometheus
# datasource are refused with 403 before anything is forwarded; any GET is forwarded.
PROMETHEUS_POST_ROUTES = ("api/v1/query", "api/v1/query_range", "api/v1/series", "api/v1/labels", "api/v1/query_exemplars")


# The datasource types whose proxy has the allow-list: Prometheus alone up to Grafana 12
# ("classic" wording); Prometheus, Loki and the Amazon and Azure managed Prometheus
# plugins since (the "typed" wording names the plugin type, in lower case).
ALLOW_LIST_TYPES = {
    "classic": ("prometheus",),
    "typed": ("prometheus", "loki", "grafana-amazonprometheus-datasource", "grafana-azureprometheus-datasource"),
}


def prometheus_refusal(
    method: str,
    proxy_path: str,
    post_routes: tuple[str, ...] = PROMETHEUS_POST_ROUTES,
    kind: str = "prometheus",
    wording: str = "classic",
) -> str | None:
    """Grafana's error message for a proxied request it does not forward (ds_proxy.go,
    validateRequest): a POST outside the plugin's routes, any PUT or DELETE."""
    if kind not in ALLOW_LIST_TYPES[wording]:
        return None
    refused = (method == "POST" and not (post_routes and proxy_path.startswith(post_routes))) or method in ("PUT", "DELETE")
    if not refused:
        return None
    if wording == "typed":
        return f"non allow-listed {method}s not allowed on proxied {kind} datasource"
    return f"non allow-listed {method}s not allowed on proxied Prometheus datasource"


def valid_short_uid(uid: str) -> bool:
    """Grafana's util.IsValidShortUID: letters, digits, `-` and `_` only."""
    return all(c.isascii() and (c.isalnum() or c in "-_") for c in uid)


def access_denied(action: str) -> dict:
    """The RBAC middleware's 403 body (pkg/services/accesscontrol/middleware.go)."""
    digits = "".join(secrets.choice("0123456789") for _ in range(10))
    return {
        "accessErrorId": f"ACE{digits}",
        "message": f"You'll need additional permissions to perform this action. Permissions needed: {action}",
        "title": "Access denied",
    }


def data_frames(ref: str, answer: dict) -> list[dict]:
    """A Prometheus matrix or vector as Grafana data frames."""
    data = answer.get("data", {})
    series = data.get("result", [])
    if data.get("resultType") in ("scalar", "string"):
        series = [{"metric": {}, "value": series}]
    # Prometheus' warnings and infos ride on every frame as notices (pkg/promlib/converter).
    notices = [{"severity": "warning", "text": w} for w in answer.get("warnings", [])]
    notices += [{"severity": "info", "text": i} for i in answer.get("infos", [])]
    frames = []
    for s in series:
        points = s.get("values") or ([s["value"]] if "value" in s else [])
        times = [round(float(t) * 1000) for t, _ in points]
        values, entities = [], {}
        for i, (_, v) in enumerate(points):
            number = float(v)
            if number != number:
                entities.setdefault("NaN", []).append(i)
                values.append(None)
            elif number in (float("inf"), float("-inf")):
                entities.setdefault("Inf" if number > 0 else "NegInf", []).append(i)
                values.append(None)
            else:
                values.append(number)
        # Grafana keeps every label, `__name__` too (pkg/promlib/converter/prom.go).
        labels = dict(s.get("metric", {}))
        value_field = {"name": "Value", "type": "number", "typeInfo": {"frame": "float64", "nullable": True}, "labels": labels}
        data_part = {"values": [times, values]}
        if entities:
            data_part["entities"] = [None, entities]
        meta = {"type": "timeseries-multi", "typeVersion": [0, 1]}
        if notices:
            meta["notices"] = notices
        frames.append({
            "schema": {
                "refId": ref,
                "meta": meta,
                "fields": [{"name": "Time", "type": "time", "typeInfo": {"frame": "time.Time"}}, value_field],
            },
            "data": data_part,
        })
    return frames


class Config:
    """Server settings; the datasource list and the runtime switches tests flip."""

    def __init__(self, path: str, args: argparse.Namespace) -> None:
        with open(path, encoding="utf-8") as f:
            raw = json.load(f)
        self.path = path
        self.mtime = os.stat(path).st_mtime_ns
        self.load_tokens(raw)
        self.datasources: list[dict] = [full_datasource(i + 1, ds) for i, ds in enumerate(raw["datasources"])]
        # --ds-type UID=TYPE: show a datasource as another type, e.g. the Amazon Managed
        # Prometheus plugin, which Grafana's proxy cannot serve (queried via /api/ds/query).
        for spec in args.ds_type or []:
            uid, _, kind = spec.partition("=")
            for ds in self.datasources:
                if ds["uid"] == uid:
                    ds["type"] = kind
                    ds["typeName"] = kind
        self.datasources.sort(key=lambda ds: ds["name"].lower())
        self.cors_origin: str | None = args.cors_origin
        self.datasources_forbidden: bool = args.datasources_forbidden
        self.denied_uids: set[str] = set(args.deny_uid or [])
        # 403 on the proxy only (/api/ds/query still answers), like a proxy that refuses.
        self.proxy_denied_uids: set[str] = set(args.deny_proxy_uid or [])
        # Datasources whose proxy forwards no POST at all (an allow-list without the query routes).
        self.no_post_uids: set[str] = set(args.no_post_uid or [])
        self.upstream_timeout: float = args.upstream_timeout
        # A Prometheus that is restarting: every distinct query (method, path, body) to these
        # uids fails with 502 this many times before it is forwarded. Counted per request, not
        # per uid, so that which request fails does not depend on which arrives first.
        self.flaky_uids: set[str] = set(args.flaky_uid or [])
        self.flaky_count: int = args.flaky_count
        self.flaky_seen: dict[tuple[str, str, str, bytes], int] = {}
        # uid -> seconds every proxy request waits before it is forwarded (a slow upstream).
        self.slow: dict[str, float] = {uid: args.slow_seconds for uid in (args.slow_uid or [])}
        base = os.path.dirname(os.path.abspath(path))
        self.dashboards: list[dict] = [
            {**d, "path": os.path.join(base, d["path"])} for d in raw.get("dashboards", [])
        ]
        self.denied_dashboards: set[str] = set(args.deny_dashboard or [])
        self.annotations: list[dict] = raw.get("annotations", [])
        self.post_refusal: str = args.post_refusal
        self.route_denied_uids: set[str] = set(args.route_denied_uid or [])
        self.site: str | None = os.path.realpath(args.site) if args.site else None
        self.sub_path: str = args.sub_path.rstrip("/")
        self.lock = threading.Lock()

    def load_tokens(self, raw: dict) -> None:
        self.tokens: set[str] = set(raw["tokens"])
        self.expired_tokens: set[str] = set(raw.get("expired_tokens", []))
        self.revoked_tokens: set[str] = set(raw.get("revoked_tokens", []))
        self.disabled_tokens: set[str] = set(raw.get("disabled_tokens", []))

    def refresh_tokens(self) -> None:
        """Grafana checks tokens against its database on every request, so revoking one
        takes effect at once: the token lists are read again when the file changes."""
        try:
            mtime = os.stat(self.path).st_mtime_ns
            if mtime == self.mtime:
                return
            with open(self.path, encoding="utf-8") as f:
                raw = json.load(f)
        except (OSError, ValueError):
            return  # a half-written file: keep the last good lists
        self.mtime = mtime
        self.load_tokens(raw)

    def by_uid(self, uid: str) -> dict | None:
        return next((ds for ds in self.datasources if ds["uid"] == uid), None)


def full_datasource(ds_id: int, ds: dict) -> dict:
    """The item shape of Grafana's GET /api/datasources."""
    type_name = {"prometheus": "Prometheus", "loki": "Loki"}.get(ds["type"], ds["type"])
    return {
        "id": ds_id,
        "uid": ds["uid"],
        "orgId": 1,
        "name": ds["name"],
        "type": ds["type"],
        "typeName": type_name,
        "typeLogoUrl": f"public/app/plugins/datasource/{ds['type']}/img/{ds['type']}_logo.svg",
        "access": "proxy",
        "url": ds["url"],
        "user": "",
        "database": "",
        "basicAuth": False,
        "isDefault": bool(ds.get("isDefault", False)),
        "jsonData": ds.get("jsonData", {"httpMethod": "POST"}),
        "readOnly": False,
    }


def frontend_settings(config: Config) -> dict:
    """The part of Grafana's GET /api/frontend/settings that lists datasources."""
    datasources = {}
    for ds in config.datasources:
        datasources[ds["name"]] = {
            "id": ds["id"],
            "uid": ds["uid"],
            "type": ds["type"],
            "name": ds["name"],
            "meta": {"id": ds["type"], "name": ds["typeName"], "type": "datasource"},
            "url": f"/api/datasources/proxy/uid/{ds['uid']}",
            "isDefault": ds["isDefault"],
            "access": "proxy",
            "jsonData": ds["jsonData"],
            "readOnly": False,
        }
    return {
        "datasources": datasources,
        "defaultDatasource": config.datasources[0]["name"] if config.datasources else "",
        "buildInfo": {"version": GRAFANA_VERSION, "commit": "promnote-dev", "env": "production"},
    }


class Handler(BaseHTTPRequestHandler):
    server_version = "Grafana"
    sys_version = ""

    def version_string(self) -> str:  # noqa: D102
        return "grafana-compat"
    protocol_version = "HTTP/1.1"
    # Go's servers (Grafana's) set TCP_NODELAY. Without it, a response written as headers
    # then body waits for the client's delayed ACK on a kept-alive connection: 40 ms on
    # every request after a connection's first.
    disable_nagle_algorithm = True
    config: Config  # set on the class before serving

    # -- plumbing ---------------------------------------------------------

    def log_message(self, fmt: str, *args: object) -> None:  # noqa: D102
        # Never log headers (they carry the token); the request line has no secret.
        if os.environ.get("GRAFANA_COMPAT_QUIET") != "1":
            sys.stderr.write(f"grafana-compat: {self.address_string()} {fmt % args}\n")

    def cors_headers(self) -> None:
        origin = self.config.cors_origin
        if not origin:
            return
        request_origin = self.headers.get("Origin")
        if origin == "*" or request_origin == origin:
            # No Allow-Credentials: promnote sends the token as a header, never cookies.
            self.send_header("Access-Control-Allow-Origin", request_origin or origin)
            self.send_header("Vary", "Origin")

    def send_bytes(self, status: int, body: bytes, content_type: str | None, extra: dict | None = None) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.cors_headers()
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_json(self, status: int, value: object) -> None:
        self.send_bytes(status, json.dumps(value).encode(), "application/json")

    def send_empty(self, status: int) -> None:
        self.send_bytes(status, b"", None)

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def route_path(self) -> tuple[str, str] | None:
        """(path below the sub-path, query string), or None when outside the sub-path."""
        parsed = urllib.parse.urlsplit(self.path)
        path = parsed.path
        sub = self.config.sub_path
        if sub:
            if path == sub:
                path = "/"
            elif path.startswith(sub + "/"):
                path = path[len(sub) :]
            else:
                return None
        return path, parsed.query

    # -- auth -------------------------------------------------------------

    def authenticate(self) -> bool:
        """Grafana's answers for a missing, unknown, expired or revoked token."""
        header = self.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if not header:
            self.send_json(
                401,
                {"message": "Unauthorized", "messageId": "auth.unauthorized", "statusCode": 401, "traceID": ""},
            )
            return False
        def refuse(message: str, message_id: str) -> bool:
            # errutil's public error (pkg/services/authn/clients/api_key.go, authnimpl).
            self.send_json(
                401, {"extra": None, "message": message, "messageId": message_id, "statusCode": 401, "traceID": ""}
            )
            return False

        if scheme.lower() != "bearer" or not token:
            return refuse("Invalid API key", "api-key.invalid")
        with self.config.lock:
            self.config.refresh_tokens()
            if token in self.config.tokens:
                return True
            if token in self.config.expired_tokens:
                return refuse("Expired API key", "api-key.expired")
            if token in self.config.revoked_tokens:
                return refuse("Revoked API key", "api-key.revoked")
            if token in self.config.disabled_tokens:
                # A disabled service account's token: Grafana 10+ says only this;
                # Grafana 9.4-9.5 said "Disabled service account" (service-account.disabled).
                return refuse("Unauthorized", "identity.disabled")
        return refuse("Invalid API key", "api-key.invalid")

    # -- verbs ------------------------------------------------------------

    def do_OPTIONS(self) -> None:  # noqa: N802
        if self.config.cors_origin:
            self.send_response(204)
            self.cors_headers()
            self.send_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
            self.send_header("Access-Control-Allow-Headers", "Authorization, Content-Type, Accept")
            self.send_header("Access-Control-Max-Age", "600")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        # Grafana has no CORS support: a preflight gets an answer with no CORS headers.
        self.send_json(404, {"message": "Not found"})

    def do_HEAD(self) -> None:  # noqa: N802
        self.do_GET()

    def do_GET(self) -> None:  # noqa: N802
        self.dispatch()

    def do_POST(self) -> None:  # noqa: N802
        self.dispatch()

    def do_PUT(self) -> None:  # noqa: N802
        self.dispatch()

    def do_DELETE(self) -> None:  # noqa: N802
        self.dispatch()

    def dispatch(self) -> None:
        # Read the body first, whatever the answer: on a kept-alive connection, unread
        # bytes would become the start of the next request.
        self.body = self.read_body() if self.command in ("POST", "PUT", "DELETE") else b""
        routed = self.route_path()
        if routed is None:
            self.send_json(404, {"message": "Not found"})
            return
        path, query = routed
        if path == "/api/health":
            self.send_json(200, {"commit": "promnote-dev", "database": "ok", "version": GRAFANA_VERSION})
            return
        if path.startswith("/api/"):
            if not self.authenticate():
                return
            self.api(path, query)
            return
        if self.config.site and self.command in ("GET", "HEAD"):
            self.static(path)
            return
        self.send_json(404, {"message": "Not found"})

    def api(self, path: str, query: str) -> None:
        if path == "/api/datasources" and self.command in ("GET", "HEAD"):
            if self.config.datasources_forbidden:
                self.send_json(403, access_denied("datasources:read"))
                return
            self.send_json(200, self.config.datasources)
            return
        if path == "/api/frontend/settings" and self.command in ("GET", "HEAD"):
            self.send_json(200, frontend_settings(self.config))
            return
        if path == "/api/ds/query" and self.command == "POST":
            self.ds_query()
            return
        if path == "/api/search" and self.command in ("GET", "HEAD"):
            self.search(query)
            return
        if path == "/api/annotations" and self.command in ("GET", "HEAD"):
            self.annotations(query)
            return
        dash_prefix = "/api/dashboards/uid/"
        if path.startswith(dash_prefix) and self.command in ("GET", "HEAD"):
            self.dashboard(urllib.parse.unquote(path[len(dash_prefix) :]))
            return
        prefix = "/api/datasources/proxy/uid/"
        if path.startswith(prefix):
            uid, _, rest = path[len(prefix) :].partition("/")
            self.proxy(urllib.parse.unquote(uid), rest, query)
            return
        self.send_json(404, {"message": "Not found"})

    # -- annotations ------------------------------------------------------

    def annotations(self, query: str) -> None:
        """`GET /api/annotations` as pkg/api/annotations.go answers it: those overlapping
        [from, to] (ms), with every tag asked (`matchAny=true`: any of them), newest first,
        at most `limit` (100 by default); a dashboard's annotations only when the token may
        read that dashboard. `type=alert` asks for alert annotations, which there are none of."""
        params = urllib.parse.parse_qs(query)
        try:
            start = int(params.get("from", ["0"])[0])
            end = int(params.get("to", [str(2**62)])[0])
            limit = int(params.get("limit", ["100"])[0])
        except ValueError:
            self.send_json(400, {"message": "bad request data"})
            return
        tags = params.get("tags", [])
        match_any = params.get("matchAny", ["false"])[0] == "true"
        found = []
        for a in self.config.annotations:
            if params.get("type", [""])[0] == "alert":
                break
            if a.get("dashboardUID") and a["dashboardUID"] in self.config.denied_dashboards:
                continue
            if a["time"] > end or max(a.get("timeEnd", a["time"]), a["time"]) < start:
                continue
            have = set(a.get("tags", []))
            if tags and not (have & set(tags) if match_any else set(tags) <= have):
                continue
            found.append(
                {
                    "id": a["id"],
                    "alertId": 0,
                    "dashboardId": 0,
                    "dashboardUID": a.get("dashboardUID", ""),
                    "panelId": a.get("panelId", 0),
                    "userId": 1,
                    "newState": "",
                    "prevState": "",
                    "created": a["time"],
                    "updated": a["time"],
                    "time": a["time"],
                    "timeEnd": a.get("timeEnd", a["time"]),
                    "text": a.get("text", ""),
                    "tags": a.get("tags", []),
                    "login": "admin",
                    "email": "admin@localhost",
                    "avatarUrl": "/avatar/46d229b033af06a191ff2267bca9ae56",
                    "data": {},
                }
            )
        found.sort(key=lambda a: a["time"], reverse=True)
        self.send_json(200, found[:limit])

    # -- dashboards -------------------------------------------------------

    def dashboard_model(self, entry: dict) -> dict:
        with open(entry["path"], encoding="utf-8") as f:
            model = json.load(f)
        model = model.get("dashboard", model) if isinstance(model, dict) else model
        model["uid"] = entry["uid"]
        return model

    def search(self, query: str) -> None:
        params = urllib.parse.parse_qs(query)
        kinds = params.get("type", ["dash-db"])
        needle = params.get("query", [""])[0].lower()
        hits = []
        if "dash-db" in kinds:
            for i, entry in enumerate(self.config.dashboards):
                if entry["uid"] in self.config.denied_dashboards:
                    continue
                title = self.dashboard_model(entry).get("title", entry["uid"])
                if needle and needle not in title.lower():
                    continue
                folder = entry.get("folder")
                folder_uid = folder.lower().replace(" ", "-") if folder else None
                slug = "-".join(title.lower().split())
                hit = {
                    "id": i + 1,
                    "uid": entry["uid"],
                    "title": title,
                    "uri": f"db/{slug}",
                    "url": f"/d/{entry['uid']}/{slug}",
                    "slug": "",
                    "type": "dash-db",
                    "tags": [],
                    "isStarred": False,
                    "sortMeta": 0,
                }
                if folder:
                    hit.update(
                        {"folderId": 100 + i, "folderUid": folder_uid, "folderTitle": folder, "folderUrl": f"/dashboards/f/{folder_uid}/"}
                    )
                hits.append(hit)
        hits.sort(key=lambda h: h["title"].lower())
        self.send_json(200, hits)

    def dashboard(self, uid: str) -> None:
        entry = next((d for d in self.config.dashboards if d["uid"] == uid), None)
        if entry is None:
            self.send_json(404, {"message": "Dashboard not found"})
            return
        if uid in self.config.denied_dashboards:
            self.send_json(
                403,
                {
                    "accessErrorId": "ACE0123456789",
                    "message": "You'll need additional permissions to perform this action. Permissions needed: dashboards:read",
                    "title": "Access denied",
                },
            )
            return
        model = self.dashboard_model(entry)
        folder = entry.get("folder")
        meta = {
            "type": "db",
            "canSave": False,
            "canEdit": False,
            "canAdmin": False,
            "canStar": True,
            "slug": "-".join(str(model.get("title", "")).lower().split()),
            "url": f"/d/{uid}/",
            "folderUid": folder.lower().replace(" ", "-") if folder else "",
            "folderTitle": folder or "General",
            "provisioned": True,
        }
        self.send_json(200, {"dashboard": model, "meta": meta})

    # -- datasource proxy -------------------------------------------------

    def proxy(self, uid: str, rest: str, query: str) -> None:
        if not valid_short_uid(uid):
            self.send_json(400, {"message": "UID is invalid"})
            return
        ds = self.config.by_uid(uid)
        if ds is None:
            self.send_json(404, {"message": "Unable to find datasource", "traceID": ""})
            return
        if uid in self.config.denied_uids:
            self.send_json(403, {"message": "Access denied to datasource"})
            return
        if uid in self.config.proxy_denied_uids:
            self.send_json(403, {"message": "Access denied to datasource proxy"})
            return
        # Metadata for completion and variables (GET or POST api/v1/labels, api/v1/series,
        # GET api/v1/label/<name>/values) is forwarded like queries; see PROMETHEUS_POST_ROUTES.
        routes = () if uid in self.config.no_post_uids else PROMETHEUS_POST_ROUTES
        refusal = prometheus_refusal(self.command, rest, routes, ds["type"], self.config.post_refusal)
        if refusal:
            self.send_json(403, {"message": refusal})
            return
        # A route the caller's role does not reach (its reqRole or reqAction): the POST
        # routes of --route-denied-uid; a GET matches no route and is forwarded.
        if uid in self.config.route_denied_uids and self.command == "POST" and rest.startswith(PROMETHEUS_POST_ROUTES):
            self.send_json(403, {"message": "plugin proxy route access denied"})
            return
        if uid in self.config.flaky_uids and rest in ("api/v1/query", "api/v1/query_range"):
            key = (self.command, rest, query, self.body)
            with self.config.lock:
                failed = self.config.flaky_seen.get(key, 0)
                self.config.flaky_seen[key] = failed + 1
            if failed < self.config.flaky_count:
                self.send_empty(502)
                return
        if uid in self.config.slow:
            time.sleep(self.config.slow[uid])
        body = self.body
        upstream = urllib.parse.urlsplit(ds["url"])
        target = posixpath.join(upstream.path or "/", rest)
        if query:
            target += "?" + query
        headers = {
            key: value
            for key, value in self.headers.items()
            # Grafana strips the caller's credentials and cookies before forwarding.
            if key.lower() not in HOP_BY_HOP and key.lower() not in ("authorization", "cookie", "origin")
        }
        if body:
            headers["Content-Length"] = str(len(body))
        conn_class = http.client.HTTPSConnection if upstream.scheme == "https" else http.client.HTTPConnection
        conn = conn_class(upstream.hostname, upstream.port, timeout=self.config.upstream_timeout)
        try:
            conn.request(self.command, target, body=body or None, headers=headers)
            response = conn.getresponse()
            payload = response.read()
        except (socket.timeout, TimeoutError):
            self.send_empty(504)
            return
        except OSError:
            self.send_empty(502)
            return
        finally:
            conn.close()
        if response.status == 401:
            # modifyResponse in ds_proxy.go: the datasource refused Grafana's credentials;
            # the caller gets a 400 with this text and none of the upstream's headers.
            self.send_bytes(400, b"Authentication to data source failed", "text/plain; charset=utf-8", {})
            return
        extra = {
            key: value
            for key, value in response.getheaders()
            if key.lower() in ("content-encoding", "vary")
        }
        # proxyutil: every proxied answer is sandboxed, and no cookie comes through.
        extra["Content-Security-Policy"] = "sandbox"
        self.send_bytes(response.status, payload, response.getheader("Content-Type"), extra)

    # -- /api/ds/query ----------------------------------------------------

    def ds_query(self) -> None:
        """Grafana's query API for Prometheus-type datasources: each query runs as a
        Prometheus range (or instant) query and comes back as data frames, the way
        Grafana's backend answers: the Time field in ms, one frame per series with its
        labels on the value field, NaN/±Inf as null plus `entities`. A failing query gives
        HTTP 400 with the reason in its result."""
        try:
            request = json.loads(self.body or b"{}")
            queries = request["queries"]
            start_ms, end_ms = int(request["from"]), int(request["to"])
        except (ValueError, KeyError, TypeError):
            self.send_json(400, {"message": "bad request data"})
            return
        # Every query's datasource is looked up first (pkg/services/query/query.go): one that
        # is missing fails the whole request, not just its query.
        for q in queries:
            uid = (q.get("datasource") or {}).get("uid", "")
            if not uid:
                self.send_json(
                    400,
                    {
                        "message": "Query does not contain a valid data source identifier",
                        "messageId": "query.invalidDatasourceId",
                        "statusCode": 400,
                        "traceID": "",
                    },
                )
                return
            if self.config.by_uid(uid) is None:
                self.send_json(404, {"message": "Data source not found", "traceID": ""})
                return
            if uid in self.config.denied_uids:
                self.send_json(403, {"message": "Access denied to data source", "traceID": ""})
                return
        results, status = {}, 200
        for q in queries:
            ref = q.get("refId", "A")
            ds = self.config.by_uid(q["datasource"]["uid"])
            step = max(1, int(q.get("intervalMs", 15000)) // 1000)
            if q.get("instant"):
                params = {"query": q.get("expr", ""), "time": f"{end_ms / 1000:.3f}"}
                api = "api/v1/query"
            else:
                # Grafana aligns both ends down to the step in the query's local clock
                # (AlignTimeRange in pkg/promlib/models/query.go): utcOffsetSec is seconds
                # east of UTC, so daily steps cut at local midnights.
                offset = int(q.get("utcOffsetSec", 0) or 0)
                start = (start_ms // 1000 + offset) // step * step - offset
                end = (end_ms // 1000 + offset) // step * step - offset
                params = {"query": q.get("expr", ""), "start": str(start), "end": str(end), "step": str(step)}
                api = "api/v1/query_range"
            answer, error = self.prometheus_post(ds, api, urllib.parse.urlencode(params).encode())
            if error:
                results[ref], status = {"error": error, "errorSource": "downstream", "status": 400}, 400
                continue
            results[ref] = {"status": 200, "frames": data_frames(ref, answer)}
        self.send_json(status, {"results": results})

    def prometheus_post(self, ds: dict, api: str, form: bytes) -> tuple[dict | None, str | None]:
        upstream = urllib.parse.urlsplit(ds["url"])
        conn = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=self.config.upstream_timeout)
        try:
            conn.request("POST", posixpath.join(upstream.path or "/", api), body=form,
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
            answer = json.loads(conn.getresponse().read() or b"{}")
        except (OSError, ValueError) as e:
            return None, f"Post \"{ds['url']}/{api}\": {e}"
        finally:
            conn.close()
        if answer.get("status") != "success":
            return None, f"{answer.get('errorType', 'error')}: {answer.get('error', 'unknown error')}"
        return answer, None

    # -- static site ------------------------------------------------------

    def static(self, path: str) -> None:
        root = self.config.site
        assert root is not None
        relative = posixpath.normpath(urllib.parse.unquote(path)).lstrip("/")
        if relative in ("", "."):
            relative = "index.html"
        full = os.path.realpath(os.path.join(root, relative))
        if not full.startswith(root + os.sep) or not os.path.isfile(full):
            self.send_json(404, {"message": "Not found"})
            return
        content_type = mimetypes.guess_type(full)[0] or "application/octet-stream"
        if full.endswith(".wasm"):
            content_type = "application/wasm"
        with open(full, "rb") as f:
            self.send_bytes(200, f.read(), content_type)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", required=True, help="JSON file with tokens and datasources")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3000)
    parser.add_argument("--site", help="serve this folder (the built site) outside /api")
    parser.add_argument("--sub-path", default="", help="serve everything below this path, e.g. /grafana")
    parser.add_argument("--cors-origin", help="act as a reverse proxy that allows this origin ('*' = any)")
    parser.add_argument("--datasources-forbidden", action="store_true", help="403 on /api/datasources")
    parser.add_argument("--deny-uid", action="append", help="403 on the proxy for this datasource uid")
    parser.add_argument("--deny-dashboard", action="append", help="403 on this dashboard uid (and leave it out of the search)")
    parser.add_argument(
        "--post-refusal",
        choices=("classic", "typed"),
        default="classic",
        help="the proxy's allow-list: Grafana 8-12's (Prometheus only, 'Prometheus' in the text) or newer (prometheus, loki, amazon, azure; the type in lower case)",
    )
    parser.add_argument("--route-denied-uid", action="append", help="403 'plugin proxy route access denied' on POSTs to this uid's query routes")
    parser.add_argument("--upstream-timeout", type=float, default=30.0, help="seconds before a 504")
    parser.add_argument("--flaky-uid", action="append", help="answer 502 to the first attempts of each query (api/v1/query, query_range) for this uid")
    parser.add_argument("--flaky-count", type=int, default=2, help="how many attempts of each query --flaky-uid fails")
    parser.add_argument("--ds-type", action="append", help="UID=TYPE: list a datasource as another type")
    parser.add_argument("--deny-proxy-uid", action="append", help="403 on the proxy (not /api/ds/query) for this uid")
    parser.add_argument("--slow-uid", action="append", help="delay every proxy request for this uid")
    parser.add_argument(
        "--no-post-uid",
        action="append",
        help="refuse every proxied POST for this uid, like a Grafana whose allow-list lacks query routes",
    )
    parser.add_argument("--slow-seconds", type=float, default=5.0, help="how long --slow-uid waits")
    args = parser.parse_args()

    Handler.config = Config(args.config, args)
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    print(f"grafana-compat: listening on http://{args.host}:{server.server_port}{args.sub_path}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
