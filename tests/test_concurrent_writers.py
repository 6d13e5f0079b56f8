"""Several writers on one real `chroma run` server: two `assistant index` processes over
overlapping files while a reader asks, a sweep running beside an indexer, and two processes
replacing the same article with different texts. Afterwards no chunk is lost, none is
duplicated or left over, and every citation given meanwhile was exact."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from chroma_server import ChromaServer
from conftest import ROOT
from store_checks import assert_store_holds

from assistant import Assistant, Settings
from index.loader import find_files, load_file

EXE = Path(sys.executable).with_name("assistant")


@pytest.fixture
def server(tmp_path):
    srv = ChromaServer(tmp_path / "chroma").start()
    yield srv
    srv.stop()


def _settings(srv: ChromaServer) -> Settings:
    return Settings(chroma_host="127.0.0.1", chroma_port=srv.port, store_refresh_seconds=0)


def _env(srv: ChromaServer) -> dict:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "ASSISTANT_CHROMA_HOST": "127.0.0.1",
        "ASSISTANT_CHROMA_PORT": str(srv.port),
    }


def _corpus(folder: Path, n: int) -> list[Path]:
    from pydoc_data.topics import topics

    folder.mkdir(parents=True, exist_ok=True)
    bodies = [t for _, t in sorted(topics.items()) if len(t) > 2500][:n]
    paths = []
    for i, body in enumerate(bodies):
        path = folder / f"doc{i:02d}.txt"
        path.write_text(f"Report {i}\n\n" + body[:4000], encoding="utf-8")
        paths.append(path)
    return paths


def _index(srv: ChromaServer, paths: list[Path]) -> subprocess.Popen:
    return subprocess.Popen(
        [str(EXE), "index", *map(str, paths)],
        env=_env(srv),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _check_store(bot: Assistant, expected: dict) -> None:
    """Exactly the expected articles with exactly their chunks; no lease left behind."""
    bot.store.invalidate()
    assert_store_holds(bot, expected)
    leases = bot.store._articles.get(where={"kind": "lease"})
    assert leases["ids"] == []


def _reader(bot: Assistant, questions: list[str], stop: threading.Event, out: dict) -> None:
    """Ask until told to stop; count answers, errors and inexact citations."""
    n = 0
    while not stop.is_set():
        q = questions[n % len(questions)]
        n += 1
        try:
            answer = bot.ask(q)
        except Exception as exc:  # counted: the test's outcome is zero of these
            out["errors"].append(f"{q}: {exc}")
            continue
        out["answers"] += 1
        for c in (*answer.citations, *answer.nearest):
            if bot.article(c.source).text[c.start : c.end] != c.quote:
                out["inexact"] += 1


def test_two_indexers_and_a_reader_at_once(server, tmp_path, embedder):
    paths = _corpus(tmp_path / "news", 30)
    seed = _corpus(tmp_path / "seed", 1)  # so the reader has something from the start
    bot = Assistant(_settings(server), embedder=embedder)
    bot.index(seed)
    stop, out = threading.Event(), {"answers": 0, "errors": [], "inexact": 0}
    questions = ["What does the with statement do?", "How are exceptions raised?", "Report 7"]
    reader = threading.Thread(target=_reader, args=(bot, questions, stop, out))
    reader.start()
    try:
        # overlapping halves: files 10-19 are indexed by both at once
        first, second = _index(server, paths[:20]), _index(server, paths[10:])
        for proc in (first, second):
            _, err = proc.communicate(timeout=900)
            assert proc.returncode == 0, err
    finally:
        stop.set()
        reader.join(timeout=120)
    assert out["errors"] == [] and out["inexact"] == 0 and out["answers"] > 0
    expected = {a.source: a for f in find_files([*paths, *seed]) for a in load_file(f)}
    _check_store(bot, expected)


def test_a_sweep_beside_an_indexer_loses_nothing(server, tmp_path, embedder):
    paths = _corpus(tmp_path / "news", 24)
    bot = Assistant(_settings(server), embedder=embedder)
    proc = _index(server, paths)
    sweeps = 0
    while proc.poll() is None:
        # the thorough sweep, which checks every chunk: it must leave the running
        # indexer's uncommitted chunks alone
        bot.store.sweep(full=True)
        sweeps += 1
        time.sleep(0.05)
    assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
    assert sweeps > 3
    expected = {a.source: a for f in find_files(paths) for a in load_file(f)}
    _check_store(bot, expected)


WRITER = textwrap.dedent(
    """
    import sys
    from assistant import Assistant, Settings
    bot = Assistant(Settings(store_refresh_seconds=0))
    tag = sys.argv[1]
    for i in range(12):
        text = f"Shared {tag} {i}\\n\\n" + " ".join(
            f"Sentence {j} of version {i} by writer {tag} says the tide was {j + i} metres."
            for j in range(40)
        )
        bot.add_document(text, "shared.txt")
    print(text)
    """
)


def test_two_processes_replacing_one_article_stay_consistent(server, tmp_path, embedder):
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, tag],
            env=_env(server),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag in ("a", "b")
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=900)
        assert proc.returncode == 0, err
    bot = Assistant(_settings(server), embedder=embedder)
    [info] = bot.articles()  # the last commit won, whichever it was
    text = bot.article("shared.txt").text
    from index.records import Article

    _check_store(bot, {"shared.txt": Article("shared.txt", info.title, text)})
    answer = bot.ask("How high was the tide in sentence 3?")
    for c in answer.citations:
        assert text[c.start : c.end] == c.quote
