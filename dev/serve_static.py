#!/usr/bin/env python3
"""Serves a built site under a sub-path, like GitHub Pages serves /<repo>/.

Usage: serve_static.py --port 3199 --mount /promnote/=dist [--gzip]
Nothing else is served: every other path is a 404, so a page that reaches for
an absolute /asset or an outside origin shows up in tests. With --gzip, answers are
compressed as GitHub Pages compresses them (gzip, for a browser that accepts it),
which is what the cold-load benchmark measures.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import os
import posixpath
import urllib.parse
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer


class Handler(SimpleHTTPRequestHandler):
    mount: str = "/"
    root: str = "."
    compress: bool = False
    # Compressed files by path and modification time: each is compressed once.
    compressed: dict[tuple[str, float], bytes] = {}

    def do_GET(self) -> None:  # noqa: N802 (the http.server name)
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            path = os.path.join(path, "index.html")
        accepts = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (self.compress and accepts and os.path.isfile(path)):
            super().do_GET()
            return
        key = (path, os.path.getmtime(path))
        body = self.compressed.get(key)
        if body is None:
            with open(path, "rb") as f:
                body = gzip.compress(f.read(), compresslevel=6)
            self.compressed[key] = body
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=600")
        self.end_headers()
        self.wfile.write(body)

    def translate_path(self, path: str) -> str:
        path = urllib.parse.urlsplit(path).path
        missing = os.path.join(self.root, ".outside-the-mount")  # never exists: a 404
        if not path.startswith(self.mount):
            return missing
        relative = posixpath.normpath(urllib.parse.unquote(path[len(self.mount) :])).lstrip("/")
        if relative.startswith("..") or "\0" in relative:
            return missing
        return os.path.join(self.root, relative)

    def log_message(self, fmt: str, *args: object) -> None:  # noqa: D102
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mount", required=True, help="/sub/path/=folder")
    parser.add_argument("--gzip", action="store_true", help="compress answers as GitHub Pages does")
    args = parser.parse_args()
    Handler.compress = args.gzip
    mount, folder = args.mount.split("=", 1)
    Handler.mount = mount if mount.endswith("/") else mount + "/"
    Handler.root = os.path.abspath(folder)
    Handler.extensions_map = {**Handler.extensions_map, ".wasm": "application/wasm", ".js": "text/javascript"}
    server = ThreadingHTTPServer(("127.0.0.1", args.port), functools.partial(Handler))
    server.serve_forever()


if __name__ == "__main__":
    main()
