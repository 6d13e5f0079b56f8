"""What a consistent store holds, checked chunk by chunk: shared by the crash-safety and the
concurrent-writer tests."""

from __future__ import annotations

from assistant import Assistant
from index.chunker import chunk_article
from index.records import Article


def assert_store_holds(bot: Assistant, expected: dict[str, Article]) -> None:
    """Exactly the expected articles, each with exactly its chunks (its record counting them);
    no orphan chunk and no chunk of another version."""
    records = {a.source: a for a in bot.articles()}
    assert set(records) == set(expected)
    raw = bot.store._chunks.get(include=["metadatas"])
    by_source: dict[str, set[str]] = {}
    for cid, meta in zip(raw["ids"], raw["metadatas"], strict=True):
        assert meta["source"] in expected, f"orphan chunk of {meta['source']}"
        assert meta["sha"] == expected[meta["source"]].sha256, "chunk of another version"
        by_source.setdefault(meta["source"], set()).add(cid)
    for source, article in expected.items():
        assert records[source].sha256 == article.sha256
        want = {c.id for c in chunk_article(article)}
        assert by_source.get(source) == want, f"{source}: chunks lost or left over"
        assert records[source].chunks == len(want)
