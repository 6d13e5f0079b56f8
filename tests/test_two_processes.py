"""Two real processes sharing one embedded store (issue 16): a long-lived serving process, like
the web chat, and `assistant index` run from a second terminal. The server must answer from
what the other process indexed, without a restart: on a store that was empty when it started
(no HNSW segment on disk then) and on one that was already indexed (its in-memory index
does not hold the new vectors)."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

EXE = Path(sys.executable).with_name("assistant")
ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 120  # seconds for one step (loading the model, indexing, answering)

# The serving process: one Assistant, kept open; a question per stdin line, a JSON line back.
SERVER = textwrap.dedent(
    """
    import json, sys
    from assistant import Assistant, Settings
    bot = Assistant(Settings())
    print(json.dumps({"ready": [a.source for a in bot.articles()]}), flush=True)
    for line in sys.stdin:
        try:
            out = bot.ask(line.strip()).to_dict()
        except Exception as exc:  # reported, so the test shows the error itself
            out = {"error": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(out), flush=True)
    """
)

# Article B: made-up news with distinctive facts, indexed by the second process.
FERRY = """Ferry returns to Tolvik

The Tolvik ferry Marrow Gull resumed service on Thursday after a winter of repairs.
Its new captain, Edda Sorensen, said the crossing to Hessel Island now takes 47 minutes.
The boat carries 212 passengers and runs four times a day until October.
"""
# Articles A: other ferry stories, so that the question's words are in them too. Found by the
# keyword index alone, as a stale vector index leaves it, B would rank below all of them.
ROUTES = [
    ("Skarholm", 35),
    ("Brannock Point", 52),
    ("Vellis", 28),
    ("Orrin Sound", 64),
    ("Dunmere", 41),
    ("Kelp Rock", 19),
    ("Aldwick", 73),
    ("Tern Haven", 56),
]


def route(place: str, minutes: int) -> str:
    return (
        f"Ferry to {place} keeps its timetable\n\nThe ferry to {place} kept its timetable this "
        f"week. The crossing to {place} takes {minutes} minutes, the operator said, and the boat "
        "sails three times a day.\n"
    )


FERRY_QUESTION = "How long does the crossing to Hessel Island take?"
VELLIS_QUESTION = "How long does the crossing to Vellis take?"


class Server:
    """The serving process, read through a thread so no step can hang the test."""

    def __init__(self, env: dict[str, str]):
        self.proc = subprocess.Popen(
            [sys.executable, "-c", SERVER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.errors: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()
        threading.Thread(target=self._drain, daemon=True).start()

    def _pump(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line)

    def _drain(self) -> None:
        for line in self.proc.stderr:
            self.errors.append(line)

    def read(self) -> dict:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            try:
                return json.loads(self.lines.get(timeout=0.5))
            except queue.Empty:
                if self.proc.poll() is not None and self.lines.empty():
                    break  # it died: say why at once
        raise AssertionError(f"no reply from the server; stderr: {''.join(self.errors)}")

    def ask(self, question: str) -> dict:
        self.proc.stdin.write(question + "\n")
        self.proc.stdin.flush()
        return self.read()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=20)


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    return {
        **os.environ,
        "ASSISTANT_STORE_PATH": str(tmp_path / "store"),
        "ASSISTANT_STORE_REFRESH_SECONDS": "0.2",
    }


@pytest.fixture
def server_factory(env) -> Iterator:
    servers: list[Server] = []

    def start() -> Server:
        servers.append(Server(env))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def index(folder: Path, env: dict[str, str]) -> None:
    done = subprocess.run(
        [str(EXE), "index", str(folder)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=TIMEOUT,
    )
    assert done.returncode == 0, done.stderr


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name


def assert_cites(reply: dict, source: Path, fact: str) -> None:
    assert "error" not in reply, reply.get("error")
    assert reply["answerable"], reply["answer"]
    assert fact in reply["answer"], reply["answer"]
    assert reply["citations"] and {c["source"] for c in reply["citations"]} == {str(source)}
    assert any(fact in c["quote"] for c in reply["citations"])


def test_server_started_on_an_empty_store_answers_from_another_process(
    tmp_path, env, server_factory
):
    server = server_factory()
    assert server.read() == {"ready": []}
    before = server.ask(FERRY_QUESTION)  # nothing indexed yet: it says so
    assert "error" not in before and not before["answerable"]
    ferry = write(tmp_path / "news", "ferry.txt", FERRY)
    index(tmp_path / "news", env)  # the second process
    assert_cites(server.ask(FERRY_QUESTION), ferry, "47 minutes")
    assert_cites(server.ask(FERRY_QUESTION), ferry, "47 minutes")  # and it stays so


def test_server_on_an_indexed_store_finds_an_article_another_process_added(
    tmp_path, env, server_factory
):
    first = [write(tmp_path / "first", f"route{i}.txt", route(*r)) for i, r in enumerate(ROUTES)]
    index(tmp_path / "first", env)
    server = server_factory()
    assert server.read() == {"ready": sorted(str(f) for f in first)}
    assert_cites(server.ask(VELLIS_QUESTION), first[2], "28 minutes")
    ferry = write(tmp_path / "second", "ferry.txt", FERRY)
    index(tmp_path / "second", env)  # the second process adds B
    assert_cites(server.ask(FERRY_QUESTION), ferry, "47 minutes")
    assert_cites(server.ask(VELLIS_QUESTION), first[2], "28 minutes")  # A still found


def test_only_another_processs_write_makes_a_store_read_the_disk_again(
    tmp_path, env, embedder, monkeypatch
):
    """In this process: its own writes never make the store rebuild its client; a write by
    another process does, once; and a query that meets the other process's new HNSW segment
    (the client opened an empty store) is made again after catching up, not reported failed."""
    from chromadb.api.rust import RustBindingsAPI

    from assistant import Assistant, Settings

    bot = Assistant(
        Settings(store_path=tmp_path / "store", store_refresh_seconds=0), embedder=embedder
    )
    store = bot.store
    rebuilds: list[int] = []  # the client's Rust bindings built again (reading the disk)
    rebuild = RustBindingsAPI.start
    monkeypatch.setattr(RustBindingsAPI, "start", lambda api: rebuilds.append(1) or rebuild(api))
    vector = embedder.embed([FERRY_QUESTION])[0]

    def query() -> list[str]:  # straight to Chroma, as `nearest` would once the view is fresh
        return store._call(
            lambda: store._chunks.query(query_embeddings=[vector], n_results=3, include=[])
        )["ids"][0]

    assert query() == []  # the empty store's HNSW reader
    ferry = write(tmp_path / "news", "ferry.txt", FERRY)
    index(tmp_path / "news", env)
    assert len(query()) == 1 and rebuilds == [1]  # caught up and retried
    assert_cites(bot.ask(FERRY_QUESTION).to_dict(), ferry, "47 minutes")
    for i in (0, 1):  # our own writes
        bot.add_document(route(*ROUTES[i]), source=f"own{i}.txt")
    assert len(bot.articles()) == 3 and bot.ask(FERRY_QUESTION).answerable
    assert rebuilds == [1]
    vellis = write(tmp_path / "more", "vellis.txt", route(*ROUTES[2]))
    index(tmp_path / "more", env)  # another process again
    assert_cites(bot.ask(VELLIS_QUESTION).to_dict(), vellis, "28 minutes")
    assert rebuilds == [1, 1]
