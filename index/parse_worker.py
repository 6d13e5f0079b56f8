"""Files are parsed in a child process with a CPU-time and memory budget, so no file can stall
the process that serves questions.

A parser (HTML above all) can take time growing faster than the size of its input on some
shapes, and while it runs in the serving process it holds the interpreter: every request waits.
`ParseWorker` hands each file's bytes to one child process, reused from file to file (a thousand
small files cost a thousand round trips through a socket, not a thousand processes). The child
runs `parse_bytes` under `RLIMIT_CPU` (the budget, counted from the CPU time it has used so far)
and `RLIMIT_AS`; a file that runs over either is refused with a message naming the budget and
its setting, and the child is replaced. Setting the `cancel` event kills the child at once.

The child is a fresh interpreter (`python -c`), not a fork: forking the serving process would
copy its threads' locks (Gradio, ONNX Runtime, Chroma) in whatever state they are in, and
multiprocessing's own start methods re-run the caller's main script in the child, which a
library must not do to a script that calls it. Messages are JSON and raw bytes, never pickles:
the child reads hostile input, so what it sends back is only ever data.
"""

from __future__ import annotations

import contextlib
import json
import math
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
import weakref
from dataclasses import asdict
from multiprocessing.connection import Connection, wait
from pathlib import Path

from index.errors import Cancelled, LoadError
from index.loader import DEFAULT_BUDGET, Budget, parse_bytes
from index.records import Article

_TICK = 0.05  # seconds between two looks at the cancel flag while a file is parsed
_ROOT = str(Path(__file__).resolve().parent.parent)  # the folder holding the `index` package
_CHILD = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from index.parse_worker import serve; serve(int(sys.argv[2]), sys.argv[3])"
)


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _limit(kind: int, soft: int) -> None:
    """Lower the soft limit `kind` to `soft` (never above the hard limit)."""
    _, hard = resource.getrlimit(kind)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(kind, (soft, hard))


def serve(fd: int, budget_json: str) -> None:
    """The child: parse the files that come through the socket `fd` until it closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is for the parent to handle
    import bs4  # noqa: F401 (loaded now, not in the first HTML file's CPU time)
    import feedparser  # noqa: F401 (the same for feeds)
    import trafilatura  # noqa: F401 (and for news pages: it loads lxml, htmldate, justext)

    budget = Budget(**json.loads(budget_json))
    conn = Connection(fd)
    _limit(resource.RLIMIT_CORE, 0)  # dying over budget leaves no core file
    _limit(resource.RLIMIT_AS, budget.max_parse_mb * 1024 * 1024)
    while True:
        try:
            header = json.loads(conn.recv_bytes())
            raw = conn.recv_bytes()
        except EOFError:
            return  # the parent is gone or done with us
        # RLIMIT_CPU counts the process's whole life: this file gets the budget from here on
        _limit(resource.RLIMIT_CPU, math.ceil(_cpu_seconds() + budget.max_parse_seconds))
        try:
            articles = parse_bytes(raw, header["source"], header["suffix"], budget)
            reply = ["ok", [asdict(a) for a in articles]]
            conn.send_bytes(json.dumps(reply, ensure_ascii=False).encode("utf-8"))
        except LoadError as exc:
            conn.send_bytes(json.dumps(["refused", str(exc)]).encode())
        except MemoryError:
            del raw
            conn.send_bytes(b'["memory", ""]')
            return  # a process that ran out of memory is not trusted with the next file
        except RecursionError:
            conn.send_bytes(b'["refused", "unparseable: nested too deeply"]')
        except Exception as exc:  # a parser's own bug: this file is refused, the rest go on
            message = f"unparseable: {type(exc).__name__}: {exc}"
            conn.send_bytes(json.dumps(["refused", message]).encode())


class ParseWorker:
    """Parses one file at a time in a child process under `budget` (see the module)."""

    def __init__(self, budget: Budget = DEFAULT_BUDGET):
        self.budget = budget
        self._lock = threading.Lock()
        self._child: subprocess.Popen | None = None
        self._conn: Connection | None = None
        self._finalizer: weakref.finalize | None = None

    @property
    def pid(self) -> int | None:
        """The child's process id while it runs (for tests and diagnostics)."""
        child = self._child
        return child.pid if child is not None and child.poll() is None else None

    def start(self) -> None:
        """Start the child now rather than with the first file."""
        with self._lock:
            self._ensure()

    def parse(
        self, raw: bytes, source: str, suffix: str, cancel: threading.Event | None = None
    ) -> list[Article]:
        """The articles in one file's bytes (as `parse_bytes`); `LoadError` when the file is
        refused, over budget included; `Cancelled` as soon as `cancel` is set."""
        with self._lock:
            if cancel is not None and cancel.is_set():
                raise Cancelled("the upload was cancelled; none of its articles were kept")
            if len(raw) > self.budget.max_file_bytes:
                return parse_bytes(raw, source, suffix, self.budget)  # refused at once, in here
            header = json.dumps({"source": source, "suffix": suffix}).encode()
            conn, child = self._ensure()
            try:
                conn.send_bytes(header)
                conn.send_bytes(raw)
            except OSError:
                self._stop()  # the child died between two files: one more try on a new one
                conn, child = self._ensure()
                conn.send_bytes(header)
                conn.send_bytes(raw)
            return self._outcome(conn, child, cancel)

    def _outcome(self, conn: Connection, child, cancel: threading.Event | None) -> list[Article]:
        # CPU time is the budget; wall time only guards against a child that is not running
        # at all (stopped, or starved by a busy machine far beyond its share)
        deadline = time.monotonic() + 4 * self.budget.max_parse_seconds + 10
        while True:
            if wait([conn], timeout=_TICK):
                try:
                    kind, value = json.loads(conn.recv_bytes())
                except (EOFError, OSError):
                    raise self._died(child) from None
                if kind == "ok":
                    return [Article(**a) for a in value]
                if kind == "refused":
                    raise LoadError(value)
                self._stop()  # "memory": the child has left
                raise self._over_memory()
            if cancel is not None and cancel.is_set():
                self._stop()
                raise Cancelled("the upload was cancelled; none of its articles were kept")
            if time.monotonic() > deadline:
                self._stop()
                raise self._over_time()

    def _died(self, child: subprocess.Popen) -> LoadError:
        """Why the child ended without an answer: a budget (by the signal that ended it)."""
        try:
            code = child.wait(5)
        except subprocess.TimeoutExpired:
            code = None
        self._stop()
        if code == -signal.SIGXCPU:
            return self._over_time()
        if code == -signal.SIGKILL:
            return self._over_memory()  # the kernel's last resort when memory runs out
        return LoadError(f"unparseable: the parser stopped (exit status {code})")

    def _over_time(self) -> LoadError:
        seconds = f"{self.budget.max_parse_seconds:g}"
        return LoadError(
            f"refused: parsing it took more than {seconds} s; the budget is {seconds} s of CPU "
            "time per file (ASSISTANT_INGEST_MAX_PARSE_SECONDS)"
        )

    def _over_memory(self) -> LoadError:
        mb = f"{self.budget.max_parse_mb:,}"
        return LoadError(
            f"refused: parsing it needs more than {mb} MB of memory; the budget is {mb} MB per "
            "file (ASSISTANT_INGEST_MAX_PARSE_MB)"
        )

    def _ensure(self) -> tuple[Connection, subprocess.Popen]:
        if self._child is not None and self._child.poll() is None and self._conn is not None:
            return self._conn, self._child
        self._stop()
        ours, theirs = socket.socketpair()
        try:
            child = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    _CHILD,
                    _ROOT,
                    str(theirs.fileno()),
                    json.dumps(asdict(self.budget)),
                ],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
            )
        finally:
            theirs.close()
        conn = Connection(ours.detach())
        self._child, self._conn = child, conn
        self._finalizer = weakref.finalize(self, _kill, child, conn)
        return conn, child

    def _stop(self) -> None:
        """Kill the child, if any (a parse in progress ends at once)."""
        if self._finalizer is not None:
            self._finalizer()
        self._child = self._conn = self._finalizer = None

    def close(self) -> None:
        with self._lock:
            self._stop()


def _kill(child: subprocess.Popen, conn: Connection) -> None:
    conn.close()
    if child.poll() is None:
        child.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):  # else reaped by Popen's housekeeping
        child.wait(5)


_shared: dict[Budget, ParseWorker] = {}
_shared_lock = threading.Lock()


def shared_worker(budget: Budget = DEFAULT_BUDGET) -> ParseWorker:
    """One worker per budget for the whole process: every corpus with the same budget parses
    through it (one file at a time), so a process pays for starting a child once."""
    with _shared_lock:
        worker = _shared.get(budget)
        if worker is None:
            worker = _shared[budget] = ParseWorker(budget)
        return worker
