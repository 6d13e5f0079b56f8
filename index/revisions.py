"""A value worked out for one revision of the store, kept until the revision changes; and one
also saved beside an embedded store, so a fresh process at that revision (a cold `ask`) reads
it instead of working it out again."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, Generic, TypeVar

from index.atomic_files import write_whole

log = logging.getLogger(__name__)

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


class SavedPerRevision(PerRevision[T]):
    """`PerRevision`, with the last value worked out also saved in `path` (JSON, through
    `encode` and `decode`) under its revision. It is saved only if the store is still at that
    revision once the value is worked out (`now`), so a file never pairs a revision with a
    value of another. No path (an in-memory or server store): kept in memory only."""

    def __init__(
        self,
        path: Path | None,
        format: int,
        encode: Callable[[T], Any],
        decode: Callable[[Any], T],
        now: Callable[[], str],
    ):
        super().__init__()
        self._path, self._format = path, format
        self._encode, self._decode, self._now = encode, decode, now

    def get(self, revision: str, compute: Callable[[], T]) -> T:
        def saved_or_computed() -> T:
            found = self._saved(revision)
            if found is not None:
                return found[0]
            value = compute()
            if self._path is not None and self._now() == revision:
                payload = {"format": self._format, "revision": revision}
                write_whole(self._path, json.dumps(payload | {"value": self._encode(value)}))
            return value

        return super().get(revision, saved_or_computed)

    def _saved(self, revision: str) -> tuple[T] | None:
        if self._path is None:
            return None
        try:
            saved = json.loads(self._path.read_text("utf-8"))
            if saved.get("format") != self._format or saved.get("revision") != revision:
                return None
            return (self._decode(saved["value"]),)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
            log.warning("working it out again: cannot read %s: %s", self._path, exc)
            return None
