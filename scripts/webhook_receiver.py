"""A webhook receiver for the tests: verifies EVERY delivery with the `standardwebhooks` package
(the Standard Webhooks reference implementation, independent of ours) and records what it got.

    .venv-test/bin/python scripts/webhook_receiver.py   # prints "listening PORT" once it listens on 127.0.0.1

Control (JSON bodies, on the same port):
    POST /_config {"secrets": ["whsec_..."], "fail_first": 3, "fail_status": 500, "delay_ms": 0}
        secrets: a delivery is accepted when it verifies with the first secret; each secret is
        also tried alone and the ones that verify are recorded ("verified_with").
        fail_first: answer fail_status to the first N verified attempts of each webhook-id,
        with a Retry-After header when retry_after is set.
    GET /_log -> [{"webhook_id", "timestamp", "signature", "body", "verified_with", "answered"}]

Any other POST is a delivery: 401 when the signature does not verify with the first secret,
else fail_status while the webhook-id has had fewer than fail_first attempts, else 204.
"""
import json
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

lock = threading.Lock()
config = {"secrets": [], "fail_first": 0, "fail_status": 500, "delay_ms": 0, "retry_after": None}
log = []
attempts = {}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _answer(self, status, body=b"", retry_after=None):
        self.send_response(status)
        if retry_after is not None:
            self.send_header("Retry-After", str(retry_after))
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/_log":
            with lock:
                data = json.dumps(log).encode()
            return self._answer(200, data)
        self._answer(404)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if self.path == "/_config":
            with lock:
                config.update(json.loads(body or b"{}"))
            return self._answer(204)
        with lock:
            secrets = list(config["secrets"])
            delay = config["delay_ms"]
            retry_after = config["retry_after"]
        headers = {k.lower(): v for k, v in self.headers.items()}
        verified_with = []
        for index, secret in enumerate(secrets):
            try:
                Webhook(secret).verify(body, headers)
                verified_with.append(index)
            except WebhookVerificationError:
                pass
        if delay:
            time.sleep(delay / 1000)
        message = headers.get("webhook-id", "")
        with lock:
            if 0 not in verified_with:
                status = 401
            else:
                attempts[message] = attempts.get(message, 0) + 1
                status = config["fail_status"] if attempts[message] <= config["fail_first"] else 204
            log.append({
                "webhook_id": message,
                "timestamp": headers.get("webhook-timestamp"),
                "signature": headers.get("webhook-signature"),
                "body": body.decode("utf-8", "replace"),
                "verified_with": verified_with,
                "answered": status,
            })
        self._answer(status, retry_after=retry_after if status not in (204, 401) else None)


def main():
    # A parent that ignores SIGTERM (the test process does) passes that on: take it back.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(f"listening {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
