"""Fetching a web page or a feed, guarded: the one way the assistant reaches the network.

httpx is the client: a well-kept library with separate connect, read and write timeouts and a
streamed body, so a limit can stop a response part-way. Redirects are followed here rather
than by httpx, so every hop passes the same checks as the first request:

- only `http` and `https`;
- no private, loopback, link-local or otherwise non-public address, unless
  `ASSISTANT_FETCH_ALLOW_PRIVATE` is set: a URL in a feed must not make the server read its own
  admin pages or a cloud metadata service (server-side request forgery). Every address the
  name resolves to is checked, and the connection goes to the address that was checked (the
  name is sent as the Host header and for TLS), so a second DNS answer cannot swap in another;
- at most `max_redirects` hops, and never the same URL twice (a loop);
- one deadline for the whole fetch, redirects included (a server that drips a byte a second
  never trips a read timeout, so the body is read against the clock);
- at most `max_bytes` of body, counted after decompression (a gzip bomb stops at the limit);
- a content type of the kind asked for (a page, a feed, plain text), never an image or a
  binary download.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import httpx

from index.errors import FetchError

PAGE_TYPES = frozenset({"text/html", "application/xhtml+xml"})
FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/xml",
        "text/xml",
        "application/feed+xml",
    }
)
TEXT_TYPES = frozenset({"text/plain", "text/markdown"})
ANY_ARTICLE = PAGE_TYPES | FEED_TYPES | TEXT_TYPES
_REDIRECTS = {301, 302, 303, 307, 308}
_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?([A-Za-z0-9_.:-]{1,40})""", re.I)


@dataclass(frozen=True)
class FetchLimits:
    """What one fetch may cost (the `ASSISTANT_FETCH_*` settings)."""

    timeout: float = 20.0  # seconds for the whole fetch, redirects and body included
    max_bytes: int = 10 * 1024 * 1024  # body bytes, after decompression
    max_redirects: int = 5
    allow_private: bool = False  # private and loopback addresses (tests, an intranet)
    user_agent: str = "news-assistant/0.1 (+https://github.com/; indexing a news article)"

    def __post_init__(self) -> None:
        if self.timeout <= 0 or self.max_bytes < 1 or self.max_redirects < 0:
            raise ValueError("fetch limits must be positive")


DEFAULT_LIMITS = FetchLimits()


@dataclass(frozen=True)
class Fetched:
    """A response body: `url` is where it was found (after redirects), `media_type` its
    content type without parameters, `charset` the one the server declared, if any."""

    requested: str
    url: str
    media_type: str
    charset: str | None
    body: bytes

    def text_utf8(self) -> bytes:
        """The body as UTF-8 bytes (what the loader reads): decoded by the declared charset,
        else the page's own `<meta charset>`, else UTF-8, else windows-1252 (the web's
        default for unlabelled pages)."""
        declared = self.charset
        if declared is None:
            found = _CHARSET.search(self.body[:4096])
            declared = found.group(1).decode("ascii") if found else None
        for encoding in (declared, "utf-8", "windows-1252"):
            if not encoding:
                continue
            try:
                return self.body.decode(encoding).encode("utf-8")
            except (LookupError, UnicodeDecodeError):
                continue
        return self.body.decode("utf-8", "replace").encode("utf-8")


def is_url(value: object) -> bool:
    """Does the value look like a web address (rather than a path)?"""
    return isinstance(value, str) and bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", value))


def fetch(url: str, limits: FetchLimits = DEFAULT_LIMITS, accept=ANY_ARTICLE) -> Fetched:
    """The body at `url`, within `limits`, of a media type in `accept`; `FetchError` saying
    why not (in one line, naming the URL)."""
    deadline = time.monotonic() + limits.timeout
    seen: list[str] = []
    current = _checked_url(url)
    with httpx.Client(
        timeout=httpx.Timeout(limits.timeout),
        follow_redirects=False,
        trust_env=False,  # no proxy from the environment: the address checked is the one used
        headers={
            "User-Agent": limits.user_agent,
            "Accept": ", ".join(sorted(accept)),
            # only what `_decoded` undoes, a bounded piece at a time
            "Accept-Encoding": "gzip, deflate",
        },
    ) as client:
        while True:
            seen.append(str(current))
            response = _request(client, current, limits, deadline)
            try:
                if response.status_code in _REDIRECTS:
                    location = response.headers.get("location")
                    if not location:
                        raise FetchError(f"{url}: a redirect with no Location")
                    target = _checked_url(str(current.join(location)))
                    if str(target) in seen:
                        raise FetchError(f"{url}: a redirect loop (back to {target})")
                    if len(seen) > limits.max_redirects:
                        raise FetchError(
                            f"{url}: more than {limits.max_redirects} redirects "
                            "(ASSISTANT_FETCH_MAX_REDIRECTS)"
                        )
                    current = target
                    continue
                if response.status_code != 200:
                    reason = response.reason_phrase or ""
                    raise FetchError(f"{url}: the server answered {response.status_code} {reason}")
                media_type, charset = _content_type(response.headers.get("content-type", ""))
                if media_type not in accept:
                    shown = media_type or "no content type"
                    raise FetchError(
                        f"{url}: refused: it is {shown}, not a news page, feed or text"
                    )
                body = _body(response, url, limits, deadline)
                return Fetched(url, str(current), media_type, charset, body)
            finally:
                response.close()


def _checked_url(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise FetchError(f"{url}: not a valid URL ({exc})") from exc
    if parsed.scheme not in ("http", "https"):
        raise FetchError(f"{url}: refused: only http and https URLs are fetched")
    if not parsed.host:
        raise FetchError(f"{url}: not a valid URL (no host)")
    return parsed


def _addresses(url: httpx.URL, limits: FetchLimits) -> list[str]:
    """The addresses `url`'s host resolves to, each checked; `FetchError` if any is not a
    public address (unless private ones are allowed)."""
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(url.host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"{url}: cannot resolve {url.host}") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not limits.allow_private:
        for address in addresses:
            why = _not_public(address)
            if why:
                raise FetchError(
                    f"{url}: refused: {url.host} is {why} ({address}); set "
                    "ASSISTANT_FETCH_ALLOW_PRIVATE=true to fetch from private addresses"
                )
    if not addresses:
        raise FetchError(f"{url}: cannot resolve {url.host}")
    return addresses


def _not_public(address: str) -> str | None:
    """Why `address` is not a public one, or None."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    for test, name in (
        # the most specific name first: Python counts loopback and link-local as private too
        ("is_loopback", "a loopback address"),
        ("is_link_local", "a link-local address"),
        ("is_unspecified", "an unspecified address"),
        ("is_multicast", "a multicast address"),
        ("is_private", "a private address"),
        ("is_reserved", "a reserved address"),
    ):
        if getattr(ip, test):
            return name
    return None if ip.is_global else "not a public address"


def _request(
    client: httpx.Client, url: httpx.URL, limits: FetchLimits, deadline: float
) -> httpx.Response:
    """Send a GET to the checked address of `url` (the name kept for Host and TLS)."""
    address = _addresses(url, limits)[0]
    left = deadline - time.monotonic()
    if left <= 0:
        raise _timed_out(str(url), limits)
    host_header = url.host if url.port is None else f"{url.host}:{url.port}"
    pinned = url.copy_with(host=address)
    extensions = {"timeout": httpx.Timeout(min(left, limits.timeout)).as_dict()}
    if url.scheme == "https":
        extensions["sni_hostname"] = url.host
    request = client.build_request("GET", pinned, headers={"Host": host_header})
    request.extensions.update(extensions)
    try:
        return client.send(request, stream=True)
    except httpx.TimeoutException as exc:
        raise _timed_out(str(url), limits) from exc
    except httpx.HTTPError as exc:
        raise FetchError(f"{url}: cannot fetch it ({type(exc).__name__}: {exc})") from exc


def _body(response: httpx.Response, url: str, limits: FetchLimits, deadline: float) -> bytes:
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limits.max_bytes:
        raise _too_large(url, int(declared), limits, declared=True)
    encoding = response.headers.get("content-encoding", "").strip().lower()
    parts, total = [], 0
    try:
        for part in _decoded(response.iter_raw(), encoding, limits.max_bytes, url):
            total += len(part)
            if total > limits.max_bytes:
                raise _too_large(url, total, limits)
            parts.append(part)
            if time.monotonic() > deadline:
                raise _timed_out(url, limits)
    except httpx.TimeoutException as exc:
        raise _timed_out(url, limits) from exc
    except httpx.HTTPError as exc:
        raise FetchError(f"{url}: the download failed ({type(exc).__name__}: {exc})") from exc
    return b"".join(parts)


def _decoded(raw: Iterator[bytes], encoding: str, limit: int, url: str) -> Iterator[bytes]:
    """The body's bytes with its content encoding undone, never more than `limit + 1` bytes
    at a time: a few KB of gzip can inflate to gigabytes, and httpx would inflate each piece
    whole before anyone could count it."""
    if encoding in ("", "identity"):
        yield from raw
        return
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise FetchError(f"{url}: refused: unsupported content encoding {encoding!r}")
    # gzip, or deflate (zlib-wrapped, as the standard says): 32 + 15 reads either header
    inflate = zlib.decompressobj(32 + zlib.MAX_WBITS)
    try:
        for piece in raw:
            data = inflate.decompress(piece, limit + 1)
            yield data
            while inflate.unconsumed_tail:
                yield inflate.decompress(inflate.unconsumed_tail, limit + 1)
    except zlib.error as exc:
        raise FetchError(f"{url}: the body is not valid {encoding} ({exc})") from exc


def _content_type(header: str) -> tuple[str, str | None]:
    media_type, _, params = header.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip("\"'")
    return media_type.strip().lower(), charset


def _too_large(url: str, size: int, limits: FetchLimits, declared: bool = False) -> FetchError:
    found = f"is {size:,} bytes" if declared else f"runs past {size:,} bytes (reading stopped)"
    return FetchError(
        f"{url}: refused: the response {found}; the limit is {limits.max_bytes:,} bytes "
        "(ASSISTANT_FETCH_MAX_MB)"
    )


def _timed_out(url: str, limits: FetchLimits) -> FetchError:
    return FetchError(
        f"{url}: refused: no complete answer within {limits.timeout:g} s (ASSISTANT_FETCH_TIMEOUT)"
    )
