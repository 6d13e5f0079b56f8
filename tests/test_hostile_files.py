"""Issue 15: careless or hostile files and batches on the command line and in the loader.

FIFOs, devices and symlink loops are never opened and each is named with its reason; --sync
never removes articles because a folder could not be read; a batch that indexed nothing
because of errors exits non-zero; `ask -` answers every good line; JSON titles are bounded.
The CLI runs as a subprocess, as a user runs it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SAMPLE

from assistant import Assistant, InputError, Settings
from index.loader import MAX_TITLE_CHARS, Budget, LoadError, parse_bytes, read_regular, scan

EXE = Path(sys.executable).with_name("assistant")


def run(*args: str, store: Path, stdin: str | None = None, cwd: Path | None = None):
    env = {**os.environ, "ASSISTANT_STORE_PATH": str(store)}
    return subprocess.run(
        [str(EXE), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,  # a FIFO that was opened would hang here
        cwd=cwd,
    )


@pytest.fixture
def odd_folder(tmp_path) -> Path:
    """A folder with one good article and every kind of entry that must not be opened."""
    folder = tmp_path / "odd"
    folder.mkdir()
    (folder / "good.txt").write_text("Good news\n\nThe ferry to Riga runs again.", "utf-8")
    os.mkfifo(folder / "pipe.txt")
    (folder / "zero.txt").symlink_to("/dev/zero")
    (folder / "loop-a.txt").symlink_to(folder / "loop-b.txt")
    (folder / "loop-b.txt").symlink_to(folder / "loop-a.txt")
    (folder / "gone.txt").symlink_to(folder / "nowhere.txt")
    (folder / "sub").mkdir()
    (folder / "sub" / "back").symlink_to(folder)  # a folder loop
    return folder


def test_scan_names_every_entry_it_passes_over(odd_folder):
    found = scan([odd_folder])
    assert [f.source for f in found.files] == [str(odd_folder / "good.txt")]
    reasons = {Path(s.path).name: s.reason for s in found.skipped}
    assert reasons == {
        "gone.txt": "broken symlink (its target does not exist)",
        "loop-a.txt": "symlink loop",
        "loop-b.txt": "symlink loop",
        "pipe.txt": "not a regular file: a named pipe (FIFO)",
        "back": "symlink loop (it leads back to a folder above it)",
        "zero.txt": "not a regular file: a character device",
    }
    # a loop given directly is a loop, not "no such file"
    assert scan([odd_folder / "loop-a.txt"]).skipped[0].reason == "symlink loop"


def test_special_files_are_never_read(odd_folder):
    with pytest.raises(LoadError, match="character device"):
        read_regular(odd_folder / "zero.txt", 1 << 20)
    with pytest.raises(LoadError, match="FIFO"):
        read_regular(odd_folder / "pipe.txt", 1 << 20)
    big = odd_folder / "big.txt"
    big.write_bytes(b"x" * 2048)
    with pytest.raises(
        LoadError, match=r"the file is 2,048 bytes; the budget is 1,024 bytes per file"
    ):
        read_regular(big, 1024)


def test_cli_index_of_a_fifo_or_dev_zero_ends_with_a_reason(odd_folder, tmp_path):
    store = tmp_path / "store"
    for name, reason in (
        ("pipe.txt", "not a regular file: a named pipe (FIFO)"),
        ("zero.txt", "not a regular file: a character device"),
        ("loop-a.txt", "symlink loop"),
    ):
        done = run("index", name, store=store, cwd=odd_folder)
        assert done.returncode == 1, (name, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr and "MemoryError" not in done.stderr
        assert f"skipped {name}: {reason}" in done.stderr
        assert "error: nothing was indexed: 1 entry skipped" in done.stderr
        assert "Nothing changed" not in done.stdout


def test_cli_index_of_a_folder_names_each_skipped_entry(odd_folder, tmp_path):
    done = run("index", "odd", store=tmp_path / "store", cwd=odd_folder.parent)
    assert done.returncode == 0, done.stderr
    assert "1 added" in done.stdout and "6 skipped" in done.stdout
    for line in (
        "skipped odd/pipe.txt: not a regular file: a named pipe (FIFO)",
        "skipped odd/zero.txt: not a regular file: a character device",
        "skipped odd/loop-a.txt: symlink loop",
        "skipped odd/gone.txt: broken symlink",
        "skipped odd/sub/back: symlink loop (it leads back to a folder above it)",
    ):
        assert line in done.stderr, done.stderr


def test_a_batch_of_only_bad_files_exits_non_zero(tmp_path):
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\x00\x00")
    done = run("index", "binary.txt", store=tmp_path / "store", cwd=tmp_path)
    assert done.returncode == 1
    assert "skipped binary.txt: binary file" in done.stderr
    assert "Nothing changed" not in done.stdout


def _unreadable(folder: Path, monkeypatch) -> None:
    """Make `folder` unlistable: by its permissions, and (root reads anything) by refusing to
    list it, as the kernel would for another user."""
    folder.chmod(0)
    if os.geteuid() == 0:
        real = os.scandir

        def scandir(path="."):
            if Path(path) == folder:
                raise PermissionError(13, "Permission denied", str(path))
            return real(path)

        monkeypatch.setattr(os, "scandir", scandir)


def test_sync_stops_when_a_folder_cannot_be_read(embedder, tmp_path, monkeypatch):
    news = tmp_path / "news"
    (news / "sub").mkdir(parents=True)
    (news / "top.txt").write_text("Top story\n\nThe bridge opened.", "utf-8")
    (news / "sub" / "inner.txt").write_text("Inner story\n\nThe tunnel closed.", "utf-8")
    bot = Assistant(Settings(store_path=tmp_path / "store"), embedder=embedder)
    assert len(bot.index([news], sync=True).added) == 2
    before = {a.source for a in bot.articles()}
    _unreadable(news / "sub", monkeypatch)
    try:
        with pytest.raises(InputError) as caught:
            bot.index([news], sync=True)
        message = str(caught.value)
        assert message.startswith("sync stopped, nothing was changed: cannot read ")
        assert str(news / "sub") in message and "Permission denied" in message
        assert {a.source for a in bot.articles()} == before  # nothing removed
        # without --sync the readable rest is indexed and the folder is named as skipped
        report = bot.index([news])
        assert [(Path(s.path).name, s.reason) for s in report.skipped] == [
            ("sub", "unreadable folder: Permission denied")
        ]
        assert {a.source for a in bot.articles()} == before
    finally:
        (news / "sub").chmod(0o755)


def test_cli_sync_says_it_stopped(tmp_path, monkeypatch):
    """The CLI in process (root reads any folder; the refusal to list one is simulated)."""
    from typer.testing import CliRunner

    from ui.cli import app

    news = tmp_path / "news"
    (news / "sub").mkdir(parents=True)
    (news / "sub" / "inner.txt").write_text("Inner story\n\nThe tunnel closed.", "utf-8")
    (news / "top.txt").write_text("Top story\n\nThe bridge opened.", "utf-8")
    store = tmp_path / "store"
    monkeypatch.setenv("ASSISTANT_STORE_PATH", str(store))
    runner = CliRunner()
    first = runner.invoke(app, ["index", "--sync", str(news)])
    assert first.exit_code == 0 and "2 added" in first.stdout, first.output
    _unreadable(news / "sub", monkeypatch)
    try:
        done = runner.invoke(app, ["index", "--sync", str(news)])
    finally:
        (news / "sub").chmod(0o755)
    assert done.exit_code == 1, done.output
    assert "error: sync stopped, nothing was changed: cannot read" in done.output
    assert "removed" not in done.output.replace("nothing was changed", "")


def test_ask_batch_answers_every_good_line(tmp_path):
    store = tmp_path / "store"
    assert run("index", str(SAMPLE), store=store).returncode == 0
    stdin = "Who is Ian Bremmer?\n?!?\n\n" + "y" * 3000 + "\nWhat kind of firm is Eurasia Group?\n"
    done = run("ask", "-", "--json", store=store, stdin=stdin)
    assert done.returncode == 1
    objs = [json.loads(line) for line in done.stdout.splitlines()]
    assert [o["question"][:20] for o in objs] == [
        "Who is Ian Bremmer?",
        "?!?",
        "y" * 20,
        "What kind of firm is",
    ]
    assert objs[0]["answerable"] and objs[3]["answerable"]
    assert objs[1]["error"] == "question 2 (line 2): the question has no words in it"
    assert objs[2]["error"].startswith("question 3 (line 4): the question is 3000 characters")
    errors = [ln for ln in done.stderr.splitlines() if ln.startswith("error:")]
    assert errors == [
        "error: question 2 (line 2): the question has no words in it",
        "error: question 3 (line 4): the question is 3000 characters long; the limit is 2000",
    ]


def test_json_title_is_bounded(embedder):
    record = {"title": "T" * 5_000_000, "text": "The Riga ferry strike ended on Monday."}
    article = parse_bytes(json.dumps(record).encode(), "huge-title.json", ".json")[0]
    assert len(article.title) == MAX_TITLE_CHARS and article.title.endswith("…")
    html = b"<html><head><title>" + b"H" * 10_000 + b"</title></head><body>Body.</body></html>"
    assert len(parse_bytes(html, "p.html", ".html")[0].title) == MAX_TITLE_CHARS
    bot = Assistant(Settings(store_path=None), embedder=embedder)
    bot.add_document(json.dumps(record).encode(), source="huge-title.json")
    answer = bot.ask("When did the Riga ferry strike end?")
    assert answer.citations and len(json.dumps(answer.to_dict())) < 5_000  # was about 5 MB


def test_budget_values_are_checked():
    with pytest.raises(ValueError, match="max_records must be at least 1"):
        Budget(max_records=0)
