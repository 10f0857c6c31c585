"""The HTTP plumbing shared by the fake vendor servers (see the package docstring)."""

from __future__ import annotations

import json
import threading
import uuid
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Reply:
    """One HTTP answer. ``body``: a dict is sent as JSON. ``delay``: seconds to wait before
    answering (longer than the client's timeout to make it time out)."""

    body: dict[str, Any] | bytes | str = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class ReceivedRequest:
    """A request as the fake received it (kept in ``server.requests`` for assertions)."""

    method: str
    path: str
    raw_query: str
    headers: dict[str, str]  # names lower-cased
    body: bytes
    action: str = ""
    version: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    # None: accepted (authenticated); else the vendor error code the fake answered with.
    refused: str | None = None
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(self.raw_query, keep_blank_values=True))

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)


Handler = Callable[[ReceivedRequest], "Reply | dict[str, Any]"]


class FakeVendorServer:
    """A threaded local HTTP server on 127.0.0.1 (a free port).

    Subclasses implement ``authenticate`` (check the request as the vendor would and answer
    its documented refusal) and ``wrap`` (turn a handler's dict into the vendor's envelope).
    ``on(action, handler)`` registers an action; ``script(action, *replies)`` queues answers
    that are used, one per request, before the handler (after authentication: a scripted
    answer never hides a bad signature). Use as a context manager.
    """

    # What the vendor's gateway puts in Content-Type for JSON (clients compare it exactly).
    json_content_type = "application/json;charset=utf-8"

    def __init__(self) -> None:
        self.handlers: dict[str, Handler] = {}
        self.scripts: dict[str, deque[Reply | dict[str, Any]]] = defaultdict(deque)
        self.requests: list[ReceivedRequest] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- configuration ------------------------------------------------------------------
    def on(self, action: str, handler: Handler) -> None:
        self.handlers[action] = handler

    def script(self, action: str, *replies: Reply | dict[str, Any]) -> None:
        with self._lock:
            self.scripts[action].extend(replies)

    def accepted(self, action: str | None = None) -> list[ReceivedRequest]:
        """Requests that passed authentication (of one action, or all)."""
        return [
            r
            for r in list(self.requests)
            if r.refused is None and (action is None or r.action == action)
        ]

    # -- vendor specifics -----------------------------------------------------------------
    def parse(self, req: ReceivedRequest) -> None:
        """Fill ``action``, ``version`` and ``params`` from the request."""
        raise NotImplementedError

    def authenticate(self, req: ReceivedRequest) -> Reply | None:
        raise NotImplementedError

    def wrap(self, req: ReceivedRequest, result: dict[str, Any]) -> Reply:
        raise NotImplementedError

    def unknown_action(self, req: ReceivedRequest) -> Reply:
        raise NotImplementedError

    # -- serving ----------------------------------------------------------------------------
    def answer(self, req: ReceivedRequest) -> Reply:
        try:
            self.parse(req)
        except ValueError:
            req.refused = "MalformedRequest"
            return Reply({"error": "malformed request"}, status=400)
        refusal = self.authenticate(req)
        if refusal is not None:
            return refusal
        with self._lock:
            queued = self.scripts[req.action].popleft() if self.scripts[req.action] else None
        if queued is None:
            handler = self.handlers.get(req.action)
            if handler is None:
                return self.unknown_action(req)
            queued = handler(req)
        return queued if isinstance(queued, Reply) else self.wrap(req, queued)

    @property
    def host(self) -> str:
        """``127.0.0.1:PORT``: what a client puts as its endpoint."""
        assert self._httpd is not None, "server not started"
        return f"127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    def start(self) -> Self:
        fake = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                split = urlsplit(self.path)
                req = ReceivedRequest(
                    method=self.command,
                    path=split.path,
                    raw_query=split.query,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                )
                with fake._lock:
                    fake.requests.append(req)
                reply = fake.answer(req)
                if reply.delay and fake._stopping.wait(reply.delay):
                    return
                payload = reply.body
                if isinstance(payload, dict):
                    data = json.dumps(payload, ensure_ascii=False).encode()
                    ctype = fake.json_content_type
                else:
                    data = payload.encode() if isinstance(payload, str) else payload
                    ctype = "text/plain;charset=utf-8"
                try:
                    self.send_response(reply.status)
                    headers = {"Content-Type": ctype, **reply.headers}
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the client gave up (timeout): nothing to answer
                    pass

            do_GET = do_POST = do_PUT = do_DELETE = _serve

        class _Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                return  # a client that timed out and closed its socket is expected

        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
