"""Loading files: formats, titles and dates, and every kind of bad file."""

from __future__ import annotations

import json

import pytest
from conftest import AMN, CNN, SAMPLE

from index.errors import LoadError, SourceNotFoundError
from index.loader import SourceFile, find_files, load_file, parse_bytes, published_date


def _load(path):
    return load_file(SourceFile(path, str(path)))


def test_sample_titles_and_dates():
    cnn = _load(SAMPLE / CNN)[0]
    amn = _load(SAMPLE / AMN)[0]
    assert cnn.title.startswith("Elon Musk denies the claim")
    assert cnn.published is None  # the CNN-based report states no date
    # the first line of this file is site furniture, not the headline
    assert amn.title.startswith("Is Elon Musk lying about")
    assert amn.published == "2022-10-12"


def test_text_is_kept_byte_for_byte(tmp_path):
    raw = "Title line\r\n\r\nIt said “hi”\u00a0— fine 😀.\r\nNext line.\n".encode()
    path = tmp_path / "crlf.txt"
    path.write_bytes(raw)
    article = _load(path)[0]
    assert article.text.encode() == raw


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"  \n\t\n", "empty"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("latin1.txt", "Caf\u00e9 au lait".encode("latin-1"), "not UTF-8"),
        ("bad.json", b"{not json", "invalid JSON"),
        ("notext.json", json.dumps({"title": "x"}).encode(), "missing or empty 'text'"),
        ("image.png", b"\x89PNG", "unsupported file type"),
    ],
)
def test_bad_files_are_refused_with_a_reason(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(LoadError, match=reason):
        _load(path)


def test_missing_path_is_an_error(tmp_path):
    with pytest.raises(SourceNotFoundError, match="no such file"):
        find_files([tmp_path / "nope"])


def test_folder_listing_keeps_given_prefix_and_skips_hidden(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.txt").write_text("X\n\nBody text here.", encoding="utf-8")
    (tmp_path / "a" / ".hidden.txt").write_text("secret", encoding="utf-8")
    files = find_files([str(tmp_path / "a")])
    assert [f.source for f in files] == [str(tmp_path / "a" / "x.txt")]


def test_json_and_jsonl_articles():
    one = parse_bytes(
        json.dumps(
            {"title": "T", "text": "Body.", "published": "2021-03-04", "url": "http://x"}
        ).encode(),
        "a.json",
        ".json",
    )
    assert (one[0].title, one[0].published, one[0].url, one[0].source) == (
        "T",
        "2021-03-04",
        "http://x",
        "a.json",
    )
    lines = "\n".join(json.dumps({"title": f"T{i}", "text": f"Text {i}."}) for i in range(3))
    many = parse_bytes(lines.encode(), "b.jsonl", ".jsonl")
    assert [a.source for a in many] == ["b.jsonl#1", "b.jsonl#2", "b.jsonl#3"]
    with pytest.raises(LoadError, match="line 2"):
        parse_bytes(b'{"title": "a", "text": "b"}\n{oops\n', "c.jsonl", ".jsonl")


def test_html_text_is_extracted_and_scripts_dropped():
    html = (
        b"<html><head><title>Big news</title><script>alert(1)</script></head>"
        b"<body><nav>Menu</nav><h1>Big news</h1><p>First para.</p><p>Second &amp; last.</p>"
        b"</body></html>"
    )
    article = parse_bytes(html, "page.html", ".html")[0]
    assert article.title == "Big news"
    assert "alert" not in article.text and "Menu" not in article.text
    assert "Second & last." in article.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Headline\nOctober 12, 2022\nBody", "2022-10-12"),
        ("Headline\nPublished 3 March 2021 at 10:00\nBody", "2021-03-03"),
        ("Headline\n2020-01-31\nBody", "2020-01-31"),
        ("Headline\nNo date here, only 2014 in passing.\nBody", None),
        ("Julian Lewis Jones (born 21 August 1968)", None),
        ("Obituary\nThe actor, who was born on 21 August 1968 in Wales, has died.", None),
        ("Headline\nBy Jane Doe | Updated: Monday, 4 May 2020 09:15 GMT\nBody", "2020-05-04"),
    ],
)
def test_published_date(text, expected):
    assert published_date(text) == expected
