"""What the web chat accepts before Gradio sees a request: the Host it is addressed to, the
Origin of a browser's request that changes something, and the pace of failed logins.

- Host: an IP address, `localhost`, the name the server binds, or a configured name. A web
  page on another name that resolves to this machine (DNS rebinding) is refused, so it cannot
  read or drive the app through the browser of someone who can reach it.
- Origin: a browser names the page a request comes from whenever the request is not a plain
  same-origin read. Such a request must come from the app's own origin (the scheme it is
  served on, the Host it is addressed to and its port) or a configured one, scheme, host and
  port alike; `null` and other sites are refused, whatever the method (a page elsewhere can
  neither call the API nor read its answers). A request that changes something (anything but
  GET, HEAD, OPTIONS) marked `Sec-Fetch-Site: cross-site` is refused even without an Origin.
  Programs that send neither (gradio_client, curl) are not browsers driven by a page, and pass.
- Logins: with a password set, a client address gets `attempts` failed logins a minute; past
  that, every login from it is refused for the rest of the minute (429). Each attempt is
  counted as failed, under the lock that checks the count, before it is tried, and forgiven
  only if it turns out not to have failed: concurrent attempts cannot all pass the check. The
  address is the connection's own; `X-Forwarded-For` names the client only when the connection
  comes from a trusted proxy (`ASSISTANT_UI_TRUSTED_PROXIES`; uvicorn applies it, see
  `ui.app.launch`).

A pure ASGI middleware (no buffering of streamed responses), given to the FastAPI app Gradio
builds through `launch(app_kwargs={"middleware": [...]})`.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections import deque
from urllib.parse import urlsplit

WINDOW = 60.0  # seconds over which failed logins are counted
_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})


def host_name(value: str) -> str:
    """The host part of a Host header or netloc, lower-case, without port or brackets."""
    value = value.strip().lower()
    if "://" in value:
        value = urlsplit(value).netloc
    if value.startswith("["):  # [::1]:7860
        return value[1 : value.find("]")] if "]" in value else value[1:]
    if value.count(":") == 1:
        value = value.split(":", 1)[0]
    return value.rstrip(".")


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


Origin = tuple[str, str, int]  # scheme, host name, port
_PORTS = {"http": 80, "https": 443}


def origin_of(value: str, default_scheme: str | None = None) -> Origin | None:
    """(scheme, host, port) of an origin (`https://name:8443`), or of a bare `name[:port]`
    when `default_scheme` is given; None if it is not one (another scheme, a bad port)."""
    value = value.strip().lower()
    if "://" not in value:
        if default_scheme is None:
            return None
        value = f"{default_scheme}://{value}"
    parts = urlsplit(value)
    if parts.scheme not in _PORTS or not parts.hostname:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    return parts.scheme, parts.hostname.rstrip("."), port or _PORTS[parts.scheme]


def configured_origins(extra: str) -> frozenset[Origin]:
    """The origins of a comma-separated setting (`ASSISTANT_UI_ALLOWED_HOSTS`): an entry with a
    scheme is that origin; a bare `name[:port]` is `https://name[:port]`, the address of a
    reverse proxy in front of the app."""
    found = (origin_of(e, "https") for e in extra.split(",") if e.strip())
    return frozenset(o for o in found if o is not None)


def configured_names(extra: str) -> frozenset[str]:
    """The host names of a comma-separated setting (`ASSISTANT_UI_ALLOWED_HOSTS`)."""
    return frozenset(n for n in (host_name(e) for e in extra.split(",")) if n)


def allowed_names(bound: str, extra: str = "") -> frozenset[str]:
    """The host names the app answers to besides IP addresses: localhost, the bound name and
    the configured ones. Pages may send changing requests from the app's own origin and from
    the configured names only."""
    return frozenset({"localhost", host_name(bound)} - {""}) | configured_names(extra)


class Guard:
    def __init__(
        self, app, names: frozenset[str], origins: frozenset[Origin], attempts: int | None
    ):
        """`names`: host names answered besides IP addresses; `origins`: (scheme, host, port)
        of the pages that may call the app besides its own origin; `attempts`: failed logins a
        client address may make a minute (None: logins are not limited)."""
        self.app, self.names, self.origins, self.attempts = app, names, origins, attempts
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        refusal = self._refusal(scope, headers, host)
        if refusal is not None:
            await _deny(scope, receive, send, 403, refusal)
            return
        if self.attempts is not None and _is_login(scope):
            await self._login(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _refusal(self, scope, headers: dict[str, str], host: str) -> str | None:
        name = host_name(host)
        if not name or not (_is_ip(name) or name in self.names):
            return "this address is not served here (the Host header is not one of the app's)"
        origin = headers.get("origin")
        if origin is None:
            changing = scope["type"] == "websocket" or scope.get("method", "GET") not in _SAFE
            if changing and headers.get("sec-fetch-site") == "cross-site":
                return "requests from other sites are refused"
            return None
        if origin.strip() == "null" or not urlsplit(origin).netloc:
            return "requests from pages without an origin are refused"
        theirs = origin_of(origin)
        scheme = "https" if scope.get("scheme") in ("https", "wss") else "http"
        ours = origin_of(host, scheme)
        if theirs is not None and (theirs == ours or theirs in self.origins):
            return None
        return "requests from other sites are refused (the Origin is not this app)"

    async def _login(self, scope, receive, send) -> None:
        client = (scope.get("client") or ("?", 0))[0]
        now = time.monotonic()
        with self._lock:  # checked and counted at once: concurrent attempts queue here
            failures = self._failures.setdefault(client, deque())
            while failures and now - failures[0] > WINDOW:
                failures.popleft()
            wait = WINDOW - (now - failures[0]) if len(failures) >= self.attempts else 0.0
            if wait <= 0:
                failures.append(now)  # a failure until the answer says otherwise
        if wait > 0:
            await _deny(
                scope,
                receive,
                send,
                429,
                f"too many failed logins: try again in {wait:.0f} s",
                {"retry-after": str(int(wait) + 1)},
            )
            return
        status: list[int] = []

        async def watch(message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            with self._lock:
                failures = self._failures.setdefault(client, deque())
                if status and status[0] < 300:
                    failures.clear()
                elif not (status and status[0] in (400, 401, 403)) and now in failures:
                    failures.remove(now)  # not a failed login (the server's own error)
                if len(self._failures) > 10_000:  # forget idle addresses
                    for key in [k for k, v in self._failures.items() if not v]:
                        del self._failures[key]


def _is_login(scope) -> bool:
    return (
        scope["type"] == "http"
        and scope.get("method") == "POST"
        and scope.get("path", "").rstrip("/").endswith("/login")
    )


async def _deny(scope, receive, send, status: int, text: str, extra: dict | None = None) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008, "reason": text[:120]})
        return
    body = text.encode("utf-8")
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        *((k.encode(), v.encode()) for k, v in (extra or {}).items()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
