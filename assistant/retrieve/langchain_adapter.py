"""The assistant's retriever as a LangChain `BaseRetriever`, so it plugs into any chain."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict


class NewsRetriever(BaseRetriever):
    """The assistant's retrieval stage (hybrid, dense + BM25, as shipped); Documents carry
    the exact span of each chunk."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    assistant: Any
    k: int = 6

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        question = self.assistant.check_question(query)
        titles = {a.source: a for a in self.assistant.articles()}
        docs = []
        for hit in self.assistant.retriever.retrieve(question, self.k):
            info = titles.get(hit.chunk.source)
            docs.append(
                Document(
                    page_content=hit.chunk.text,
                    id=hit.chunk.id,
                    metadata={
                        "source": hit.chunk.source,
                        "title": info.title if info else "",
                        "published": info.published if info else None,
                        "start": hit.chunk.start,
                        "end": hit.chunk.end,
                        "score": hit.score,
                    },
                )
            )
        return docs
