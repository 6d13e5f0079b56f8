"""Issue 29, medium rows of the web chat: login limits that hold (concurrent attempts, forged
X-Forwarded-For) and an Origin that must match scheme, host and port.

The real app through httpx and gradio_client; one narrow test drives the real `Guard` around a
stand-in login endpoint that answers slowly, so the attempts surely overlap.
"""

from __future__ import annotations

import asyncio
import concurrent.futures as futures
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from conftest import SAMPLE, free_port

from assistant import Assistant, Settings
from ui.app import launch
from ui.guard import Guard, configured_origins, origin_of

CNN_SOURCE = str(SAMPLE / "000_16daae7c1b36e9cd.txt")


@contextmanager
def _login_app(embedder, attempts: int, **settings) -> Iterator[str]:
    bot = Assistant(
        Settings(store_path=None, ui_auth="reader:s3cret", ui_login_attempts=attempts, **settings),
        embedder=embedder,
    )
    port = free_port(8600, 8700)
    app = launch(bot, "127.0.0.1", port, block=False)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        app.close()


def _wrong(url: str, i: int, headers: dict | None = None) -> int:
    return httpx.post(
        f"{url}/login", data={"username": "reader", "password": f"x{i}"}, headers=headers or {}
    ).status_code


def test_concurrent_wrong_logins_get_only_the_allowed_tries(embedder):
    with _login_app(embedder, 5) as url:
        with futures.ThreadPoolExecutor(12) as pool:
            codes = sorted(pool.map(lambda i: _wrong(url, i), range(12)))
        assert codes == [400] * 5 + [429] * 7  # was 12 x 400


def test_the_guard_counts_overlapping_attempts():
    """Twelve attempts that all reach the endpoint before any answers (it takes 0.2 s): the
    count is checked and taken under one lock, so only five get through."""

    async def slow_login(scope, receive, send):
        await asyncio.sleep(0.2)
        await send({"type": "http.response.start", "status": 400, "headers": []})
        await send({"type": "http.response.body", "body": b"wrong"})

    guard = Guard(slow_login, frozenset({"localhost"}), frozenset(), attempts=5)

    async def attempt() -> int:
        scope = {
            "type": "http",
            "method": "POST",
            "path": "/login",
            "headers": [(b"host", b"127.0.0.1:7860")],
            "client": ("127.0.0.1", 5000),
            "scheme": "http",
        }
        sent: list[dict] = []

        async def send(message):
            sent.append(message)

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        await guard(scope, receive, send)
        return sent[0]["status"]

    async def all_at_once() -> list[int]:
        return list(await asyncio.gather(*(attempt() for _ in range(12))))

    assert sorted(asyncio.run(all_at_once())) == [400] * 5 + [429] * 7


def test_x_forwarded_for_does_not_reset_the_limit(embedder):
    with _login_app(embedder, 5) as url:
        codes = [_wrong(url, i, {"X-Forwarded-For": f"10.0.0.{i + 1}"}) for i in range(8)]
        assert codes == [400] * 5 + [429] * 3  # was 400 every time


def test_x_forwarded_for_is_used_from_a_trusted_proxy(embedder):
    with _login_app(embedder, 2, ui_trusted_proxies="127.0.0.1") as url:
        # behind the proxy, each client has its own count
        assert [_wrong(url, i, {"X-Forwarded-For": "10.0.0.1"}) for i in range(3)] == [
            400,
            400,
            429,
        ]
        assert _wrong(url, 9, {"X-Forwarded-For": "10.0.0.2"}) == 400


@pytest.fixture(scope="module")
def served(embedder):
    bot = Assistant(
        Settings(store_path=None, ui_allowed_hosts="news.example.org, http://plain.example:8080"),
        embedder=embedder,
    )
    bot.index([str(SAMPLE)])
    port = free_port(8600, 8700)
    app = launch(bot, "127.0.0.1", port, block=False)
    yield bot, f"http://127.0.0.1:{port}/", port
    app.close()


def test_an_origin_of_the_wrong_scheme_is_refused(served):
    bot, url, port = served
    for origin in (
        f"https://127.0.0.1:{port}",  # the reported one: accepted, and it removed an article
        f"ws://127.0.0.1:{port}",
        f"http://127.0.0.1:{port}0",
        "http://news.example.org",  # the configured name is https
        "https://plain.example:8080",  # this one is configured as http
        "https://plain.example",
    ):
        got = httpx.post(
            f"{url}gradio_api/call/remove", headers={"Origin": origin}, json={"data": [CNN_SOURCE]}
        )
        assert got.status_code == 403, origin
    assert CNN_SOURCE in {a.source for a in bot.articles()}
    for origin, host in (
        (f"http://127.0.0.1:{port}", f"127.0.0.1:{port}"),
        (f"http://localhost:{port}", f"localhost:{port}"),
        ("https://news.example.org", "news.example.org"),
        ("https://news.example.org:443", "news.example.org"),
        ("http://plain.example:8080", "plain.example:8080"),
    ):
        got = httpx.get(f"{url}gradio_api/info", headers={"Origin": origin, "Host": host})
        assert got.status_code == 200, origin


def test_origins_are_parsed_with_scheme_and_port():
    assert origin_of("https://News.Example.org") == ("https", "news.example.org", 443)
    assert origin_of("http://[::1]:7860") == ("http", "::1", 7860)
    assert origin_of("127.0.0.1:7860", "http") == ("http", "127.0.0.1", 7860)
    assert origin_of("ftp://x.example") is None and origin_of("http://x:99999") is None
    assert configured_origins("a.example, b.example:8443, http://c.example, ") == {
        ("https", "a.example", 443),
        ("https", "b.example", 8443),
        ("http", "c.example", 80),
    }
