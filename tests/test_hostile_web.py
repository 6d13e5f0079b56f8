"""Issue 15, medium and low rows of the web chat: history limits, Host and Origin checks (DNS
rebinding, cross-site requests), the article list read when a page loads, login attempts,
bidirectional controls in names and server paths in messages.

The real app through gradio_client, raw HTTP (httpx) where a header matters, and headless
Chromium where a page matters.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from conftest import ROOT, SAMPLE, free_port

from assistant import Assistant, Settings
from ui.app import launch, recent_history

CNN_SOURCE = str(SAMPLE / "000_16daae7c1b36e9cd.txt")


def _free_port() -> int:
    return free_port(8300, 8500)


def _client(url, **kwargs):
    from gradio_client import Client

    return Client(url, verbose=False, **kwargs)


@pytest.fixture(scope="module")
def served(embedder):
    bot = Assistant(
        Settings(store_path=None, ui_allowed_hosts="news.example.org, Proxy.Example.NET:443"),
        embedder=embedder,
    )
    bot.index([str(SAMPLE)])
    port = _free_port()
    app = launch(bot, "127.0.0.1", port, block=False)
    yield bot, f"http://127.0.0.1:{port}/", port
    app.close()


# -- history -----------------------------------------------------------------------------------


def test_huge_history_is_refused_quickly(served):
    _, url, _ = served
    history = [" ".join(f"Word{i}" for i in range(60_000))]  # 540 KB of capitalised words
    started = time.perf_counter()
    with pytest.raises(Exception, match=r"the history is 5[0-9,]+ characters long in all"):
        _client(url).predict("What did he say?", history, api_name="/ask")
    assert time.perf_counter() - started < 3  # was 6.9 s, and growing faster than linearly


@pytest.mark.parametrize(
    ("history", "message"),
    [
        (["Who is Musk?"] * 21, "the history holds 21 earlier questions; the limit is 20"),
        (["What did Musk say? " * 100] * 5, "characters long in all; the limit is 8,000"),
        (["Who is Musk?", "   "], "earlier question 2 of the history: the question is empty"),
        (["Who is Musk?", "?!"], "earlier question 2 of the history: the question has no words"),
    ],
)
def test_history_gets_the_checks_a_question_gets(served, history, message):
    _, url, _ = served
    with pytest.raises(Exception, match=message):
        _client(url).predict("What did he say?", history, api_name="/ask")


def test_history_within_limits_carries_the_subject(served):
    _, url, _ = served
    answer = _client(url).predict(
        "What did he say about Taiwan?", ["What did Elon Musk propose?"], api_name="/ask"
    )
    assert "Taiwan" in answer["answer"] and answer["citations"]


def test_python_api_checks_history_too(sample_bot):
    from assistant import InputError

    with pytest.raises(InputError, match="the history must be a list"):
        sample_bot.ask("What did he say?", history="Who is Musk?")
    with pytest.raises(InputError, match="the question must be text"):
        sample_bot.ask("What did he say?", history=["Who is Musk?", 3])


def test_web_chat_sends_only_the_recent_history():
    settings = Settings(store_path=None, max_history_turns=3, max_history_chars=30)
    assert recent_history(["a1", "b2", "c3", "d4"], settings) == ["b2", "c3", "d4"]
    assert recent_history(["x" * 20, "y" * 15, "z" * 10], settings) == ["y" * 15, "z" * 10]
    assert recent_history([], settings) == []


# -- Host and Origin -------------------------------------------------------------------------


def test_rebinding_host_is_refused(served):
    bot, url, port = served
    for path in ("/", "/gradio_api/info", "/config"):
        got = httpx.get(url.rstrip("/") + path, headers={"Host": "rebind.evil.example"})
        assert got.status_code == 403, (path, got.status_code)
        assert "Host" in got.text
    # the reported attack: remove an article through the API with a rebound name
    got = httpx.post(
        f"{url}gradio_api/call/remove",
        headers={"Host": f"rebind.evil.example:{port}", "Origin": "http://rebind.evil.example"},
        json={"data": [CNN_SOURCE]},
    )
    assert got.status_code == 403
    assert CNN_SOURCE in {a.source for a in bot.articles()}


def test_cross_site_posts_are_refused(served, tmp_path):
    bot, url, port = served
    files = {"files": ("evil.txt", b"Evil\n\nInjected article text.", "text/plain")}
    for origin in ("http://evil.example", "null", f"http://127.0.0.1:{port + 1}"):
        got = httpx.post(f"{url}gradio_api/upload", files=files, headers={"Origin": origin})
        assert got.status_code == 403, origin
    got = httpx.post(
        f"{url}gradio_api/call/remove",
        headers={"Origin": "http://evil.example"},
        json={"data": [CNN_SOURCE]},
    )
    assert got.status_code == 403
    got = httpx.post(
        f"{url}gradio_api/upload", files=files, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert got.status_code == 403
    # nor can a page elsewhere read the app (Gradio would allow it for a non-local name)
    for headers in (
        {"Origin": "http://evil.example"},
        {"Origin": "http://evil.example", "Host": "news.example.org"},
    ):
        got = httpx.get(f"{url}gradio_api/info", headers=headers)
        assert got.status_code == 403, headers
    assert CNN_SOURCE in {a.source for a in bot.articles()}


def test_same_origin_and_configured_names_are_served(served):
    _, url, port = served
    files = {"files": ("fine.txt", b"Fine\n\nA fine article.", "text/plain")}
    same = httpx.post(
        f"{url}gradio_api/upload", files=files, headers={"Origin": f"http://127.0.0.1:{port}"}
    )
    assert same.status_code == 200
    local = httpx.get(url, headers={"Host": f"localhost:{port}"})
    assert local.status_code == 200
    named = httpx.post(
        f"{url}gradio_api/upload",
        files=files,
        headers={"Host": "news.example.org", "Origin": "https://news.example.org"},
    )
    assert named.status_code == 200
    proxied = httpx.get(url, headers={"Host": "proxy.example.net"})
    assert proxied.status_code == 200
    # programs that send no Origin (gradio_client, curl) are not pages: they pass
    assert _client(url).predict("Who is Ian Bremmer?", api_name="/ask")["answerable"]


def test_allowed_hosts_setting_from_the_environment(monkeypatch):
    from ui.guard import allowed_names, configured_names

    monkeypatch.setenv("ASSISTANT_UI_ALLOWED_HOSTS", "a.example, B.example:8080,")
    s = Settings(store_path=None)
    assert configured_names(s.ui_allowed_hosts) == {"a.example", "b.example"}
    assert allowed_names("0.0.0.0", s.ui_allowed_hosts) == {
        "localhost",
        "0.0.0.0",
        "a.example",
        "b.example",
    }


# -- the article list --------------------------------------------------------------------------


def test_new_client_can_remove_what_another_uploaded(served, tmp_path):
    from gradio_client import handle_file

    bot, url, _ = served
    path = tmp_path / "late.txt"
    path.write_text("Late news\n\nThe late ferry to Riga was cancelled.", encoding="utf-8")
    status, _, _ = _client(url).predict([handle_file(str(path))], api_name="/upload")
    assert "✓ late.txt" in status
    note, table, _ = _client(url).predict("late.txt", api_name="/remove")  # a new client
    assert note == "Removed late.txt."
    assert "late.txt" not in {a.source for a in bot.articles()}
    assert "late.txt" not in str(table)
    note, _, _ = _client(url).predict("never-uploaded.txt", api_name="/remove")
    assert note == "never-uploaded.txt is not indexed."


def test_view_api_shows_no_server_paths(served):
    _, url, _ = served
    described = _client(url).view_api(return_format="str", print_info=False)
    assert str(ROOT) not in described and "/remove" in described


def test_a_new_page_lists_articles_uploaded_after_start_up(served, browser, tmp_path):
    from gradio_client import handle_file

    bot, url, _ = served
    path = tmp_path / "after-start.md"
    path.write_text("# Tram depot opens\n\nThe new tram depot in Turku opened.", "utf-8")
    status, _, _ = _client(url).predict([handle_file(str(path))], api_name="/upload")
    assert "✓ after-start.md" in status
    page = browser.new_page()
    try:
        page.goto(url)
        page.get_by_role("tab", name="Articles").click()
        page.wait_for_function(
            "() => (document.querySelector('#na-articles')?.innerText || '')"
            ".includes('Tram depot opens')",
            timeout=30000,
        )
        page.click("#na-pick input")
        page.wait_for_selector("ul[role=listbox] li:has-text('after-start.md')", timeout=10000)
        # the page's own requests (same origin) pass the guard: remove through the page
        page.click("ul[role=listbox] li:has-text('after-start.md')")
        page.click("#na-remove")
        page.wait_for_function(
            "() => (document.querySelector('#na-status textarea')?.value || '')"
            ".includes('Removed after-start.md')",
            timeout=30000,
        )
    finally:
        page.close()
    assert "after-start.md" not in {a.source for a in bot.articles()}


# -- names and paths ---------------------------------------------------------------------------


def test_bidi_controls_are_stripped_from_displayed_names(served, tmp_path):
    from gradio_client import handle_file

    from ui.render import display_source, display_title

    bot, url, _ = served
    assert display_source("report\u202etxt.exe") == "reporttxt.exe"
    assert display_title("\u2067Title\u2069 \u200fhere") == "Title here"
    path = tmp_path / "invoice\u202efdp.txt"
    path.write_text("Harbour \u202eevil\u202c news\n\nThe harbour fees rose.", encoding="utf-8")
    status, table, _ = _client(url).predict([handle_file(str(path))], api_name="/upload")
    assert "\u202e" not in status and "invoicefdp.txt" in status
    assert "invoicefdp.txt" in {a.source for a in bot.articles()}
    assert "\u202e" not in str(table) and "Harbour evil news" in str(table)
    bot.remove("invoicefdp.txt")


def test_error_messages_hide_server_paths(tmp_path):
    from ui.render import scrub_paths

    here = Path.cwd()
    message = f"cannot open the store {here / '.assistant' / 'store'}: bad; also /srv/x/y.txt"
    assert scrub_paths(message) == ("cannot open the store .assistant/store: bad; also y.txt")
    assert scrub_paths("see https://example.org/a/b") == "see https://example.org/a/b"


# -- logins ------------------------------------------------------------------------------------


@contextmanager
def _login_app(embedder, attempts: int) -> Iterator[str]:
    """An app behind the login "reader:s3cret" allowing `attempts` failures a minute; its URL."""
    bot = Assistant(
        Settings(store_path=None, ui_auth="reader:s3cret", ui_login_attempts=attempts),
        embedder=embedder,
    )
    port = _free_port()
    app = launch(bot, "127.0.0.1", port, block=False)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        app.close()


def test_failed_logins_are_rate_limited(embedder):
    with _login_app(embedder, 5) as url:
        codes = [
            httpx.post(f"{url}/login", data={"username": "reader", "password": f"x{i}"}).status_code
            for i in range(5)
        ]
        assert codes == [400] * 5
        locked = httpx.post(f"{url}/login", data={"username": "reader", "password": "wrong"})
        assert locked.status_code == 429 and "too many failed logins" in locked.text
        assert int(locked.headers["retry-after"]) <= 61
        # while locked, even the right password is refused: guessing cannot go on
        right = httpx.post(f"{url}/login", data={"username": "reader", "password": "s3cret"})
        assert right.status_code == 429
        with pytest.raises(Exception):  # noqa: B017 (gradio_client's own error for a refused login)
            _client(url + "/", auth=("reader", "s3cret"))
        # every data endpoint still needs a login
        assert httpx.post(f"{url}/gradio_api/call/ask", json={"data": ["Who?"]}).status_code in (
            401,
            403,
        )


def test_a_good_login_clears_earlier_failures(embedder):
    with _login_app(embedder, 3) as url:
        for _ in range(2):
            assert (
                httpx.post(f"{url}/login", data={"username": "r", "password": "x"}).status_code
                == 400
            )
        assert (
            httpx.post(
                f"{url}/login", data={"username": "reader", "password": "s3cret"}
            ).status_code
            == 200
        )
        for _ in range(2):
            assert (
                httpx.post(f"{url}/login", data={"username": "r", "password": "x"}).status_code
                == 400
            )
