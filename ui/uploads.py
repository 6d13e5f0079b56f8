"""Uploads indexed in the background, one at a time, each all or nothing and cancellable.

The web chat hands an upload (its files read into memory) to `UploadJobs.start` and polls the
job for progress; a Cancel sets the job's flag and `Assistant.upload` stops at its next step,
keeping none of the upload's articles. Jobs run on one worker thread, so a large upload never
holds more than one of the server's threads and questions keep being answered meanwhile.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from assistant import Assistant, AssistantError, InputError
from index.indexer import Cancelled, UploadReport

log = logging.getLogger(__name__)

MAX_PENDING = 8  # uploads waiting or running at once (each holds its files in memory)
STAGES = {"queued": "waiting for an earlier upload", "reading": "reading", "embedding": "embedding"}
_STAGE_UNITS = {"reading": "files", "embedding": "sentences", "writing": "chunks"}


@dataclass
class UploadJob:
    id: int
    owner: str  # the session that started it (its Cancel button cancels it)
    files: list[tuple[str, bytes]]
    replace: bool = False  # may it replace indexed articles of the same names?
    size: int = 0  # bytes it holds in memory until it is done
    cancel: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)
    stage: str = "queued"
    done: int = 0
    total: int = 0
    result: UploadReport | None = None
    error: AssistantError | None = None

    @property
    def cancelled(self) -> bool:
        return isinstance(self.error, Cancelled)

    def fraction(self) -> float:
        """Overall progress in [0, 1]: embedding is most of the work."""
        weights = {"queued": (0.0, 0.0), "reading": (0.0, 0.1), "embedding": (0.1, 0.85)}
        start, span = weights.get(self.stage, (0.95, 0.05))
        part = self.done / self.total if self.total else 0.0
        return min(1.0, start + span * part)

    def describe(self) -> str:
        """One line for the status box."""
        names = ", ".join(name for name, _ in self.files)
        if self.cancel.is_set() and not self.finished.is_set():
            return f"Cancelling the upload of {names}…"
        if self.stage == "queued":
            return f"Upload of {names}: {STAGES['queued']}…"
        unit = _STAGE_UNITS.get(self.stage, "")
        count = f" {self.done:,} of {self.total:,} {unit}" if self.total else ""
        return f"Indexing {names}: {self.stage}{count} ({self.fraction():.0%}). Cancel stops it."


class UploadJobs:
    """A queue of uploads worked through by one background thread."""

    def __init__(
        self,
        bot: Assistant,
        on_done: Callable[[UploadJob], None] | None = None,
        max_bytes: int | None = None,
    ):
        """`max_bytes`: bytes the waiting and running uploads may hold in memory, in all
        (None: no limit)."""
        self.bot, self.on_done, self.max_bytes = bot, on_done, max_bytes
        self._ids = itertools.count(1)
        self._queue: queue.Queue[UploadJob] = queue.Queue()
        self._jobs: dict[int, UploadJob] = {}
        self._lock = threading.Lock()
        self._worker = threading.Thread(target=self._run, name="uploads", daemon=True)
        self._worker.start()

    def start(self, owner: str, files: list[tuple[str, bytes]], replace: bool = False) -> UploadJob:
        """Queue an upload; `InputError` if `MAX_PENDING` are already waiting or running, or
        if its bytes would take those held past `max_bytes`."""
        size = sum(len(raw) for _, raw in files)
        job = UploadJob(next(self._ids), owner, files, replace, size)
        with self._lock:
            if len(self._jobs) >= MAX_PENDING:
                raise InputError(
                    f"{len(self._jobs)} uploads are already waiting or running: "
                    "try again when one has finished"
                )
            self._check_room(size)
            self._jobs[job.id] = job
        self._queue.put(job)
        return job

    def room(self, size: int) -> None:
        """`InputError` unless an upload of `size` bytes fits beside those held now (asked
        before its files are read into memory; `start` asks again)."""
        with self._lock:
            self._check_room(size)

    def _check_room(self, size: int) -> None:
        if self.max_bytes is None:
            return
        held = sum(job.size for job in self._jobs.values())
        if held + size > self.max_bytes:
            waiting = f"with the {_mb(held)} of uploads waiting or being indexed, " if held else ""
            raise InputError(
                f"refused: this upload is {_mb(size)}; {waiting}that is over the "
                f"{_mb(self.max_bytes)} the server holds for uploads "
                "(ASSISTANT_INGEST_MAX_QUEUED_MB)"
                + ("; try again when one has finished" if held else "")
            )

    def cancel(self, owner: str) -> list[UploadJob]:
        """Cancel every unfinished upload this session started; the jobs cancelled."""
        with self._lock:
            jobs = [j for j in self._jobs.values() if j.owner == owner]
        for job in jobs:
            job.cancel.set()
        return jobs

    def running(self) -> list[UploadJob]:
        with self._lock:
            return list(self._jobs.values())

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            try:
                if job.cancel.is_set():
                    raise Cancelled("the upload was cancelled; none of its articles were kept")
                job.result = self.bot.upload(
                    job.files, job.cancel, partial(_progress, job), replace=job.replace
                )
            except AssistantError as exc:
                job.error = exc
            except Exception as exc:  # never let one upload stop the worker
                log.exception("upload %d failed", job.id)
                job.error = AssistantError(f"the upload failed: {exc}")
            finally:
                job.files = [(name, b"") for name, _ in job.files]  # the bytes are not needed
                with self._lock:
                    self._jobs.pop(job.id, None)
                job.stage = "done"
                job.finished.set()
                if self.on_done is not None:
                    try:
                        self.on_done(job)
                    except Exception:
                        log.exception("after upload %d", job.id)


def _mb(n: int) -> str:
    return f"{n / 1048576:,.1f} MB"


def _progress(job: UploadJob, stage: str, done: int, total: int) -> None:
    job.stage, job.done, job.total = stage, done, total
