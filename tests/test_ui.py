"""The real Gradio app: through gradio_client, and in headless Chromium with Playwright."""

from __future__ import annotations

import shutil
import statistics
import threading
import time
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE

from assistant import Assistant, ConfigError, Settings
from ui.app import launch, port_free

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = ROOT / "docs" / "screenshots"
XSS = (
    "Harbour council news\n\n"
    "The harbour council of Gdynia voted on <script>window.__xss = 1; alert(1)</script> "
    "a new ferry timetable on Monday.\n\n"
    'A spokesman wrote <img src=x onerror="window.__xss = 2; alert(2)"> in the ferry notice.'
)


def _free_port() -> int:
    for port in range(7900, 8100):
        if port_free("127.0.0.1", port):
            return port
    raise RuntimeError("no free port")


@pytest.fixture(scope="module")
def served(embedder, tmp_path_factory):
    bot = Assistant(Settings(store_path=None), embedder=embedder)
    bot.index([str(SAMPLE)])
    bot.add_document(XSS, source="xss.txt")
    port = _free_port()
    app = launch(bot, "127.0.0.1", port, block=False)
    yield bot, f"http://127.0.0.1:{port}/", port
    app.close()


def test_taken_port_is_a_clear_error(served):
    bot, _, port = served
    assert bot.articles()
    with pytest.raises(ConfigError, match=f"port {port} on 127.0.0.1 is taken"):
        launch(bot, "127.0.0.1", port, block=False)


def test_client_ask_returns_exact_citations(served):
    from gradio_client import Client

    bot, url, _ = served
    result = Client(url, verbose=False).predict(
        "Which news outlet obtained a copy of Bremmer's subscriber email?", api_name="/ask"
    )
    assert result["answerable"] and "Vice News" in result["answer"]
    assert set(result) >= {"question", "answer", "citations", "conflicts", "timings_ms"}
    for c in result["citations"]:
        assert bot.article(c["source"]).text[c["start"] : c["end"]] == c["quote"]


def test_client_upload_then_ask(served, tmp_path):
    from gradio_client import Client, handle_file

    bot, url, _ = served
    article = tmp_path / "ferry.txt"
    article.write_text(
        "Ferry strike\n\nFerry workers in Tallinn went on strike on Friday over pay.",
        encoding="utf-8",
    )
    client = Client(url, verbose=False)
    status, _, _ = client.predict([handle_file(str(article))], api_name="/upload")
    assert "✓ ferry.txt" in status
    answer = client.predict("Why did ferry workers in Tallinn strike?", api_name="/ask")
    assert answer["answerable"] and answer["citations"][0]["source"] == "ferry.txt"
    bad = tmp_path / "notes.pdf"
    bad.write_bytes(b"%PDF-1.4")
    with pytest.raises(Exception, match="Invalid file type"):
        client.predict([handle_file(str(bad))], api_name="/upload")
    too_big = tmp_path / "big.txt"
    too_big.write_bytes(b"word " * (11 * 1024 * 1024 // 5))
    with pytest.raises(Exception, match=r"(?i)file size|too large|exceeds"):
        client.predict([handle_file(str(too_big))], api_name="/upload")
    assert "big.txt" not in [a.source for a in bot.articles()]


def test_eight_concurrent_clients_get_their_own_answers(served):
    from gradio_client import Client

    bot, url, _ = served
    questions = {
        "Where was The Weekend festival held?": "Aspen",
        "What did Musk propose for Taiwan?": "Taiwan",
        "Which news outlet obtained a copy of Bremmer's subscriber email?": "Vice News",
        "What has Starlink allowed Ukraine to keep?": "Internet",
        "Which US official said Musk was not speaking for the Biden administration?": "Kirby",
        "What kind of firm is Eurasia Group?": "risk",
        "Who is the Kremlin spokesman quoted about Musk's proposal?": "Peskov",
        "What did Musk tweet in response to Bremer?": "trust",
    }
    results: dict[str, dict] = {}
    errors: list[Exception] = []

    def worker(q: str) -> None:
        try:
            results[q] = Client(url, verbose=False).predict(q, api_name="/ask")
        except Exception as exc:  # collected, and the test fails with them below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(q,)) for q in questions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    for q, expected in questions.items():
        assert results[q]["question"] == q
        assert expected in results[q]["answer"], (q, results[q]["answer"])
        for c in results[q]["citations"]:
            assert bot.article(c["source"]).text[c["start"] : c["end"]] == c["quote"]


@pytest.fixture(scope="module")
def page(served):
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 1200})
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.dialogs = dialogs
        page.goto(served[1])
        page.wait_for_selector("#na-question textarea")
        yield page
        browser.close()


def _ask(page, question: str) -> float:
    before = page.locator("#na-transcript .na-turn").count()
    page.fill("#na-question textarea", question)
    started = time.perf_counter()
    page.keyboard.press("Enter")
    page.wait_for_function(
        "([n]) => document.querySelectorAll('#na-transcript .na-turn').length > n"
        " && !document.querySelector('#na-transcript .na-turn i')",
        arg=[before],
        timeout=30000,
    )
    return time.perf_counter() - started


def test_browser_answer_citation_click_and_disagreement(page, capsys):
    SHOTS.mkdir(parents=True, exist_ok=True)
    _ask(page, "Does the peace plan call for Ukraine to remain neutral?")
    newest = page.locator("#na-transcript .na-turn").first
    assert "neutrality" in newest.locator(".na-a").inner_text()
    cite = newest.locator("a.na-cite").first
    cite.click()
    active = page.locator(".na-passage.na-active")
    assert active.count() == 1 and active.locator("mark").inner_text()
    panel = newest.locator(".na-conflicts")
    assert panel.count() == 1 and "Sources disagree" in panel.inner_text()
    assert "does not remain neutral" in panel.inner_text()
    assert panel.locator("mark").count() == 2  # both sides highlighted in context
    page.screenshot(path=str(SHOTS / "chat.png"))
    # time from Enter to a complete answer on screen, over several questions
    times = [
        _ask(page, q)
        for q in (
            "Where was The Weekend festival held?",
            "What did Musk propose for Taiwan?",
            "What kind of firm is Eurasia Group?",
            "Who is the Kremlin spokesman?",
            "What did Kirby say about Zelensky?",
        )
    ]
    with capsys.disabled():
        print(
            f"\nbrowser: Enter to answer on screen, median {statistics.median(times):.2f} s "
            f"(target <= 1 s) over {len(times)} questions: " + ", ".join(f"{t:.2f}" for t in times)
        )


def test_browser_not_answered_shows_nearest(page):
    _ask(page, "What is Tesla's current share price?")
    newest = page.locator("#na-transcript .na-turn").first
    assert "do not say" in newest.inner_text()
    assert "Nearest passages" in newest.inner_text()


def test_browser_xss_is_shown_not_run(page):
    _ask(page, "What did the harbour council of Gdynia vote on?")
    text = page.locator("#na-transcript").inner_text()
    assert "<script>window.__xss = 1; alert(1)</script>" in text
    page.get_by_role("tab", name="Articles").click()
    page.wait_for_selector("#na-articles")
    assert page.evaluate("window.__xss === undefined")
    assert page.dialogs == []


def test_browser_disagreements_tab_and_upload(page, tmp_path):
    page.get_by_role("tab", name="Disagreements").click()
    page.wait_for_selector("#na-disagreements .na-conflicts")
    assert "Name spelled differently" in page.locator("#na-disagreements").inner_text()
    page.screenshot(path=str(SHOTS / "disagreements.png"))
    page.get_by_role("tab", name="Articles").click()
    upload = tmp_path / "bridge.md"
    upload.write_text("# Bridge reopens\n\nThe Oresund bridge reopened on Sunday.", "utf-8")
    page.set_input_files("#na-upload input[type=file]", str(upload))
    page.click("#na-index")
    page.wait_for_function(
        "() => (document.querySelector('#na-status textarea')?.value || '').includes('bridge.md')",
        timeout=30000,
    )
    assert "✓ bridge.md" in page.input_value("#na-status textarea")
    assert "Bridge reopens" in page.locator("#na-articles").inner_text()


def test_login_is_required_when_configured(embedder):
    from gradio_client import Client

    bot = Assistant(Settings(store_path=None, ui_auth="reader:s3cret"), embedder=embedder)
    bot.index([str(SAMPLE)])
    port = _free_port()
    app = launch(bot, "127.0.0.1", port, block=False)
    try:
        url = f"http://127.0.0.1:{port}/"
        with pytest.raises(Exception):  # noqa: B017 (any refusal will do: it must not answer)
            Client(url, verbose=False).predict("Who is Ian Bremmer?", api_name="/ask")
        client = Client(url, auth=("reader", "s3cret"), verbose=False)
        assert client.predict("Who is Ian Bremmer?", api_name="/ask")["answerable"]
    finally:
        app.close()


def test_generated_answer_modes_are_shown_escaped(sample_bot):
    import dataclasses

    from ui import render

    base = sample_bot.ask("What kind of firm is Eurasia Group?")
    fell_back = dataclasses.replace(
        base, mode="extractive_fallback", notice="rejected: <b>no citation</b>"
    )
    html = render.turn(base.question, fell_back, sample_bot.article, "t1")
    assert "replaced by quoted sentences" in html and "&lt;b&gt;no citation" in html
    checked = render.turn(
        base.question, dataclasses.replace(base, mode="llm"), sample_bot.article, "t2"
    )
    assert "checked against the sources" in checked
