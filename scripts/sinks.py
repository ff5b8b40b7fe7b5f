"""Real receivers for the tests: an SMTP server (aiosmtpd) and an HTTP server for webhooks.

    sinks.py OUTDIR

Each message is appended as one JSON line to OUTDIR/email.jsonl (envelope and raw message) or
OUTDIR/webhook.jsonl (path, headers, body). A webhook posted to a path starting with /fail is
answered 503, so that retries can be tested. Prints "smtp=PORT webhook=PORT" once both listen,
then serves until its parent process ends (or it is killed).
"""

import http.server
import json
import os
import socket
import sys
import threading
import time

from aiosmtpd.controller import Controller

OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
LOCK = threading.Lock()


def append(name, record):
    with LOCK, open(os.path.join(OUT, name), "a", encoding="utf-8") as f:
        f.write(json.dumps(record) + "\n")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mail:
    async def handle_DATA(self, server, session, envelope):
        append(
            "email.jsonl",
            {
                "from": envelope.mail_from,
                "to": envelope.rcpt_tos,
                "data": envelope.content.decode("utf-8", "replace"),
            },
        )
        return "250 OK"


class Hooks(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace")
        failing = self.path.startswith("/fail")
        append(
            "webhook.jsonl",
            {
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body,
                "answered": 503 if failing else 200,
            },
        )
        self.send_response(503 if failing else 200)
        self.send_header("content-length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


smtp_port = free_port()
mail = Controller(Mail(), hostname="127.0.0.1", port=smtp_port)
mail.start()
hooks = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hooks)
threading.Thread(target=hooks.serve_forever, daemon=True).start()
print(f"smtp={smtp_port} webhook={hooks.server_address[1]}", flush=True)

parent = os.getppid()
while os.getppid() == parent:
    time.sleep(0.5)
mail.stop()
