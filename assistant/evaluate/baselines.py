"""The LangChain baseline the evaluation compares against, on the same index and questions.

The LangChain baseline is the canonical RAG retrieval step: `langchain_chroma.Chroma` with the
same MiniLM embeddings and `similarity_search(question, k)`; its "answer" is the top chunk,
cited as a whole chunk. `reranking_retriever` is LangChain's reranking pipeline
(`ContextualCompressionRetriever` with a `CrossEncoderReranker`, from langchain-classic) with
our answer scorer as its cross-encoder: the speed benchmark's like-for-like comparison.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from assistant.records import Answer, cite
from index.records import Chunk, Span


class LangChainEmbeddings:
    """Our embedder behind LangChain's `Embeddings` interface."""

    def __init__(self, embedder):
        self._embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._embedder.embed(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self._embedder.embed_cached([text])[0].tolist()


def reranking_retriever(store, k: int, top_n: int):
    """LangChain's reranking pipeline over `store.similarity_search(k)`, keeping `top_n`
    chunks, with the shipped answer scorer as the cross-encoder."""
    from langchain_classic.retrievers.contextual_compression import (
        ContextualCompressionRetriever,
    )
    from langchain_classic.retrievers.document_compressors import CrossEncoderReranker
    from langchain_classic.retrievers.document_compressors.cross_encoder import BaseCrossEncoder

    from assistant.answer.scorer import default_scorer

    class Scorer(BaseCrossEncoder):
        def score(self, text_pairs: list[tuple[str, str]]) -> list[float]:
            questions, texts = zip(*text_pairs, strict=True) if text_pairs else ((), ())
            return default_scorer().logits(list(questions), list(texts)).tolist()

    return ContextualCompressionRetriever(
        base_compressor=CrossEncoderReranker(model=Scorer(), top_n=top_n),
        base_retriever=store.as_retriever(search_kwargs={"k": k}),
    )


class LangChainBaseline:
    def __init__(self, embedder, chunks: list[Chunk], article: Callable):
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma
        from langchain_core.embeddings import Embeddings

        adapter = type("MiniLM", (LangChainEmbeddings, Embeddings), {})(embedder)
        self._store = Chroma(
            collection_name=f"baseline-{uuid.uuid4().hex[:8]}",
            embedding_function=adapter,
            client=chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False)),
            collection_metadata={"hnsw:space": "cosine"},
        )
        self._chunks = {c.id: c for c in chunks}
        if chunks:
            self._store.add_texts(
                [c.text for c in chunks],
                metadatas=[{"source": c.source, "start": c.start, "end": c.end} for c in chunks],
                ids=[c.id for c in chunks],
            )
        self._article = article

    def ask(self, question: str, k: int) -> tuple[Answer, list[Chunk]]:
        started = time.perf_counter()
        docs = self._store.similarity_search(question, k=k)
        ranked = [self._chunks[d.id] for d in docs if d.id in self._chunks]
        citations = ()
        text = "No passages."
        if ranked:
            top = ranked[0]
            view = self._article(top.source)
            citations = (cite(1, top.source, Span(top.start, top.end), view),)
            text = f"{top.text} [1]"
        answer = Answer(
            question,
            text,
            bool(ranked),
            citations,
            mode="langchain_top_chunk",
            timings_ms={"total": (time.perf_counter() - started) * 1000},
        )
        return answer, ranked
