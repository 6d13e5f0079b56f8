"""Syndicated copies: articles that are one report carried by several sites.

Two copies of one wire story are not two reports that agree. Articles are compared by the sets
of their five-word shingles: two whose sets overlap by at least `THRESHOLD` (Jaccard) are
copies of one report, and copies of copies are too (a group). Comparing every pair of articles
does not scale, so each article gets a MinHash signature (128 permutations) and candidate
pairs come from locality-sensitive hashing (datasketch, a well-kept implementation of both);
a candidate counts when its signatures estimate the overlap above the threshold. Signatures are
computed once per version of an article's text, at index time, and saved beside an embedded
store; the groups are worked out per revision of the store from them (a few seconds for ten
thousand articles, the size of a 100,000-chunk corpus).

An edited copy ("carried 312 passengers" where the original says 450) still shares nearly all
its shingles, so it is in the group; the answering side finds the sentences that differ and
shows them as a disagreement (`assistant.conflicts.copies`). Two reports of one event written
separately share few five-word runs (the sample corpus's two reports: 1%) and stay apart.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.atomic_files import write_whole
from index.records import ArticleInfo, sha256_hex
from index.revisions import SavedPerRevision, saved_path

log = logging.getLogger(__name__)

SHINGLE = 5  # words: a run this long is rarely written twice independently
THRESHOLD = 0.5  # Jaccard overlap of shingle sets above which two articles are one report
NUM_PERM = 128
_SEED = 31  # fixed: signatures saved by one process are compared by another
_SCHEME = "affine32"  # datasketch's hashing scheme, named so saved signatures stay comparable
_BANDS, _ROWS = 32, 4  # LSH: 32 bands of 4 values (NUM_PERM = 128)
FILE = "copies.json"
GROUPS = "copy-groups"  # the groups of the last revision worked out, saved by that name
# Bump when the signatures or the grouping change (THRESHOLD, banding): the saved groups of a
# revision would otherwise outlive the code that made them.
FORMAT = 1
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class CopyGroups:
    """Groups of articles that are copies of one report, each in order, the lead (the earliest
    dated, then the first by name) first. Articles in no group are not listed."""

    groups: tuple[tuple[str, ...], ...] = ()

    def group_of(self, source: str) -> tuple[str, ...]:
        """The sources of `source`'s report (itself alone when it has no copies)."""
        return self._index().get(source, (source,))

    def same_report(self, a: str, b: str) -> bool:
        return a != b and b in self.group_of(a)

    def _index(self) -> dict[str, tuple[str, ...]]:
        index = self.__dict__.get("_by_source")
        if index is None:
            index = {s: g for g in self.groups for s in g}
            object.__setattr__(self, "_by_source", index)  # a cache, not state
        return index


def shingles(text: str) -> set[bytes]:
    """The article's five-word runs, lower-cased (a text shorter than that: its words)."""
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < SHINGLE:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i : i + SHINGLE]).encode() for i in range(len(words) - SHINGLE + 1)}


def signature(text: str) -> np.ndarray:
    """The MinHash signature of the article's shingles (NUM_PERM unsigned integers)."""
    return signatures([text])[0]


def signatures(texts: list[str]) -> list[np.ndarray]:
    """MinHash signatures of several articles (datasketch's bulk path shares one set of
    permutations among them)."""
    if not texts:
        return []  # before the import, which costs half a second in a fresh process
    from datasketch import MinHash

    hashes = MinHash.bulk(
        [sorted(shingles(t)) for t in texts], num_perm=NUM_PERM, seed=_SEED, scheme=_SCHEME
    )
    return [np.asarray(h.hashvalues, dtype=np.uint64) for h in hashes]


def estimate(a: np.ndarray, b: np.ndarray) -> float:
    """The Jaccard overlap two signatures estimate."""
    return float(np.mean(a == b))


def group(
    signatures: dict[str, np.ndarray], dates: dict[str, str | None], threshold: float = THRESHOLD
) -> CopyGroups:
    """Copies among articles (by source): candidates from LSH banding, kept when their
    signatures estimate an overlap of at least `threshold`; joined transitively.

    Banding is done here with numpy rather than by datasketch's `MinHashLSH`, which builds an
    object per article and took 20 s for 15,000 articles on this machine: each signature is
    cut into `_BANDS` bands of `_ROWS` values, and articles whose values agree in a whole band
    are candidates (a pair with overlap 0.5 is one with probability 0.87, at 0.8 with
    certainty; every candidate is then checked on all 128 values).
    """
    sources = sorted(signatures)
    parent = list(range(len(sources)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    if len(sources) > 1:
        matrix = np.stack([signatures[s] for s in sources]).astype(np.uint64)
        checked: set[tuple[int, int]] = set()
        for band in range(_BANDS):
            rows = np.ascontiguousarray(matrix[:, band * _ROWS : (band + 1) * _ROWS])
            keys = rows.view(np.dtype((np.void, rows.dtype.itemsize * _ROWS))).ravel()
            _, bucket = np.unique(keys, return_inverse=True)
            order = np.argsort(bucket, kind="stable")
            cuts = np.flatnonzero(np.diff(bucket[order])) + 1
            for members in np.split(order, cuts):
                if len(members) < 2:
                    continue
                first = int(members[0])
                for other in members[1:]:
                    pair = (first, int(other))
                    if pair in checked:
                        continue
                    checked.add(pair)
                    if estimate(matrix[first], matrix[pair[1]]) >= threshold:
                        parent[root(pair[1])] = root(first)
    members_of: dict[int, list[str]] = {}
    for i, source in enumerate(sources):
        members_of.setdefault(root(i), []).append(source)
    groups = [
        tuple(sorted(g, key=lambda s: (dates.get(s) or "9999-99-99", s)))
        for g in members_of.values()
        if len(g) > 1
    ]
    return CopyGroups(tuple(sorted(groups)))


class Copies:
    """The store's copy groups, per revision; signatures kept per version of each article's
    text (in memory, and in `side_files` beside an embedded store), and the groups of the last
    revision worked out saved there too, so a fresh process (a cold `ask`) does not group every
    article again."""

    def __init__(
        self,
        articles: Callable[[], list[ArticleInfo]],
        records: Callable[[list[str]], Iterable[tuple[str, dict, str]]],
        side_files: Path | None,
        revision: Callable[[], str],
    ):
        """`articles` lists the store's articles; `records(sources)` reads their texts;
        `revision` gives the store's revision now."""
        self._articles, self._records = articles, records
        self._path = side_files / FILE if side_files is not None else None
        self._signatures: dict[str, np.ndarray] = {}  # by sha256 of the text
        self._lock = threading.Lock()
        self._groups: SavedPerRevision[CopyGroups] = SavedPerRevision(
            saved_path(side_files, GROUPS) if side_files is not None else None,
            FORMAT,
            lambda found: found.groups,
            lambda saved: CopyGroups(tuple(tuple(str(s) for s in g) for g in saved)),
            revision,
        )

    def groups(self, revision: str) -> CopyGroups:
        return self._groups.get(revision, self._compute)

    def _compute(self) -> tuple[CopyGroups, bool]:
        """The groups, and whether they are exactly those of the listed articles (every text
        read was the version listed: another process may have changed one meanwhile)."""
        with self._lock:
            infos = self._articles()
            known = self._signatures or self._load()
            missing = [i.source for i in infos if i.sha256 not in known]
            fresh: dict[str, np.ndarray] = {}
            by_source: dict[str, np.ndarray] = {}
            read = [(source, text) for source, _, text in self._records(missing)] if missing else []
            for (source, text), values in zip(read, signatures([t for _, t in read]), strict=True):
                fresh[sha256_hex(text)] = by_source[source] = values
            kept = {i.sha256: known[i.sha256] for i in infos if i.sha256 in known}
            kept.update(fresh)
            self._signatures = kept
            for info in infos:
                if info.source not in by_source and info.sha256 in kept:
                    by_source[info.source] = kept[info.sha256]
            if self._path is not None and (fresh or len(kept) < len(known)):
                self._save(kept)
            listed = {i.source: i.sha256 for i in infos}
            exact = len(read) == len(missing) and all(
                listed.get(source) == sha256_hex(text) for source, text in read
            )
            return group(by_source, {i.source: i.published for i in infos}), exact

    def _load(self) -> dict[str, np.ndarray]:
        if self._path is None:
            return {}
        try:
            saved = json.loads(self._path.read_text("utf-8"))
            if saved.get("format") != FORMAT or saved.get("scheme") != [_SEED, _SCHEME]:
                return {}
            return {
                sha: np.asarray(values, dtype=np.uint64)
                for sha, values in saved["signatures"].items()
            }
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
            log.warning("recomputing copy signatures: cannot read %s: %s", self._path, exc)
            return {}

    def _save(self, signatures: dict[str, np.ndarray]) -> None:
        assert self._path is not None
        payload = {
            "format": FORMAT,
            "scheme": [_SEED, _SCHEME],
            "signatures": {sha: [int(v) for v in values] for sha, values in signatures.items()},
        }
        write_whole(self._path, json.dumps(payload))
