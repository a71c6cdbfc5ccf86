"""A real HTTP server on 127.0.0.1 for fetch tests: scripted replies, a request log, and
the most requests it ever had in flight at once.

    with Loopback() as server:
        server.route("/feed.xml", Reply(body=RSS, content_type="application/rss+xml"))
        server.route("/flaky", Reply(500), Reply(body="ok"))  # 500, then 200 from then on
        ... fetch server.url("/feed.xml") ...
        assert server.paths() == ["/feed.xml"]

A route's replies are served in order and the last one repeats. Slow replies wait on an
event that closing the server sets, so a test that gave up on a slow reply never waits
for it to finish.
"""

from __future__ import annotations

import gzip as gzip_module
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any


@dataclass(frozen=True)
class Reply:
    """One scripted response."""

    status: int = 200
    body: bytes | str = b""
    content_type: str | None = "text/html; charset=utf-8"
    headers: Mapping[str, str] = field(default_factory=dict)
    gzip: bool = False  # compress the body and say Content-Encoding: gzip
    length: bool = True  # send Content-Length; without it the body ends when the connection does
    delay: float = 0.0  # seconds before the status line
    trickle: float = 0.0  # seconds between chunks of the body
    chunk: int = 1024
    etag: str | None = None  # a matching If-None-Match gets 304
    last_modified: str | None = None  # a matching If-Modified-Since gets 304


def redirect(location: str, status: int = 302) -> Reply:
    return Reply(status, content_type=None, headers={"Location": location})


@dataclass(frozen=True)
class Request:
    """One request as the server saw it; header names are lower case."""

    path: str
    headers: dict[str, str]
    time: float
    status: int  # what the server answered


class Loopback:
    """The server; a context manager, closed cleanly (no thread or socket left behind)."""

    def __init__(self) -> None:
        self.log: list[Request] = []
        self._routes: dict[str, list[Reply]] = {}
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._events: list[tuple[str, int]] = []  # (path, +1 started / -1 answered), in order
        self._server = _Server(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, *replies: Reply) -> None:
        """Serve ``replies`` at ``path`` (with or without a query) in turn; the last repeats."""
        with self._lock:
            self._routes[path] = list(replies)

    def paths(self, prefix: str = "") -> list[str]:
        return [r.path for r in self.log if r.path.startswith(prefix)]

    def requests(self, path: str) -> list[Request]:
        return [r for r in self.log if r.path == path]

    def max_in_flight(self, prefix: str = "") -> int:
        """Most requests under ``prefix`` received and not yet answered, at any one time."""
        with self._lock:
            events = list(self._events)
        now = most = 0
        for path, step in events:
            if path.startswith(prefix):
                now += step
                most = max(most, now)
        return most

    def __enter__(self) -> Loopback:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._closing.set()
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()  # also joins the handler threads

    # -- used by the handler

    def _next(self, path: str) -> Reply:
        with self._lock:
            replies = self._routes.get(path) or self._routes.get(path.split("?", 1)[0])
            if not replies:
                return Reply(404, body="no such route", content_type="text/plain")
            return replies.pop(0) if len(replies) > 1 else replies[0]

    def _track(self, path: str, step: int) -> None:
        with self._lock:
            self._events.append((path, step))

    def _wait(self, seconds: float) -> bool:
        """Sleep; False if the server is closing meanwhile."""
        return seconds <= 0 or not self._closing.wait(seconds)


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hung up mid-reply is what timeout and size tests are about


def _handler(server: Loopback) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            server._track(self.path, +1)
            answered = False
            try:
                reply = server._next(self.path)
                status = _status(reply, headers)
                with server._lock:
                    server.log.append(Request(self.path, headers, time.monotonic(), status))
                if not server._wait(reply.delay):
                    return
                server._track(self.path, -1)  # before any byte: the client cannot be done yet
                answered = True
                self._send(reply, status)
            except OSError:
                pass  # the client gave up (a timeout, a size limit): what the test wanted
            finally:
                if not answered:
                    server._track(self.path, -1)

        def _send(self, reply: Reply, status: int) -> None:
            body = reply.body.encode("utf-8") if isinstance(reply.body, str) else reply.body
            if reply.gzip:
                body = gzip_module.compress(body)
            if status == 304:
                body = b""
            self.send_response(status)
            if reply.content_type and status != 304:
                self.send_header("Content-Type", reply.content_type)
            if reply.gzip:
                self.send_header("Content-Encoding", "gzip")
            for name, value in [
                ("ETag", reply.etag),
                ("Last-Modified", reply.last_modified),
                *reply.headers.items(),
            ]:
                if value is not None:
                    self.send_header(name, value)
            if reply.length and status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            for start in range(0, len(body), reply.chunk):
                if start and not server._wait(reply.trickle):
                    return
                self.wfile.write(body[start : start + reply.chunk])

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output clean; the request log has what tests need

    return Handler


def _status(reply: Reply, headers: Mapping[str, str]) -> int:
    if reply.status != 200:
        return reply.status
    if reply.etag is not None and headers.get("if-none-match") == reply.etag:
        return 304
    if reply.last_modified is not None and headers.get("if-modified-since") == reply.last_modified:
        return 304
    return 200
