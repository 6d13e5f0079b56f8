"""The chunk catalogue saved beside an embedded store, so a fresh process maps it instead of
reading every chunk back from Chroma.

A folder of immutable segments (`segment.py`), a bit mask of their current rows, and one small
manifest naming them, written last and renamed into place: a crash leaves the previous
manifest, which names only complete files. The manifest also records the store revision stamp
the catalogue matches and the article records of that revision, so a process that finds the
store still at that stamp reads one record from Chroma, not every article. Several processes
may save here: each writes its own files, the last manifest wins, and files no manifest has
named for ten minutes are removed (a process holding them mapped keeps reading them).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.catalogue import State, state_of
from index.segment import DONE, Segment

log = logging.getLogger(__name__)

FORMAT = 2  # 1 was one JSON of every chunk plus bm25s's matrices ("keyword-v1-...")
FOLDER = "catalogue"
MANIFEST = f"catalogue-v{FORMAT}.json"
_UNUSED_AFTER = 600.0  # seconds a file may go unnamed by the manifest before it is removed


@dataclass(frozen=True)
class Saved:
    state: State
    revision: str
    stamp: str | None  # the store's revision stamp when it was saved
    articles: list[dict]  # the store's article records at that stamp


def save(side: Path, state: State, revision: str, stamp: str | None, articles: list[dict]) -> None:
    folder = side / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    for seg in state.segments:
        target = folder / seg.name
        if (target / DONE).exists():
            os.utime(target)  # named again: not unused
        else:
            seg.save(folder)
    bits = np.packbits(np.concatenate([np.asarray(m, dtype=bool) for m in state.live]))
    live = f"live-{uuid.uuid4().hex}.npy"
    np.save(folder / live, bits)
    manifest = {
        "format": FORMAT,
        "revision": revision,
        "stamp": stamp,
        "segments": [seg.name for seg in state.segments],
        "live": live,
        "articles": articles,
    }
    tmp = folder / f".{MANIFEST}.{uuid.uuid4().hex}"
    tmp.write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
    os.replace(tmp, folder / MANIFEST)
    _collect(folder, {*manifest["segments"], live})
    for old in side.glob("keyword-v1-*"):  # the JSON catalogue of format 1
        shutil.rmtree(old, ignore_errors=True)


def load(side: Path) -> Saved | None:
    """The saved catalogue, or None if there is none; `ValueError`/`OSError` if damaged."""
    folder = side / FOLDER
    try:
        manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
    except FileNotFoundError:
        return None
    if manifest.get("format") != FORMAT:
        return None
    segments = [Segment.load(folder / name) for name in manifest["segments"]]
    bits = np.load(folder / manifest["live"])
    sizes = [len(seg) for seg in segments]
    flags = np.unpackbits(bits, count=sum(sizes)).astype(bool)
    live = np.split(flags, np.cumsum(sizes)[:-1]) if segments else []
    state = state_of(segments, [np.array(m) for m in live])
    return Saved(state, manifest["revision"], manifest.get("stamp"), manifest["articles"])


def _collect(folder: Path, named: set[str]) -> None:
    now = time.time()
    for path in folder.iterdir():
        if path.name in named or path.name == MANIFEST:
            continue
        try:
            unused = now - path.stat().st_mtime > _UNUSED_AFTER
        except FileNotFoundError:
            continue  # another process removed it
        if not unused:
            continue
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
