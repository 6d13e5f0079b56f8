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

_SAVED = "per-revision-{}.json"  # the files of SavedPerRevision, beside the store


def saved_path(folder: Path, name: str) -> Path:
    """Where the value called `name` is saved for its revision."""
    return folder / _SAVED.format(name)


def forget_saved(folder: Path) -> None:
    """Delete every saved per-revision value (`index --rebuild`: a store rebuilt from the same
    articles has the same revision, and a rebuild is the way out of anything stale)."""
    for path in folder.glob(_SAVED.format("*")):
        path.unlink(missing_ok=True)


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


class SavedPerRevision(Generic[T]):
    """`PerRevision`, with the last value worked out also saved in `path` (JSON, through
    `encode` and `decode`) under its revision. `compute` returns the value and whether it is
    exactly the revision's: it reads article texts straight from the store, which another
    process may have changed since the listing the revision was taken from. Only such a value is
    saved, and only if this process's view is still at that revision (`now`), so a file never
    pairs a revision with a value of another. No path (an in-memory or server store): kept in
    memory only."""

    def __init__(
        self,
        path: Path | None,
        format: int,
        encode: Callable[[T], Any],
        decode: Callable[[Any], T],
        now: Callable[[], str],
    ):
        self._kept: PerRevision[T] = PerRevision()
        self._path, self._format = path, format
        self._encode, self._decode, self._now = encode, decode, now

    def get(self, revision: str, compute: Callable[[], tuple[T, bool]]) -> T:
        def saved_or_computed() -> T:
            found = self._saved(revision)
            if found is not None:
                return found[0]
            value, exact = compute()
            if exact and self._path is not None and self._now() == revision:
                payload = {"format": self._format, "revision": revision}
                write_whole(self._path, json.dumps(payload | {"value": self._encode(value)}))
            return value

        return self._kept.get(revision, saved_or_computed)

    def clear(self) -> None:
        self._kept.clear()

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
