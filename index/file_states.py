"""What each file was when it was last indexed: its size, modification time and the articles
(source, content hash) it gave. Saved beside an embedded store, so `assistant index` over a
folder it has indexed before reads neither the files nor the parse worker's output again: a file
whose size and time are unchanged, and whose articles the store still holds at those hashes, is
unchanged. (The same test rsync and make rely on; a file rewritten with other content of the
same size within the same nanosecond would be missed, which `--sync` after a touch repairs.)
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from index.atomic_files import write_whole

log = logging.getLogger(__name__)

FILE = "files-v1.json"
Seen = list[tuple[str, str]]  # (source, sha256) of each article a file gave


class FileStates:
    def __init__(self, path: Path | None):
        """`path`: where they are saved (None: nothing is kept)."""
        self.path = path
        self._known: dict[str, list] = {}
        self._changed = False
        if path is not None:
            try:
                data = json.loads(path.read_text("utf-8"))
                self._known = data if isinstance(data, dict) else {}
            except FileNotFoundError:
                pass
            except (OSError, ValueError) as exc:
                log.warning("ignoring %s: %s", path, exc)

    def seen(self, file: Path) -> Seen | None:
        """The articles `file` gave when last indexed, if it has not changed since."""
        entry = self._known.get(str(file))
        if not entry:
            return None
        try:
            stat = file.stat()
        except OSError:
            return None
        size, mtime, articles = entry
        if (stat.st_size, stat.st_mtime_ns) != (size, mtime):
            return None
        return [(str(s), str(h)) for s, h in articles]

    def record(self, file: Path, articles: Seen) -> None:
        if self.path is None:
            return
        try:
            stat = file.stat()
        except OSError:
            return
        self._known[str(file)] = [stat.st_size, stat.st_mtime_ns, [list(a) for a in articles]]
        self._changed = True

    def save(self) -> None:
        if self.path is None or not self._changed:
            return
        # only the next run's speed depends on it: a failure is a warning
        if write_whole(self.path, json.dumps(self._known, ensure_ascii=False)):
            self._changed = False
