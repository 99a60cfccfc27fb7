#!/usr/bin/env python3
"""Serves a built site under a sub-path, like GitHub Pages serves /<repo>/.

Usage: serve_static.py --port 3199 --mount /promnote/=dist
Nothing else is served: every other path is a 404, so a page that reaches for
an absolute /asset or an outside origin shows up in tests.
"""

from __future__ import annotations

import argparse
import functools
import os
import posixpath
import urllib.parse
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer


class Handler(SimpleHTTPRequestHandler):
    mount: str = "/"
    root: str = "."

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
    args = parser.parse_args()
    mount, folder = args.mount.split("=", 1)
    Handler.mount = mount if mount.endswith("/") else mount + "/"
    Handler.root = os.path.abspath(folder)
    Handler.extensions_map = {**Handler.extensions_map, ".wasm": "application/wasm", ".js": "text/javascript"}
    server = ThreadingHTTPServer(("127.0.0.1", args.port), functools.partial(Handler))
    server.serve_forever()


if __name__ == "__main__":
    main()
