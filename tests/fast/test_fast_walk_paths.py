"""The folder walk names files as pathlib would, without making pathlib objects per entry."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from index.loader import _joined

names = st.text(st.sampled_from("ab-_. é"), min_size=1, max_size=6).filter(
    lambda n: n.strip(".") and n not in {".", ".."}
)


@given(st.sampled_from([".", "a", "a/b", "/", "/x", "../y", "..", "a-b"]), st.lists(names))
def test_joined_is_what_pathlib_gives(shown, rel):
    assert _joined(shown, tuple(rel)) == str(Path(shown) / Path(*rel))
