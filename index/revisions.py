"""A value worked out for one revision of the store, kept until the revision changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class PerRevision(Generic[T]):
    """Thread-safe without a lock: the (revision, value) pair is replaced whole, never changed
    in place, so a reader sees one pair or the other (two threads may both compute it once)."""

    def __init__(self) -> None:
        self._kept: tuple[str, T] | None = None

    def get(self, revision: str, compute: Callable[[], T]) -> T:
        kept = self._kept  # local: another thread may replace it
        if kept is not None and kept[0] == revision:
            return kept[1]
        value = compute()
        self._kept = (revision, value)
        return value

    def clear(self) -> None:
        self._kept = None
