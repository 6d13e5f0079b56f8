"""A local HTTP server for the fetching tests: real saved news pages, feeds written by a test,
and the hostile answers a fetch must survive. It listens on 127.0.0.1 only; nothing leaves the
machine.

Routes: `/pages/<id>.html` serves a page of `../shared/external/news_html/pages` (read in
place); anything put in `routes` is served as given (status, headers, body, or a callable for
a slow answer); `hits` counts the requests of each path.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from conftest import ROOT

PAGES = ROOT.parent / "shared" / "external" / "news_html" / "pages"

Route = tuple[int, dict[str, str], bytes] | Callable[[BaseHTTPRequestHandler], None]


class LocalWeb:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        web = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                web.hits[path] += 1
                route = web.routes.get(path)
                if route is None and path.startswith("/pages/"):
                    page = PAGES / Path(path).name
                    if page.is_file():
                        body = page.read_bytes()
                        route = (200, {"Content-Type": "text/html; charset=utf-8"}, body)
                if route is None:
                    route = (404, {"Content-Type": "text/plain"}, b"not found")
                if callable(route):
                    route(self)
                    return
                status, headers, body = route
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                if "Content-Length" not in headers:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass  # quiet

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def drip(seconds: float, chunks: int) -> Callable[[BaseHTTPRequestHandler], None]:
    """An answer that sends a byte of a page every `seconds`: never idle long enough for a
    read timeout, never finished."""

    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.end_headers()
        try:
            handler.wfile.write(b"<html><body><p>")
            for _ in range(chunks):
                handler.wfile.write(b"x")
                handler.wfile.flush()
                time.sleep(seconds)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up, as it should

    return answer


def endless(handler: BaseHTTPRequestHandler) -> None:
    """A body with no declared length that never stops (until the client hangs up)."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/rss+xml")
    handler.end_headers()
    try:
        handler.wfile.write(b"<rss version='2.0'><channel><title>big</title>")
        item = b"<item><title>x</title><description>" + b"y" * 60_000 + b"</description></item>"
        while True:
            handler.wfile.write(item)
    except (BrokenPipeError, ConnectionResetError):
        pass
