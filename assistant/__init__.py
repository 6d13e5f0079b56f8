"""A news assistant that answers from articles, cites exact passages and shows disagreements."""

from assistant.core import Assistant
from assistant.records import Answer, Citation, Conflict, ConflictSide
from assistant.settings import Settings
from index.errors import (
    AssistantError,
    ConfigError,
    InputError,
    LoadError,
    SourceNotFoundError,
    StoreError,
)
from index.records import ArticleInfo, IndexReport, Skipped

__all__ = [
    "Answer",
    "ArticleInfo",
    "Assistant",
    "AssistantError",
    "Citation",
    "ConfigError",
    "Conflict",
    "ConflictSide",
    "IndexReport",
    "InputError",
    "LoadError",
    "Settings",
    "Skipped",
    "SourceNotFoundError",
    "StoreError",
]
