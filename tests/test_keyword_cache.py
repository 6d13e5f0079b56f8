"""The keyword index saved beside an embedded store: a fresh process loads it instead of reading
every chunk back, a change of the store makes a new one, and a damaged one is rebuilt."""

from __future__ import annotations

from conftest import SAMPLE

from assistant import Assistant, Settings


def _bot(store, embedder) -> Assistant:
    return Assistant(Settings(store_path=store, store_refresh_seconds=0), embedder=embedder)


def test_saved_loaded_replaced_and_rebuilt(tmp_path, embedder):
    store = tmp_path / "store"
    first = _bot(store, embedder)
    first.index([SAMPLE])
    question = "What did Musk's plan say about Crimea?"
    expected = first.ask(question).answer
    saved = list((store / "assistant-cache").glob("keyword-*"))
    assert len(saved) == 1 and (saved[0] / "complete").exists()

    fresh = _bot(store, embedder)
    reads = []
    fresh.store.all_chunks = lambda: reads.append(1) or []  # must not be needed
    assert fresh.ask(question).answer == expected
    assert reads == [] and len(fresh.corpus.chunks) == len(first.corpus.chunks)

    note = tmp_path / "note.txt"
    note.write_text("The harbour reopened on Monday after the storm, officials said.", "utf-8")
    first.index([note])
    first.ask(question)
    now = list((store / "assistant-cache").glob("keyword-*"))
    assert len(now) == 1 and now != saved  # the old revision's index is gone

    (now[0] / "chunks.json").write_text("[[not json", "utf-8")
    damaged = _bot(store, embedder)
    assert damaged.ask(question).answer == expected
    assert any(c.source == str(note) for c in damaged.corpus.chunks)
    assert (now[0] / "complete").exists()  # rebuilt and saved again
    assert "not json" not in (now[0] / "chunks.json").read_text("utf-8")
