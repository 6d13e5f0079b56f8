"""Indexing killed with SIGKILL at several points, then run again: every file indexed exactly
once, no orphan chunks, no half-replaced article (checked chunk by chunk)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from store_checks import assert_store_holds

from assistant import Assistant, Settings
from index.loader import find_files, load_file

EXE = Path(sys.executable).with_name("assistant")


def _corpus(folder: Path, n: int, version: int) -> None:
    from pydoc_data.topics import topics

    folder.mkdir(parents=True, exist_ok=True)
    bodies = [t for _, t in sorted(topics.items()) if len(t) > 3000][:n]
    for i, body in enumerate(bodies):
        text = f"Report {i} (version {version})\n\n" + body[:6000]
        (folder / f"doc{i:02d}.txt").write_text(text, encoding="utf-8")


def _start(folder: Path, store: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [str(EXE), "index", str(folder), "--store", str(store), "--replace"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _kill_during_run(folder: Path, store: Path, after: float) -> None:
    proc = _start(folder, store)
    deadline = time.monotonic() + after
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def _check_store(folder: Path, store: Path, embedder) -> None:
    bot = Assistant(Settings(store_path=store), embedder=embedder)
    assert_store_holds(bot, {a.source: a for f in find_files([folder]) for a in load_file(f)})


@pytest.mark.parametrize("kill_after", [9.0, 12.0])
def test_killed_indexing_then_rerun_is_consistent(tmp_path, embedder, kill_after):
    folder, store = tmp_path / "news", tmp_path / "store"
    # the first indexing run, then one where every file changes (a replacing run)
    for version in (1, 2):
        _corpus(folder, 12, version=version)
        _kill_during_run(folder, store, kill_after)
        done = subprocess.run(
            [str(EXE), "index", str(folder), "--store", str(store), "--replace"],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr
        _check_store(folder, store, embedder)
