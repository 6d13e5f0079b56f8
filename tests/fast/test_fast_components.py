"""Fast tier: each stage refuses a bad value with the value named; the facade refuses a bad
set of stages; imports run one way (ui -> assistant -> index)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import ROOT

from assistant import (
    Answerer,
    Assistant,
    ConfigError,
    ConflictFinder,
    Corpus,
    HybridRetriever,
    Settings,
)
from assistant.conflicts.detector import ConflictDetector
from index.chroma_store import ChromaStore
from index.views import ArticleViews


@pytest.fixture(scope="module")
def corpus(fake_embedder) -> Corpus:
    return Corpus(ChromaStore(None), fake_embedder)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda c: Answerer(c, top_k=0), "top_k must be at least 1, got 0"),
        (lambda c: Answerer(c, top_k="six"), "top_k must be a number, got 'six'"),
        (
            lambda c: Answerer(c, min_confidence=1.5),
            "min_confidence must be between 0 and 1, got 1.5",
        ),
        (lambda c: Answerer(c, answer_sentences=0), "answer_sentences must be at least 1, got 0"),
        (lambda c: HybridRetriever(c, candidates=0), "candidates must be at least 1, got 0"),
        (lambda c: ConflictFinder(c, max_conflicts=-1), "max_conflicts must be at least 0, got -1"),
        (
            lambda c: ConflictFinder(c, all_pairs_limit=-5),
            "all_pairs_limit must be at least 0, got -5",
        ),
        (
            lambda c: ConflictDetector(nli_threshold=2.0),
            "nli_threshold must be between 0 and 1, got 2.0",
        ),
        (lambda c: Corpus(c.store, c.embedder, chunk_chars=0), "chunk_chars must be at least 1"),
        (lambda c: Corpus(c.store, c.embedder, chunk_overlap=-1), "chunk_overlap must be at"),
        (lambda c: ArticleViews(c.store, kept=0), "kept must be at least 1, got 0"),
    ],
)
def test_a_bad_value_is_refused_by_name(corpus, build, message):
    with pytest.raises(ConfigError, match=message):
        build(corpus)


def test_the_facade_takes_settings_or_every_stage(corpus, fake_embedder):
    with pytest.raises(TypeError, match="needs all four"):
        Assistant(corpus, HybridRetriever(corpus))
    with pytest.raises(TypeError, match="takes no stages"):
        Assistant(Settings(store_path=None), HybridRetriever(corpus))
    with pytest.raises(TypeError, match="embedder= goes with Settings"):
        Assistant(
            corpus,
            HybridRetriever(corpus),
            Answerer(corpus),
            ConflictFinder(corpus),
            embedder=fake_embedder,
        )
    bot = Assistant(corpus, HybridRetriever(corpus), Answerer(corpus), ConflictFinder(corpus))
    with pytest.raises(TypeError, match="no stage 'ranker'"):
        bot.replace(ranker=None)
    assert bot.store is corpus.store and bot.embedder is fake_embedder


def _imports(package: str) -> set[tuple[str, str]]:
    """(module file, imported top-level package) for every import in a package."""
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        name = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add((name, node.module.split(".")[0]))
            elif isinstance(node, ast.Import):
                found.update((name, alias.name.split(".")[0]) for alias in node.names)
    return found


def test_imports_run_one_way():
    assert not [(f, m) for f, m in _imports("index") if m in ("assistant", "ui", "gradio")]
    assert not [(f, m) for f, m in _imports("assistant") if m in ("ui", "gradio")]
    gradio = {f for f, m in _imports("ui") if m == "gradio"}
    assert gradio and all(Path(f).parts[0] == "ui" for f in gradio)
