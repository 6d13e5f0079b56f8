"""A store knows what built it: opened with another embedding model, or as a store from before
the manifest, it is refused with one line that names both sides and says how to re-index; the
re-index works. Run as a user would: the CLI in a child process, the real MiniLM, and a real
second model (MiniLM's files with other weights, loaded by sentence-transformers on torch)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import chromadb
import numpy as np
import pytest
from chromadb.config import Settings as ChromaSettings
from conftest import ROOT, SAMPLE

from assistant import Assistant, Settings, StoreError
from index.chunker import chunk_article
from index.embedder import bundled_model_path
from index.loader import find_files, load_file
from index.records import sha256_hex
from index.units import UnitVectors, chunk_units

EXE = Path(sys.executable).with_name("assistant")
QUESTION = "Who is Ian Bremmer?"


def _run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    full = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([str(EXE), *args], capture_output=True, text=True, timeout=600, env=full)


@pytest.fixture(scope="module")
def other_model(tmp_path_factory) -> Path:
    """MiniLM's folder with perturbed weights: another model of the same shape, the case that
    used to answer with nonsense and exit status 0."""
    from safetensors.numpy import load_file, save_file

    folder = tmp_path_factory.mktemp("models") / "other-minilm"
    shutil.copytree(bundled_model_path(), folder)
    weights = load_file(str(folder / "model.safetensors"))
    rng = np.random.default_rng(3)
    changed = {
        k: (v + rng.normal(0, 0.05, v.shape).astype(v.dtype)) if v.dtype.kind == "f" else v
        for k, v in weights.items()
    }
    save_file(changed, str(folder / "model.safetensors"))
    return folder


def test_another_model_is_refused_in_one_line_and_rebuild_works(tmp_path, other_model):
    store = str(tmp_path / "store")
    assert _run("index", str(SAMPLE), "--store", store).returncode == 0
    assert _run("ask", QUESTION, "--store", store).returncode == 0
    env = {"ASSISTANT_EMBEDDING_BACKEND": "torch", "ASSISTANT_EMBEDDING_MODEL": str(other_model)}

    refused = _run("ask", QUESTION, "--store", store, env=env)
    assert refused.returncode == 1 and refused.stdout == ""
    line = refused.stderr.strip()
    assert "\n" not in line and "Traceback" not in refused.stderr
    assert "all-MiniLM-L6-v2 (384 dimensions" in line  # what built the store
    assert f"{other_model} (384 dimensions" in line  # what was asked for
    assert "assistant index --rebuild" in line
    # adding articles with the other model is refused the same way (nothing mixed in)
    more = tmp_path / "more.txt"
    more.write_text("Harbour\n\nThe harbour reopened on Monday.", "utf-8")
    added = _run("index", str(more), "--store", store, env=env)
    assert added.returncode == 1 and "--rebuild" in added.stderr

    rebuilt = _run("index", "--rebuild", str(SAMPLE), "--store", store, env=env)
    assert rebuilt.returncode == 0, rebuilt.stderr
    answered = _run("ask", QUESTION, "--store", store, "--json", env=env)
    assert answered.returncode == 0, answered.stderr
    assert json.loads(answered.stdout)["citations"]
    # and now the default model is the stranger
    back = _run("ask", QUESTION, "--store", store)
    assert back.returncode == 1 and str(other_model) in back.stderr


def _old_store(path: Path, embedder) -> None:
    """The sample corpus as the code before the manifest wrote it (commit 769eda6): chunk and
    article records without leases, the revision stamp, no manifest, and its JSON keyword
    index beside it."""
    client = chromadb.PersistentClient(
        str(path), settings=ChromaSettings(anonymized_telemetry=False)
    )
    chunks_col = client.get_or_create_collection(
        "news-chunks", configuration={"hnsw": {"space": "cosine"}}, embedding_function=None
    )
    articles_col = client.get_or_create_collection("news-articles", embedding_function=None)
    for file in find_files([SAMPLE]):
        for article in load_file(file):
            chunks = chunk_article(article)
            units = [chunk_units(c) for c in chunks]
            vectors = [UnitVectors(embedder.embed(list(u.texts)), u.owners) for u in units]
            dense = np.stack(
                [
                    v.chunk_vector([s.end - s.start for s in c.sentences])
                    for v, c in zip(vectors, chunks, strict=True)
                ]
            )
            chunks_col.upsert(
                ids=[c.id for c in chunks],
                embeddings=dense,
                documents=[c.text for c in chunks],
                metadatas=[
                    {
                        "source": c.source,
                        "sha": c.article_sha,
                        "start": c.start,
                        "end": c.end,
                        "sentences": json.dumps([[s.start, s.end] for s in c.sentences]),
                        "units": v.pack(),
                        "owners": json.dumps(v.owners),
                    }
                    for c, v in zip(chunks, vectors, strict=True)
                ],
            )
            meta = {
                "source": article.source,
                "title": article.title,
                "published": article.published or "",
                "url": article.url or "",
                "sha256": article.sha256,
                "chunks": len(chunks),
            }
            articles_col.upsert(
                ids=[sha256_hex(article.source)[:32], "revision"],
                embeddings=[[1.0], [1.0]],
                documents=[article.text, ""],
                metadatas=[meta, {"revision": "0" * 32}],
            )
    old = path / "assistant-cache" / "keyword-v1-0123456789abcdef"
    old.mkdir(parents=True)
    (old / "chunks.json").write_text("[]", "utf-8")
    (old / "complete").touch()


def test_a_store_from_before_the_manifest_is_refused_then_rebuilt(tmp_path, embedder):
    store = tmp_path / "store"
    _old_store(store, embedder)
    refused = _run("ask", QUESTION, "--store", str(store))
    assert refused.returncode == 1
    line = refused.stderr.strip()
    assert "\n" not in line and "before store format 2" in line
    assert "assistant index --rebuild" in line

    rebuilt = _run("index", "--rebuild", str(SAMPLE), "--store", str(store))
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert _run("ask", QUESTION, "--store", str(store)).returncode == 0
    assert not list((store / "assistant-cache").glob("keyword-v1-*"))  # the old index went
    bot = Assistant(Settings(store_path=store), embedder=embedder)
    raw = bot.store._chunks.get(include=["metadatas"])
    assert raw["ids"] and all("lease" in m for m in raw["metadatas"])


def test_other_chunking_is_refused_for_indexing_only(tmp_path, embedder):
    store = tmp_path / "store"
    Assistant(Settings(store_path=store), embedder=embedder).index([SAMPLE])
    wider = Assistant(Settings(store_path=store, chunk_chars=900), embedder=embedder)
    assert wider.ask(QUESTION).citations  # reading is unaffected
    note = tmp_path / "note.txt"
    note.write_text("Note\n\nThe ferry sails at noon.", "utf-8")
    with pytest.raises(StoreError, match=r"chunked with 600 characters.*900"):
        wider.index([note])


def test_rebuild_forgets_the_values_saved_per_revision(tmp_path, embedder):
    from index.revisions import saved_path

    store = tmp_path / "store"
    bot = Assistant(Settings(store_path=store), embedder=embedder)
    bot.index([SAMPLE])
    bot.ask(QUESTION)  # works out and saves the copy groups and spelling pairs
    side = store / "assistant-cache"
    stale = saved_path(side, "copy-groups")
    assert stale.is_file() and saved_path(side, "spelling-pairs").is_file()
    # as if the grouping code had changed without a format bump: --rebuild is the way out
    text = stale.read_text("utf-8")
    assert '"value": []' in text  # the sample's two reports are not copies
    stale.write_text(text.replace('"value": []', '"value": [["x", "y"]]'))
    bot.corpus.rebuild()
    assert not list(side.glob("per-revision-*.json"))
    again = Assistant(Settings(store_path=store), embedder=embedder)
    again.index([SAMPLE])
    assert again.copies() == []
