"""Reported speech: quoted sentences keep their speaker."""

from __future__ import annotations

import pytest

from assistant.answer.attribution import attributed, quoted_regions, speaker


def _state(paragraph: str, sentence: str, before: tuple[str, ...] = ()) -> str:
    return attributed(sentence, [paragraph, *before], paragraph.index(sentence), "Title")


def test_sentence_inside_an_unopened_quotation_gets_its_speaker():
    p = "Elon Musk told me he spoke with Putin. He also told me more,” Bremer wrote."
    assert _state(p, "Elon Musk told me he spoke with Putin.") == (
        "Bremer wrote: “Elon Musk told me he spoke with Putin.”"
    )


def test_sentence_naming_its_speaker_is_kept_verbatim():
    p = "“We will appeal,” the mayor said. Then she left."
    assert _state(p, "“We will appeal,” the mayor said.") == "“We will appeal,” the mayor said."


def test_narration_is_kept_verbatim():
    p = "The council met on Monday. It approved the budget."
    assert _state(p, "It approved the budget.") == "It approved the budget."


def test_speaker_found_in_the_paragraph_before():
    before = "Bremer wrote in a note on Monday:"
    p = "“There were three components: Crimea, neutrality and the water supply.”"
    sentence = p
    assert _state(p, sentence, (before,)).startswith("Bremer wrote: “There were three")


def test_unknown_speaker_falls_back_to_the_article():
    p = "“Nothing is settled yet, and nothing will be for months.”"
    assert (
        _state(p, p)
        == "As quoted in “Title”: “Nothing is settled yet, and nothing will be for months.”"
    )


def test_united_states_is_not_a_reporting_verb():
    p = "“I will let him talk. He is not representing the United States here. Fine,” Kirby said."
    s = "He is not representing the United States here."
    assert _state(p, s) == "Kirby said: “He is not representing the United States here.”"


@pytest.mark.parametrize(
    ("paragraph", "who"),
    [
        ("“Yes,” Kirby said.", "Kirby"),
        ("Musk tweeted: “Nobody should trust him.”", "Musk"),
        ("“No comment,” said John Kirby.", "John Kirby"),
        ("“That is all,” he added.", None),
    ],
)
def test_speaker(paragraph, who):
    found = speaker(paragraph)
    assert (found[0] if found else None) == who


def test_quoted_regions():
    p = "He said “a” and “b”, then: “c"
    assert [p[a:b] for a, b in quoted_regions(p)] == ["“a”", "“b”", "“c"]
