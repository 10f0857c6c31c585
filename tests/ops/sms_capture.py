"""A stand-in SMS gateway for the production topology: the app's backend posts each message
over HTTP to a small capture server, and a test (or a Locust user) reads the sign-in code
back from that server.

Production refuses the console and locmem backends, so the topology runs with this one
(``IDRENEW_SMS_BACKEND=tests.ops.sms_capture.CaptureSmsBackend``,
``IDRENEW_TEST_SMS_URL=http://127.0.0.1:PORT``). The server keeps messages in memory only;
it never logs them (they carry mobiles and codes).
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from idrenew.verification.sms import SmsBackend, SmsMessage, SmsSendError

CODE = re.compile(r"验证码为(\d{6})")


class CaptureSmsBackend(SmsBackend):
    """Posts ``{"mobile", "text"}`` to ``$IDRENEW_TEST_SMS_URL/send`` (test gateway)."""

    name = "test-capture"

    def _url(self) -> str:
        return os.environ.get("IDRENEW_TEST_SMS_URL", "").rstrip("/")

    def send(self, message: SmsMessage) -> None:
        body = json.dumps({"mobile": message.mobile, "text": message.text}).encode()
        request = urllib.request.Request(  # noqa: S310 - http to the test gateway
            self._url() + "/send",
            data=body,
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as resp:  # noqa: S310
                if resp.status != 200:
                    raise SmsSendError(f"test gateway answered {resp.status}")
        except OSError as exc:
            raise SmsSendError(f"test gateway unreachable: {type(exc).__name__}") from exc

    def check_config(self) -> list[str]:
        if not self._url():
            return ["IDRENEW_TEST_SMS_URL is not set"]
        return []


@dataclass
class _Store:
    messages: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, mobile: str, text: str) -> None:
        with self.lock:
            self.messages.append({"mobile": mobile, "text": text, "at": time.time()})

    def for_mobile(self, mobile: str, since: float = 0.0) -> list[dict[str, Any]]:
        with self.lock:
            return [m for m in self.messages if m["mobile"] == mobile and m["at"] >= since]


class _Handler(BaseHTTPRequestHandler):
    store: _Store

    def log_message(self, format: str, *args: Any) -> None:
        return  # never log: the messages carry mobiles and codes

    def _answer(self, status: int, payload: Any) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        if self.path != "/send":
            self._answer(404, {"error": "not found"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length))
            self.store.add(str(body["mobile"]), str(body["text"]))
        except (ValueError, KeyError):
            self._answer(400, {"error": "bad message"})
            return
        self._answer(200, {"ok": True})

    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        if url.path != "/messages":
            self._answer(404, {"error": "not found"})
            return
        query = urllib.parse.parse_qs(url.query)
        mobile = (query.get("mobile") or [""])[0]
        since = float((query.get("since") or ["0"])[0])
        self._answer(200, {"messages": self.store.for_mobile(mobile, since)})


class SmsCapture:
    """The capture server on ``host``:``port`` (0: a free port) in a daemon thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.store = _Store()
        handler = type("Handler", (_Handler,), {"store": self.store})
        self.server = ThreadingHTTPServer((host, port), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> SmsCapture:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> SmsCapture:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def messages(self, mobile: str, since: float = 0.0) -> list[dict[str, Any]]:
        return self.store.for_mobile(mobile, since)


def latest_code(messages: list[dict[str, Any]]) -> str | None:
    for message in reversed(messages):
        match = CODE.search(message["text"])
        if match:
            return match.group(1)
    return None


def code_reader(url: str, *, timeout: float = 10.0) -> Any:
    """``read_code(customer, since)`` for :func:`tests.ops.journey.sign_in` that asks the
    capture server at ``url`` over HTTP (works from another process, e.g. Locust)."""

    def read_code(customer: dict[str, str], since: float) -> str:
        deadline = time.monotonic() + timeout
        query = urllib.parse.urlencode({"mobile": customer["mobile"], "since": since})
        while True:
            with urllib.request.urlopen(f"{url}/messages?{query}", timeout=5) as resp:  # noqa: S310
                code = latest_code(json.loads(resp.read())["messages"])
            if code:
                return code
            if time.monotonic() > deadline:
                raise TimeoutError("no SMS code reached the test gateway")
            time.sleep(0.1)

    return read_code
