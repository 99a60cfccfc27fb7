#!/usr/bin/python3
"""A real SMTP server (Debian's aiosmtpd) and a webhook receiver, for promnote send's tests.

Every mail the SMTP server accepts is parsed with Python's email package and written to
OUT/mail-<n>.json: envelope, headers, text and HTML parts, and each attachment (name,
type, size, SHA-256, and its text when it is CSV), beside the raw message (mail-<n>.eml).
Each decoded part is also written to OUT/mail-<n>.parts/ (so a test can search what the
mail really carries, not its base64). Every POST to the webhook receiver is written to
OUT/hook-<n>.json (path and body). With --user and --password the SMTP server asks for
AUTH (PLAIN or LOGIN); with --tls-cert and --tls-key it requires STARTTLS first (and
AUTH only inside it), or with --smtps speaks TLS from the first byte. When both servers listen, OUT/ready.json names their ports. Stops
on SIGTERM.

    /usr/bin/python3 dev/mail_sink.py --out DIR [--user U --password P] [--tls-cert PEM --tls-key PEM]
"""

import argparse
import hashlib
import json
import signal
import sys
import threading
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def summary(raw: bytes, envelope) -> dict:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    parts = {"text": None, "html": None, "attachments": []}
    for part in message.walk():
        if part.is_multipart():
            continue
        if part.get_content_disposition() == "attachment":
            data = part.get_payload(decode=True) or b""
            attachment = {
                "filename": part.get_filename(),
                "content_type": part.get_content_type(),
                "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
                "starts": data[:8].decode("latin-1"),
            }
            if part.get_content_type() == "text/csv":
                attachment["text"] = data.decode("utf-8")
            parts["attachments"].append(attachment)
        elif part.get_content_type() == "text/plain":
            parts["text"] = part.get_content()
        elif part.get_content_type() == "text/html":
            parts["html"] = part.get_content()
    return {
        "mail_from": envelope.mail_from,
        "rcpt_tos": envelope.rcpt_tos,
        "from": str(message["From"]),
        "to": str(message["To"]),
        "subject": str(message["Subject"]),
        "date": str(message["Date"]),
        "message_id": str(message["Message-ID"]),
        **parts,
    }


class Sink:
    def __init__(self, out: Path, implicit_tls: bool):
        self.out = out
        # Under smtps every connection is TLS (aiosmtpd leaves session.ssl unset then).
        self.implicit_tls = implicit_tls
        self.count = 0
        self.lock = threading.Lock()

    def next_name(self, prefix: str) -> str:
        with self.lock:
            self.count += 1
            return f"{prefix}-{self.count}"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        name = self.next_name("mail")
        raw = envelope.original_content or envelope.content
        (self.out / f"{name}.eml").write_bytes(raw)
        record = summary(raw, envelope)
        record["authenticated_as"] = session.authenticated and session.auth_data.login.decode()
        record["tls"] = session.ssl is not None or self.implicit_tls
        parts = self.out / f"{name}.parts"
        parts.mkdir()
        message = BytesParser(policy=policy.default).parsebytes(raw)
        for i, part in enumerate(p for p in message.walk() if not p.is_multipart()):
            (parts / str(i)).write_bytes(part.get_payload(decode=True) or b"")
        (self.out / f"{name}.json.partial").write_text(json.dumps(record, indent=2))
        (self.out / f"{name}.json.partial").rename(self.out / f"{name}.json")
        return "250 OK: kept"


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def authenticator(user: str, password: str):
    def check(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    return check


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--smtp-port", type=int, default=0)
    parser.add_argument("--hook-port", type=int, default=0)
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--smtps", action="store_true", help="TLS from the first byte instead of STARTTLS")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    sink = Sink(args.out, bool(args.tls_cert and args.smtps))

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            name = sink.next_name("hook")
            record = {"path": self.path, "content_type": self.headers.get("Content-Type"), "body": body.decode("utf-8")}
            (args.out / f"{name}.json.partial").write_text(json.dumps(record, indent=2))
            (args.out / f"{name}.json.partial").rename(args.out / f"{name}.json")
            status = 500 if self.path.startswith("/fail") else 200
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok" if status == 200 else b"invalid_token")

        def log_message(self, *_):
            pass

    hooks = ThreadingHTTPServer(("127.0.0.1", args.hook_port), Hook)
    threading.Thread(target=hooks.serve_forever, daemon=True).start()
    options = {}
    if args.user:
        options = {"authenticator": authenticator(args.user, args.password), "auth_require_tls": bool(args.tls_cert), "auth_required": True}
    if args.tls_cert:
        import ssl

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        if args.smtps:
            # The whole connection is TLS; aiosmtpd 1.4 only counts STARTTLS as such.
            options.update({"ssl_context": context, "auth_require_tls": False})
        else:
            options.update({"tls_context": context, "require_starttls": True})
    controller = Controller(sink, hostname="127.0.0.1", port=args.smtp_port or free_port(), **options)
    controller.start()
    ready = {"smtp_port": controller.port, "hook_port": hooks.server_address[1]}
    (args.out / "ready.json.partial").write_text(json.dumps(ready))
    (args.out / "ready.json.partial").rename(args.out / "ready.json")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()
    hooks.shutdown()
    sys.exit(0)


if __name__ == "__main__":
    main()
