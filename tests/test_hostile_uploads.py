"""Issue 15, high: uploads cannot tie up the server. Budgets refuse what is too big before any
work is done; accepted uploads are indexed in the background with progress, can be cancelled,
and are all or nothing (cancelled or killed: none of their articles stay).

The real app through gradio_client, the real model and an embedded Chroma store on disk.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE, free_port

from assistant import Assistant, Settings
from ui.app import launch

CHUNK_BUDGET = 1200


def _free_port() -> int:
    return free_port(8100, 8300)


@pytest.fixture(scope="module")
def served(embedder, tmp_path_factory):
    store = tmp_path_factory.mktemp("hostile-uploads") / "store"
    bot = Assistant(Settings(store_path=store, ingest_max_chunks=CHUNK_BUDGET), embedder=embedder)
    bot.index([str(SAMPLE)])
    port = _free_port()
    app = launch(bot, "127.0.0.1", port, block=False)
    yield bot, f"http://127.0.0.1:{port}/"
    app.close()


def _client(url):
    from gradio_client import Client

    return Client(url, verbose=False)


def _sources(bot) -> set[str]:
    return {a.source for a in bot.articles()}


def _chunk_sources(bot) -> set[str]:
    return {c.source for c in bot.store.all_chunks()}


def _records(n: int, sentences: int = 1, word: str = "w") -> bytes:
    lines = []
    for i in range(n):
        body = " ".join(
            f"The {word} council of town {i} voted on measure {j} about ferries."
            for j in range(sentences)
        )
        lines.append(json.dumps({"title": f"t{i}", "text": body}))
    return "\n".join(lines).encode()


def test_200k_record_file_is_refused_at_once_naming_the_budget(served, tmp_path):
    from gradio_client import handle_file

    bot, url = served
    big = tmp_path / "flood.jsonl"
    big.write_bytes(
        "\n".join(json.dumps({"title": f"t{i}", "text": f"w{i}."}) for i in range(200_000)).encode()
    )
    assert 7_000_000 < big.stat().st_size < 10_000_000  # under the 10 MB upload limit
    started = time.perf_counter()
    status, _, _ = _client(url).predict([handle_file(str(big))], api_name="/upload")
    took = time.perf_counter() - started
    assert "✗ flood.jsonl: refused: the file holds 200,000 records" in status
    assert "the budget is 1,000 records per file (ASSISTANT_INGEST_MAX_RECORDS)" in status
    assert took < 30, took  # was: over an hour
    assert not any(s.startswith("flood.jsonl") for s in _sources(bot))


def test_chunk_budget_per_upload(served, tmp_path):
    from gradio_client import handle_file

    bot, url = served
    sentence = "Sentence number {} of the long report says something about harbour {}."
    text = "Long report\n\n" + " ".join(sentence.format(i, i) for i in range(120_000))
    path = tmp_path / "long.txt"
    path.write_text(text, encoding="utf-8")  # 9 MB: about 16,000 chunks
    started = time.perf_counter()
    status, _, _ = _client(url).predict([handle_file(str(path))], api_name="/upload")
    assert time.perf_counter() - started < 15  # refused before chunking (20 s on its own)
    assert "✗ long.txt: refused: it makes at least 13," in status
    assert (
        f"the budget is {CHUNK_BUDGET:,} chunks per upload (ASSISTANT_INGEST_MAX_CHUNKS)" in status
    )
    assert "long.txt" not in _sources(bot)
    # just over the budget: chunked, then refused with the exact count
    near = "Near\n\n" + " ".join(sentence.format(i, i) for i in range(9_000))
    path = tmp_path / "near.txt"
    path.write_text(near, encoding="utf-8")
    status, _, _ = _client(url).predict([handle_file(str(path))], api_name="/upload")
    assert "✗ near.txt: refused: it makes 1," in status and "at least" not in status
    assert "near.txt" not in _sources(bot)


def _peak_rss() -> int:
    """The process's peak resident memory (kB) since the last reset."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _reset_peak_rss() -> int:
    """Reset the peak to the current resident memory (Linux), and return it (kB)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
    return _peak_rss()


def test_deep_html_is_refused_before_it_is_parsed(served, tmp_path):
    from gradio_client import handle_file

    _, url = served
    page = tmp_path / "deep.html"
    page.write_bytes(b"<div>" * 1_000_000)  # 5 MB of unclosed elements
    before = _reset_peak_rss()  # the server is this process
    started = time.perf_counter()
    status, _, _ = _client(url).predict([handle_file(str(page))], api_name="/upload")
    took = time.perf_counter() - started
    grown_mb = (_peak_rss() - before) / 1024
    assert "✗ deep.html: refused: the HTML nests elements more than 500 deep" in status
    assert "(ASSISTANT_INGEST_MAX_DEPTH)" in status
    assert took < 10, took  # was 15 s
    assert grown_mb < 150, grown_mb  # was 600 MB, never given back
    nested = tmp_path / "nested.json"
    nested.write_text("[" * 600 + "]" * 600, encoding="utf-8")
    status, _, _ = _client(url).predict([handle_file(str(nested))], api_name="/upload")
    assert "✗ nested.json: refused: JSON is nested more than 500 levels deep" in status
    wide = tmp_path / "wide.html"
    wide.write_text("<p>x</p>" * 150_000, encoding="utf-8")
    status, _, _ = _client(url).predict([handle_file(str(wide))], api_name="/upload")
    assert "more than 100,000 elements" in status and "(ASSISTANT_INGEST_MAX_NODES)" in status


def test_upload_reports_progress_then_indexes_and_drops_the_temporary_file(served, tmp_path):
    from gradio_client import handle_file

    bot, url = served
    path = tmp_path / "progress-feed.jsonl"
    path.write_bytes(_records(300, sentences=2, word="ferry"))
    job = _client(url).submit([handle_file(str(path))], api_name="/upload")
    status, _, _ = job.result(timeout=600)
    assert "✓ progress-feed.jsonl: 300 articles indexed (300 chunks)" in status
    updates = [out[0] for out in job.outputs()]
    assert any("Indexing progress-feed.jsonl: embedding" in u for u in updates), updates
    assert {f"progress-feed.jsonl#{i}" for i in range(1, 301)} <= _sources(bot)
    import gradio as gr

    left = list(Path(gr.utils.get_upload_folder()).rglob("progress-feed.jsonl"))
    assert left == []  # the temporary copy is deleted once indexed


def _wait_for(job, text: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(text in out[0] for out in job.outputs()):
            return
        if job.done():
            raise AssertionError(f"finished before {text!r}: {job.outputs()[-1:]}")
        time.sleep(0.2)
    raise AssertionError(f"no {text!r} within {timeout} s")


def test_cancel_keeps_none_of_the_upload_and_questions_are_answered_meanwhile(served, tmp_path):
    from gradio_client import handle_file

    bot, url = served
    before_articles, before_chunks = _sources(bot), _chunk_sources(bot)
    path = tmp_path / "cancel-me.jsonl"
    path.write_bytes(_records(900, sentences=3, word="tram"))
    client = _client(url)
    job = client.submit([handle_file(str(path))], api_name="/upload")
    _wait_for(job, "embedding")
    # the server answers while the upload runs
    asker = _client(url)
    for _ in range(3):
        started = time.perf_counter()
        answer = asker.predict("Which news outlet obtained Bremmer's email?", api_name="/ask")
        assert "Vice News" in answer["answer"]
        assert time.perf_counter() - started < 10
    note = client.predict(api_name="/cancel_upload")
    assert "Cancelling" in note
    status, _, _ = job.result(timeout=120)
    assert "✗ Upload cancelled" in status and "none of its articles were kept" in status
    assert _sources(bot) == before_articles
    assert _chunk_sources(bot) == before_chunks  # no chunk of it left behind either
    # another client cannot cancel what it did not start
    assert "No upload is running" in _client(url).predict(api_name="/cancel_upload")


KILLED_UPLOAD = """
import json, os, signal, sys
sys.path.insert(0, {root!r})
from assistant import Assistant, Settings
from index.chroma_store import ChromaStore

store, when = sys.argv[1], sys.argv[2]
bot = Assistant(Settings(store_path=store))
text = "The bus depot {{}} closed on Friday after a strike."
lines = [json.dumps({{"title": f"t{{i}}", "text": text.format(i)}}) for i in range(800)]
original = ChromaStore.put_articles

def put_then_die(self, items, between=None):
    original(self, items, between)
    os.kill(os.getpid(), signal.SIGKILL)  # committed, marker not yet removed

def die_while_writing(stage, done, total):
    if stage == "writing" and done >= 500:
        os.kill(os.getpid(), signal.SIGKILL)  # some chunks written, nothing committed

if when == "after-commit":
    ChromaStore.put_articles = put_then_die
progress = die_while_writing if when == "while-writing" else None
bot.upload([("killed.jsonl", "\\n".join(lines).encode())], progress=progress)
print("not killed")
"""


@pytest.mark.parametrize("when", ["while-writing", "after-commit"])
def test_a_killed_upload_leaves_none_of_its_articles_after_restart(embedder, tmp_path, when):
    store = tmp_path / "store"
    bot = Assistant(Settings(store_path=store), embedder=embedder)
    bot.index([str(SAMPLE)])
    kept = _sources(bot)
    del bot
    script = tmp_path / "kill.py"
    script.write_text(KILLED_UPLOAD.format(root=str(ROOT)), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script), str(store), when], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == -9, (done.returncode, done.stdout, done.stderr[-2000:])
    markers = list((store / "uploads-in-progress").glob("*.upload.json"))
    assert len(markers) == 1
    reopened = Assistant(Settings(store_path=store), embedder=embedder)
    if when == "after-commit":  # what a reader would have seen before the restart
        assert any(s.startswith("killed.jsonl#") for s in _sources(reopened))
    port = _free_port()
    app = launch(reopened, "127.0.0.1", port, block=False)  # start-up undoes it
    try:
        assert _sources(reopened) == kept
        assert not any(s.startswith("killed.jsonl") for s in _chunk_sources(reopened))
        assert not list((store / "uploads-in-progress").glob("*.upload.json"))
        answer = _client(f"http://127.0.0.1:{port}/").predict(
            "Which bus depot closed on Friday?", api_name="/ask"
        )
        assert all(not c["source"].startswith("killed") for c in answer["citations"])
    finally:
        app.close()


def test_live_uploads_of_another_process_are_not_undone(embedder, tmp_path):
    """A marker of a process that is still running (another chat on the same store) stays."""
    store = tmp_path / "store"
    bot = Assistant(Settings(store_path=store), embedder=embedder)
    bot.add_document("Depot news\n\nThe bus depot closed.", source="live.txt")
    folder = store / "uploads-in-progress"
    folder.mkdir()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        marker = folder / f"{sleeper.pid}-x.upload.json"
        marker.write_text(json.dumps({"pid": sleeper.pid, "sources": ["live.txt"]}), "utf-8")
        assert bot.recover_uploads() == []
        assert marker.exists() and "live.txt" in _sources(bot)
    finally:
        sleeper.kill()
        sleeper.wait()
    assert bot.recover_uploads() == ["live.txt"]
    assert not marker.exists() and "live.txt" not in _sources(bot)


def test_budgets_are_settings(monkeypatch):
    monkeypatch.setenv("ASSISTANT_INGEST_MAX_RECORDS", "5")
    monkeypatch.setenv("ASSISTANT_INGEST_MAX_CHUNKS", "7")
    s = Settings(store_path=None)
    assert (s.ingest_max_records, s.ingest_max_chunks) == (5, 7)
    assert (s.ingest_max_depth, s.ingest_max_nodes, s.ingest_max_file_mb) == (500, 100_000, 50.0)


def test_budget_applies_to_the_cli_and_add_document(fake_embedder, tmp_path):
    from assistant import InputError

    bot = Assistant(Settings(store_path=None, ingest_max_records=3), embedder=fake_embedder)
    with pytest.raises(InputError, match=r"holds 4 records; the budget is 3 records per file"):
        bot.add_document(_records(4), source="four.jsonl")
    (tmp_path / "four.jsonl").write_bytes(_records(4))
    report = bot.index([str(tmp_path)])
    assert [s.path for s in report.skipped] == [str(tmp_path / "four.jsonl")]
    assert os.path.basename(report.skipped[0].path) == "four.jsonl"
    assert "ASSISTANT_INGEST_MAX_RECORDS" in report.skipped[0].reason


def test_waiting_uploads_are_bounded_and_cancel_reaches_queued_ones():
    """A narrow unit test of the queue (a stand-in for the assistant that blocks)."""
    import threading

    from assistant import InputError
    from ui.uploads import MAX_PENDING, UploadJobs

    release = threading.Event()

    class Blocking:
        def upload(self, files, cancel, progress, replace=False):
            release.wait(30)
            if cancel.is_set():
                from index.indexer import Cancelled

                raise Cancelled("cancelled")
            raise AssertionError("not reached in this test")

    jobs = UploadJobs(Blocking())  # type: ignore[arg-type]
    started = [jobs.start("a" if i % 2 else "b", [("x.txt", b"x")]) for i in range(MAX_PENDING)]
    with pytest.raises(InputError, match=f"{MAX_PENDING} uploads are already waiting"):
        jobs.start("c", [("y.txt", b"y")])
    assert len(jobs.cancel("a")) == MAX_PENDING // 2
    assert len(jobs.cancel("b")) == MAX_PENDING // 2
    release.set()
    for job in started:
        assert job.finished.wait(30) and job.cancelled
    assert jobs.running() == []


def test_gradio_cache_of_uploads_is_cleaned(served):
    bot, _ = served
    from ui.app import build_app

    assert build_app(bot).delete_cache == (600, 3600)


def test_browser_shows_progress_and_cancels(served, browser, tmp_path):
    bot, url = served
    before = _sources(bot)
    path = tmp_path / "browser-feed.jsonl"
    path.write_bytes(_records(900, sentences=3, word="canal"))
    page = browser.new_page(viewport={"width": 1280, "height": 1200})
    status = "() => document.querySelector('#na-status textarea')?.value || ''"
    try:
        page.goto(url)
        page.get_by_role("tab", name="Articles").click()
        page.set_input_files("#na-upload input[type=file]", str(path))
        page.click("#na-index")
        page.wait_for_function(f"({status})().includes('embedding')", timeout=120000)
        shown = page.evaluate(status)
        assert "Indexing browser-feed.jsonl: embedding" in shown and "%" in shown
        page.click("#na-cancel")
        page.wait_for_function(f"({status})().includes('Upload cancelled')", timeout=120000)
        assert "none of its articles were kept" in page.evaluate(status)
    finally:
        page.close()
    assert _sources(bot) == before
