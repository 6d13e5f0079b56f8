"""Files beside the store that several processes read and write: each is written whole to a
temporary name and renamed, so a reader sees the old file or the new one, never half of one."""

from __future__ import annotations

import logging
import os
import uuid
from pathlib import Path

log = logging.getLogger(__name__)


def write_whole(path: Path, text: str) -> bool:
    """Write `text` to `path` atomically; False (and a warning) if it cannot be written, since
    a read-only store still answers, it only works things out again next time."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, "utf-8")
        os.replace(tmp, path)
        return True
    except OSError as exc:
        log.warning("cannot save %s: %s", path, exc)
        return False
    finally:
        tmp.unlink(missing_ok=True)
