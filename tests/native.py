"""Run native model code (llama.cpp) in a child process, so that a crash fails one test with the
signal named instead of killing the whole pytest run."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent


def describe_exit(code: int) -> str:
    """'killed by SIGSEGV' for a negative status, 'exit status N' otherwise."""
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


def run_child(code: str, timeout: float = 600) -> dict:
    """Run `code` in a fresh interpreter (tests/ on its path); it prints one JSON object as
    its last line, which is returned. A crash or a non-zero exit fails the calling test."""
    proc = subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(TESTS)!r})\n{code}"],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        pytest.fail(
            f"child process {describe_exit(proc.returncode)}\n{proc.stderr[-3000:]}",
            pytrace=False,
        )
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    return json.loads(lines[-1])
