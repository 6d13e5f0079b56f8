"""`Assistant.as_retriever()` is a real LangChain retriever that composes with runnables."""

from __future__ import annotations

from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import RunnableLambda


def test_retriever_documents_carry_exact_spans(sample_bot):
    retriever = sample_bot.as_retriever(k=4)
    assert isinstance(retriever, BaseRetriever)
    docs = retriever.invoke("Which territories did Putin demand?")
    assert 1 <= len(docs) <= 4
    for doc in docs:
        meta = doc.metadata
        assert {"source", "title", "start", "end"} <= set(meta)
        text = sample_bot.article(meta["source"]).text
        assert text[meta["start"] : meta["end"]] == doc.page_content
    assert any("Zaporizhzhia" in d.page_content or "Luhansk" in d.page_content for d in docs)


def test_retriever_in_a_chain(sample_bot):
    chain = sample_bot.as_retriever(k=2) | RunnableLambda(
        lambda docs: [d.metadata["title"] for d in docs]
    )
    titles = chain.invoke("What did Kirby say about Musk?")
    assert titles and all(isinstance(t, str) and t for t in titles)
