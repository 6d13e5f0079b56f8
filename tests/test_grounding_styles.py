"""The grounding check on faithful answers written as models write them (issue 17): where the
markers go, how names are spelled, what a quotation attributes, and which disagreements the
answer must present. Unfaithful answers stay blocked."""

from __future__ import annotations

import pytest

from assistant.generate.generator import Generator, disagreement_block, disagreements
from assistant.generate.grounding import check, is_refusal, sentences
from assistant.records import Answer, Citation, Conflict, ConflictSide

EVIDENCE = {
    1: "Musk denied Bremmer’s claims on Tuesday, saying the only time he spoke with Putin was "
    "18 months ago, and said their conversation was about space.",
    2: "“F-off is a very diplomatic response to you,” Ukraine’s ambassador to Germany, Andrei "
    "Melnik, wrote in response to Musk’s Twitter thread.",
    3: "Eurasia Group is a political risk advisory and research firm that reports on emerging "
    "and developed economies.",
    4: "The exchange comes after Musk tweeted a “peace plan between Ukraine and Russia” last week "
    "that reflected demands that Kremlin officials have made, including Kyiv’s commitment to "
    "military neutrality.",
    5: "“I only spoke to Putin once and that was about 18 months ago,” Musk wrote on Twitter. "
    "“The topic was space.”",
    6: "Elon Musk denies the claim that he spoke to Vladimir Putin about the war in Ukraine",
    7: "Speaking at “The Weekend” festival in Aspen, Colorado, last month, Musk told attendees "
    "he would encourage Ukraine to pursue peace.",
    8: "Bremmer's newsletter goes to his subscribers every week.",
}
FIRM = "Eurasia Group is a political risk advisory and research firm"


@pytest.mark.parametrize(
    "answer",
    [
        f"{FIRM}. [3] Musk denied Bremmer’s claims on Tuesday. [1]",  # after the full stop
        f"{FIRM} [3]. Musk denied Bremmer’s claims on Tuesday [1].",  # before it
        f"{FIRM}. [3][1] Musk denied Bremmer’s claims on Tuesday. [1][3]",
        f"{FIRM} [3, 1]. Musk denied Bremmer’s claims on Tuesday [1,3].",
        f"{FIRM} [3], [1]. Musk denied Bremmer’s claims on Tuesday [1].",
        f"{FIRM}.[3]\nMusk denied Bremmer’s claims on Tuesday.[1]",
    ],
)
def test_every_citation_style_cites(answer):
    verdict = check(answer, EVIDENCE, [])
    assert verdict.ok, verdict.reason


def test_markers_belong_to_the_sentence_they_end_or_follow():
    found = sentences(f"{FIRM}. [3] Musk denied Bremmer’s claims on Tuesday. [1] [3]")
    assert [s.text for s in found] == [f"{FIRM}.", "Musk denied Bremmer’s claims on Tuesday."]
    assert [s.markers for s in found] == [[3], [1, 3]]  # a lone marker is no sentence
    # a headline has no full stop: its marker ends it
    found = sentences(f"{EVIDENCE[6]} [6] {FIRM} [3]")
    assert [s.markers for s in found] == [[6], [3]]
    assert check(f"{EVIDENCE[6]} [6] {FIRM} [3]", EVIDENCE, []).ok
    # a marker in the middle cites what comes before it
    found = sentences("Musk denied it [1], while Bremer claimed he did [2].")
    assert [c for c, _ in found[0].clauses()] == [
        "Musk denied it",
        ", while Bremer claimed he did.",
    ]


def test_the_answer_keeps_the_text_the_model_wrote():
    text = f"{FIRM} [3]. Musk denied Bremmer’s claims on Tuesday [1]."
    assert "".join(s.text for s in sentences(text)) != text  # the check reads it unmarked
    assert check(text, EVIDENCE, []).ok  # ... and the answer shown is `text` (tests e2e)


@pytest.mark.parametrize(
    "answer",
    [
        "Musk denied Bremmer's claims on Tuesday. [1]",  # straight apostrophe, curly evidence
        "Bremmer’s newsletter goes to his subscribers every week. [8]",  # the other way round
        "Andrei Melnik, Ukraine's ambassador to Germany, wrote: “F-off is a very diplomatic "
        "response to you.” [2]",
        "Melnik wrote that F-off is a very diplomatic response to Musk’s Twitter thread. [2]",
        "Musk tweeted a “peace plan between Ukraine and Russia” including Kyiv's commitment to "
        "military neutrality. [4]",
        "Musk told attendees at ‘The Weekend’ festival in Aspen, Colorado, he would encourage "
        "Ukraine to pursue peace. [7]",
        'Musk told attendees at the "Weekend" festival in Aspen he would encourage Ukraine to '
        "pursue peace. [7]",
        "Musk told attendees at the 'Weekend' festival in 'Aspen' he would encourage Ukraine "
        "to pursue peace. [7]",
        # a first name the evidence gives the same person elsewhere
        "Elon Musk denied Bremmer’s claims on Tuesday, saying the only time he spoke with "
        "Putin was 18 months ago. [1]",
        "Mr. Musk denied Bremmer’s claims on Tuesday. [1]",
    ],
)
def test_names_match_whatever_the_apostrophes_and_quotes(answer):
    verdict = check(answer, EVIDENCE, [])
    assert verdict.ok, verdict.reason


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("Macron's office denied Bremmer’s claims on Tuesday. [1]", "name Macron's"),
        ("Musk denied Bremmer’s claims on Tuesday in Geneva. [1]", "name Geneva"),
        ("Hunter Musk denied Bremmer’s claims on Tuesday. [1]", "name Hunter"),
        ("Musk said he spoke with Putin 19 months ago. [1]", "number 19"),
        ("Musk tweeted a “peace plan between Ukraine and Russia” last week. [3]", "not in the"),
        ("Musk denied Bremmer’s claims on Tuesday. [9]", "not among the evidence"),
        ("Musk denied Bremmer’s claims on Tuesday.", "no citation"),
        ("The topic was space. [5]", "states as fact"),
        ("I only spoke to Putin once and that was about 18 months ago. [5]", "states as fact"),
        ("F-off is a very diplomatic response to Musk’s Twitter thread. [2]", "states as fact"),
    ],
)
def test_unfaithful_answers_stay_blocked(answer, reason):
    verdict = check(answer, EVIDENCE, [])
    assert not verdict.ok and reason in verdict.reason, verdict.reason


@pytest.mark.parametrize(
    "answer",
    [
        "“The topic was space.” [5]",  # a quotation attributes
        "Musk wrote on Twitter: “I only spoke to Putin once and that was about 18 months ago.” "
        "[5] He added that the topic was space. [5]",  # the speaker named the sentence before
        "According to Musk, the topic was space. [5]",
        "Musk wrote on Twitter that he only spoke to Putin once, about 18 months ago. [5]",
    ],
)
def test_attributed_evidence_reported_as_such_passes(answer):
    verdict = check(answer, EVIDENCE, [])
    assert verdict.ok, verdict.reason


def _answer_with(conflicts: list[tuple[str, int, int]]) -> Answer:
    cites = tuple(Citation(n, f"{n}.txt", f"Title {n}", 0, len(q), q) for n, q in EVIDENCE.items())
    return Answer(
        question="When did Musk last speak to Putin?",
        answer="",
        answerable=True,
        citations=cites,
        conflicts=tuple(
            Conflict(
                kind,
                "summary",
                (
                    ConflictSide(f"{a}.txt", 0, 1, "x", citation=a),
                    ConflictSide(f"{b}.txt", 0, 1, "y", citation=b),
                ),
            )
            for kind, a, b in conflicts
        ),
    )


def test_the_prompt_lists_the_disagreements_the_check_then_asks_for():
    base = _answer_with(
        [("disputed_claim", 1, 6), ("date", 6, 1), ("name_spelling", 1, 8), ("factual", 2, 4)]
    )
    assert [(a, b) for a, b, _ in disagreements(base)] == [(1, 6), (2, 4)]
    block = disagreement_block(base)
    assert "- [1] and [6]: one asserts what the other denies" in block
    assert "- [2] and [4]: they state contradicting facts" in block
    assert "[8]" not in block  # a spelling has no sides to give

    class Echo:
        name = "echo"

        def stream(self, prompt):
            yield prompt

        def generate(self, prompt):
            return prompt

    prompt = Generator(Echo()).prompt(base)
    assert block in prompt and "[3] Eurasia Group" in prompt and "(article: Title 3)" in prompt
    assert "Disagreements:\nNone found." in Generator(Echo()).prompt(_answer_with([]))
    # An answer from [3] alone: fine when nothing was listed, one-sided when [1]/[6] were.
    firm = f"{FIRM}. [3]"
    assert check(firm, EVIDENCE, []).ok
    assert "both sides" in check(firm, EVIDENCE, [(1, 6)]).reason
    both = f"{firm} Musk denied Bremmer’s claims on Tuesday. [1] {EVIDENCE[6]} [6]"
    assert check(both, EVIDENCE, [(1, 6)]).ok


def test_a_refusal_is_the_models_own_words():
    assert is_refusal("The articles do not say.", EVIDENCE)
    assert is_refusal("The articles do not say when Eurasia Group was founded.", EVIDENCE)
    assert is_refusal("The articles do not say. [3]", EVIDENCE)  # a citation changes nothing
    assert not is_refusal(f"{FIRM}. [3]", EVIDENCE)
    said = {1: "Kirby does not say who decides, a spokesman said."}
    assert not is_refusal("Kirby does not say who decides, a spokesman said. [1]", said)
