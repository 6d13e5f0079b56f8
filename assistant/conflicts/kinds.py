"""The kinds of disagreement, most important first: conflicts are listed in this order."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.records import Conflict


class ConflictKind(StrEnum):
    """A str: JSON, the CLI and comparisons with plain strings see the value."""

    DISPUTED_CLAIM = "disputed_claim"  # one party asserts what another denies
    FACTUAL = "factual"  # a statement negated in the other report; lists that differ
    NUMERIC = "numeric"  # different figures for the same quantity
    DATE = "date"  # different times or dates for the same event
    OUTDATED = "outdated"  # a factual, numeric or date conflict between dated reports
    QUOTE_WORDING = "quote_wording"  # the same quotation in materially different words
    NAME_SPELLING = "name_spelling"  # one name spelled two ways


KIND_ORDER = tuple(ConflictKind)


def rank(conflicts: Iterable[Conflict]) -> list[Conflict]:
    """Most important kinds first; the order within a kind is kept."""
    return sorted(conflicts, key=lambda c: KIND_ORDER.index(c.kind))
