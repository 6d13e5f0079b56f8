"""Text from articles made inert before the command line prints it.

An article can carry escape sequences in its title or text: printed raw, they set the window
title, clear the screen or colour invented text, and a file the output is redirected to keeps
them for whoever reads it with `cat`. So every control character but tab and newline - C0, DEL,
C1 (0x80-0x9f, where 0x9b alone starts a sequence on some terminals) and the bidirectional
controls that reorder what is shown - is printed as a visible escape (`\\x1b`, `\\u202e`),
on a terminal and in a file alike. JSON output keeps the exact text: there, the same
characters are written as JSON escapes, which decode to the very characters of the article.
"""

from __future__ import annotations

import re

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# json.dumps already escapes C0; C1 and the bidirectional controls it writes as they are
_JSON_RAW = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def inert(text: str) -> str:
    """`text` with every control character but tab and newline shown as an escape."""
    return _CONTROL.sub(_visible, text)


def inert_json(document: str) -> str:
    """A JSON document (from `json.dumps`) with the characters a terminal would act on written
    as `\\uXXXX` escapes: they can only stand inside strings, which decode to the same text."""
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group(0)):04x}", document)
