"""Issue 29, medium rows of uploads: a name that is indexed with other content is refused unless
replacing is asked for (the Articles tab's checkbox, `--replace` in the CLI), confusable names
are shown marked, and an upload is capped in files and, with those waiting, in bytes held.

The real app through gradio_client, the CLI as a subprocess, the real model and Chroma.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import SAMPLE, free_port

from assistant import Assistant, InputError, Settings
from ui.app import launch
from ui.confusables import mark_confusables
from ui.render import display_source
from ui.uploads import UploadJobs

EXE = Path(sys.executable).with_name("assistant")


@pytest.fixture(scope="module")
def served(embedder):
    settings = Settings(store_path=None, ingest_max_files=5, ingest_max_queued_mb=1)
    bot = Assistant(settings, embedder=embedder)
    bot.index([str(SAMPLE)])
    port = free_port(8700, 8800)
    app = launch(bot, "127.0.0.1", port, block=False)
    yield bot, f"http://127.0.0.1:{port}/"
    app.close()


def _upload(url: str, *paths: Path, replace: bool | None = None):
    from gradio_client import Client, handle_file

    files = [handle_file(str(p)) for p in paths]
    args = (files,) if replace is None else (files, replace)
    return Client(url, verbose=False).predict(*args, api_name="/upload")


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_second_upload_of_the_same_name_is_refused_unless_asked(served, tmp_path):
    bot, url = served
    first = _write(
        tmp_path / "alice", "notes.txt", "Alice notes\n\nThe ferry to Hel sails at noon."
    )
    second = _write(tmp_path / "bob", "notes.txt", "Bob notes\n\nThe tram to Oliwa is late.")
    assert "✓ notes.txt: indexed" in _upload(url, first)[0]
    status = _upload(url, second)[0]
    assert status.startswith("✗ notes.txt: refused: an article named notes.txt (“Alice notes”)")
    assert "tick “Replace articles of the same name” to replace it" in status
    assert bot.article("notes.txt").title == "Alice notes"  # was: replaced, "indexed"
    assert "✓ notes.txt: unchanged" in _upload(url, first)[0]  # the same content is fine
    assert "✓ notes.txt: indexed" in _upload(url, second, replace=True)[0]
    assert bot.article("notes.txt").title == "Bob notes"
    bot.remove("notes.txt")


def test_a_jsonl_that_would_replace_a_record_is_refused(served, tmp_path):
    bot, url = served
    one = _write(tmp_path / "a", "feed.jsonl", '{"title": "One", "text": "The pier opened."}')
    two = _write(
        tmp_path / "b",
        "feed.jsonl",
        '{"title": "Uno", "text": "The pier closed."}\n{"title": "Dos", "text": "Rain."}',
    )
    assert "✓ feed.jsonl" in _upload(url, one)[0]
    status = _upload(url, two)[0]
    assert "✗ feed.jsonl: refused: an article named feed.jsonl#1 (“One”)" in status
    assert bot.article("feed.jsonl#1").title == "One"
    assert "feed.jsonl#2" not in {a.source for a in bot.articles()}  # all or nothing per file
    bot.remove("feed.jsonl#1")


def test_confusable_names_are_marked_where_they_are_shown(served, tmp_path):
    bot, url = served
    plain = _write(tmp_path / "p", "stale.txt", "Stale\n\nThe stale report.")
    spoof = _write(tmp_path / "s", "st\u0430le.txt", "Fresh\n\nThe fresh report.")
    _upload(url, plain)
    status, table, _ = _upload(url, spoof)
    marked = "st⟨\u0430 U+0430⟩le.txt"
    assert f"✓ {marked}: indexed" in status
    shown = [row[2] for row in table["data"]]
    assert "stale.txt" in shown and marked in shown  # was: two rows reading "stale.txt"
    assert {"st\u0430le.txt", "stale.txt"} <= {a.source for a in bot.articles()}
    for source in ("stale.txt", "st\u0430le.txt"):
        bot.remove(source)


def test_mark_confusables():
    assert mark_confusables("stale.txt") == "stale.txt"
    assert mark_confusables("p\u0430yp\u0430l.txt") == "p⟨а U+0430⟩yp⟨а U+0430⟩l.txt"
    assert mark_confusables("Москва-news.txt") == "Москва-news.txt"  # one script a word
    assert mark_confusables("café déjà vu.md") == "café déjà vu.md"
    assert mark_confusables("x\uff41.txt") == "x⟨ａ U+FF41⟩.txt"  # fullwidth is not Latin
    assert display_source("/srv/x/\u202est\u0430le.txt") == "st⟨а U+0430⟩le.txt"


def test_files_per_upload_are_capped(served, tmp_path):
    bot, url = served
    paths = [_write(tmp_path / "many", f"n{i}.txt", f"Note {i}\n\nNote {i}.") for i in range(6)]
    status = _upload(url, *paths)[0]
    assert status.startswith("✗ Refused: 6 files in one upload; the limit is 5 files per upload")
    assert "(ASSISTANT_INGEST_MAX_FILES)" in status
    assert not {f"n{i}.txt" for i in range(6)} & {a.source for a in bot.articles()}


def test_an_upload_over_the_bytes_held_is_refused(served, tmp_path):
    bot, url = served
    big = _write(tmp_path / "big", "big.txt", "Big\n\n" + "The quay was repaired. " * 60_000)
    status = _upload(url, big)[0]
    assert "refused: this upload is 1.3 MB; that is over the 1.0 MB" in status
    assert "(ASSISTANT_INGEST_MAX_QUEUED_MB)" in status
    assert "big.txt" not in {a.source for a in bot.articles()}


def test_bytes_held_by_waiting_uploads_are_bounded():
    """Narrow: the queue's own count, with a stand-in assistant that blocks."""
    import threading

    release = threading.Event()

    class Blocking:
        def upload(self, files, cancel, progress, replace=False):
            release.wait(30)
            from index.indexer import Cancelled

            raise Cancelled("cancelled")

    jobs = UploadJobs(Blocking(), max_bytes=3_000_000)  # type: ignore[arg-type]
    held = [jobs.start(str(i), [("x.txt", b"x" * 1_000_000)]) for i in range(3)]
    with pytest.raises(InputError, match=r"with the 2.9 MB of uploads waiting or being indexed"):
        jobs.start("late", [("y.txt", b"y" * 10)])
    release.set()
    for job in held:
        assert job.finished.wait(30)
    deadline = time.monotonic() + 10
    while jobs.running() and time.monotonic() < deadline:
        time.sleep(0.05)
    jobs.start("now", [("y.txt", b"y" * 10)]).finished.wait(30)  # room again


def _cli(store: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "ASSISTANT_STORE_PATH": str(store)}
    return subprocess.run([str(EXE), *args], capture_output=True, text=True, env=env, timeout=300)


def test_cli_index_refuses_other_content_under_an_indexed_name_unless_replace(tmp_path):
    store = tmp_path / "store"
    path = _write(tmp_path / "docs", "note.txt", "First note\n\nThe bridge opened on Monday.")
    assert _cli(store, "index", str(path)).returncode == 0
    path.write_text("Second note\n\nThe bridge closed on Friday.", encoding="utf-8")
    done = _cli(store, "index", str(path))
    assert done.returncode == 1, done.stdout  # nothing indexed: the only file was refused
    assert f"skipped {path}: refused: an article named {path} (“First note”)" in done.stderr
    assert "(use --replace to replace it)" in done.stderr
    done = _cli(store, "index", "--replace", str(path))
    assert done.returncode == 0 and "0 added, 1 replaced" in done.stdout, done.stderr
    bot = Assistant(Settings(store_path=store))
    assert bot.article(str(path)).title == "Second note"
