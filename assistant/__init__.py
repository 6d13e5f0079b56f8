"""A news assistant that answers from articles, cites exact passages and shows disagreements.

`Assistant` is the entry point; the stages it is built from are exported for building one
from parts (`Assistant(corpus, retriever, answerer, conflicts, generator=None)`).
"""

from assistant.answer.answerer import Answerer
from assistant.conflicts.finder import ConflictFinder
from assistant.conflicts.kinds import ConflictKind
from assistant.facade import Assistant, check_question
from assistant.generate.generator import Generator
from assistant.records import Answer, Citation, Conflict, ConflictSide
from assistant.retrieve.dense import DenseRetriever
from assistant.retrieve.hybrid import HybridRetriever
from assistant.retrieve.retriever import Retriever
from assistant.settings import Settings
from index.corpus import Corpus
from index.errors import (
    AssistantError,
    ConfigError,
    FetchError,
    InputError,
    LoadError,
    SourceNotFoundError,
    StoreError,
)
from index.fetch import is_url
from index.loader import SUPPORTED_SUFFIXES, find_files
from index.records import ArticleInfo, IndexReport, Skipped

__all__ = [
    "SUPPORTED_SUFFIXES",
    "Answer",
    "Answerer",
    "ArticleInfo",
    "Assistant",
    "AssistantError",
    "Citation",
    "ConfigError",
    "Conflict",
    "ConflictFinder",
    "ConflictKind",
    "ConflictSide",
    "Corpus",
    "DenseRetriever",
    "FetchError",
    "Generator",
    "HybridRetriever",
    "IndexReport",
    "InputError",
    "LoadError",
    "Retriever",
    "Settings",
    "Skipped",
    "SourceNotFoundError",
    "StoreError",
    "check_question",
    "find_files",
    "is_url",
]
