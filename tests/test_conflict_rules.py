"""Each conflict rule on pairs of our own making: it fires on real disagreements and stays
quiet on agreement, complementary facts and unrelated statements."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.conflicts.claims import Claim
from assistant.conflicts.detector import ConflictDetector
from assistant.conflicts.name_spellings import ArticleText, name_spellings
from assistant.conflicts.rules import (
    differing_lists,
    disputed_claim,
    negation_flip,
    numbers_and_dates,
    quote_wording,
)
from index.chunker import split_sentences
from index.records import Span


def claim(text: str, source: str = "a.txt", published: str | None = None) -> Claim:
    return Claim(
        source=source,
        span=Span(0, len(text)),
        text=text,
        vector=np.zeros(1),
        title=source,
        published=published,
        paragraph=text,
        paragraph_start=0,
    )


def fires(rule, x: str, y: str, sim: float = 0.8):
    return rule(claim(x, "a.txt"), claim(y, "b.txt"), sim)


DISPUTED_POS = [
    (
        "Musk denied that he spoke with Putin about Ukraine.",
        "Bremmer insisted that Musk told him he spoke with Putin about Ukraine.",
    ),
    (
        "The minister denied receiving payments from Acme Corp.",
        "According to the auditor, the minister received payments from Acme Corp.",
    ),
    (
        "Smith denies meeting the Russian ambassador in Vienna.",
        "Jones claimed that Smith met the Russian ambassador in Vienna.",
    ),
    (
        "The company rejected the claim that its Berlin factory polluted the river.",
        "Activists maintain that the Berlin factory polluted the river.",
    ),
    (
        "Mayor Lopez denied that the council approved the stadium deal.",
        "Councillor Brown said the council approved the stadium deal in March.",
    ),
]
DISPUTED_NEG = [  # agreement, the denier repeating himself, unrelated pairs, two denials
    (
        "Musk denied that he spoke with Putin about Ukraine.",
        "Musk said he has not spoken with Putin in over a year.",
    ),
    (
        "The minister denied receiving payments from Acme Corp.",
        "The minister also denied any contact with Acme Corp.",
    ),
    (
        "Smith denies meeting the Russian ambassador in Vienna.",
        "Jones claimed that the weather in Vienna was unusually warm.",
    ),
    (
        "Ukrainian officials rejected the proposal Musk offered.",
        "Musk’s proposal called for new referendums in the territories.",
    ),
    (
        "Mayor Lopez denied that the council approved the stadium deal.",
        "The council meets on Tuesdays in the town hall.",
    ),
]


@pytest.mark.parametrize(("x", "y"), DISPUTED_POS)
def test_disputed_claim_fires(x, y):
    found = fires(disputed_claim, x, y)
    assert found and found.kind == "disputed_claim"


@pytest.mark.parametrize(("x", "y"), DISPUTED_NEG)
def test_disputed_claim_stays_quiet(x, y):
    assert fires(disputed_claim, x, y) is None


NUMERIC_POS = [
    (
        "The recipe is known only to three monks at Grande Chartreuse.",
        "Only two monks at Grande Chartreuse know the recipe.",
    ),
    (
        "The fire in Leeds destroyed 40 homes, officials said.",
        "The fire in Leeds destroyed 25 homes.",
    ),
    (
        "The Maracaibo lake water has a salinity of 3.8% near the coast.",
        "The Maracaibo lake water has a salinity of 0.13% near the delta.",
    ),
    (
        "Acme Corp employs 1,200 workers at its Ohio plant.",
        "Acme Corp employs 900 workers at its Ohio plant.",
    ),
    ("The Danube bridge is 340 meters long.", "The Danube bridge is 420 meters long."),
]
NUMERIC_NEG = [
    (
        "Acme Corp employs 1,200 workers at its Ohio plant.",
        "Acme Corp employs 1200 workers at its Ohio plant.",
    ),
    (
        "Bremmer has written his newsletter for 24 yrs.",
        "Bremmer has written the newsletter for 24 years.",
    ),
    ("The fire in Leeds destroyed 40 homes.", "The Leeds council approved 12 new schools."),
    ("The Danube bridge is 340 meters long.", "The Danube bridge opened to 340 cars a day."),
    ("Three people were hurt in the Madrid crash.", "Madrid police arrested two suspects."),
]
DATE_POS = [
    (
        "“I only spoke to Putin once and that was about 18 months ago,” Musk wrote.",
        "Bremer claimed that Musk told him about his conversation with Putin last month.",
    ),
    (
        "Julian Lewis Jones (born 21 August 1968) is a Welsh actor.",
        "Julian Lewis Jones was born 27 August 1968 in Wales.",
    ),
    ("Karl Weyprecht died on 2 March 1881 in Michelstadt.", "Karl Weyprecht died on 3 March 1881."),
    ("Liu Zhi died in Taiwan in 1972.", "Liu Zhi died on 15 January 1971 in Taichung, Taiwan."),
    (
        "Fitzduff founded Mediation Northern Ireland in 1988.",
        "Fitzduff founded the Mediation Northern Ireland group in 1989.",
    ),
]
DATE_NEG = [
    ("Liu Zhi died in Taiwan in 1972.", "Liu Zhi died in Taiwan in 1972, aged 78."),
    ("Crimea was annexed by Moscow in 2014.", "Crimea has been Russian since 1783, Musk said."),
    (
        "Musk tweeted his peace plan last week.",
        "Musk spoke to Putin about space 18 months ago, he said.",
    ),
    ("Karl Weyprecht was born on 8 September 1838.", "Karl Weyprecht died on 2 March 1881."),
    ("The Paris museum opened in 1990.", "The Paris museum opened in 1990 after delays."),
]


@pytest.mark.parametrize(("x", "y"), NUMERIC_POS)
def test_numeric_fires(x, y):
    found = fires(numbers_and_dates, x, y)
    assert found and found.kind == "numeric", found


@pytest.mark.parametrize(("x", "y"), NUMERIC_NEG + DATE_NEG)
def test_numbers_and_dates_stay_quiet(x, y):
    assert fires(numbers_and_dates, x, y) is None


@pytest.mark.parametrize(("x", "y"), DATE_POS)
def test_date_fires(x, y):
    found = fires(numbers_and_dates, x, y)
    assert found and found.kind == "date", found


NEGATION_POS = [
    (
        "Ukraine does not remain neutral,” Musk tweeted.",
        "Musk’s peace plan called for Ukraine to commit to neutrality.",
    ),
    (
        "CD19 is expressed on B cells, excluding plasma cells.",
        "Human plasma cells do express CD19, as confirmed by others.",
    ),
    (
        "Synthetic chords cannot be analyzed as traditional chords.",
        "Some synthetic chords may be analyzed as traditional chords.",
    ),
    (
        "The Lisbon bridge was not damaged in the storm.",
        "The Lisbon bridge was damaged in the storm, engineers reported.",
    ),
    (
        "Kowalska did not attend the Warsaw summit.",
        "Kowalska attended the Warsaw summit on Friday.",
    ),
]
NEGATION_NEG = [
    ("He is not an expert in geopolitics.”", "he’s not a geopolitics expert.”"),
    (
        "Musk was not speaking on behalf of the Biden administration.",
        "Musk spoke with Putin about Ukraine.",
    ),
    (
        "The Lisbon bridge was not damaged in the storm.",
        "The Lisbon bridge reopened after the storm.",
    ),
    ("Kowalska did not attend the Warsaw summit.", "Nowak attended the Berlin summit."),
    ("Is Musk lying about ‘not’ talking to Putin?", "Musk talked to Putin, Bremmer says."),
]


@pytest.mark.parametrize(("x", "y"), NEGATION_POS)
def test_negation_flip_fires(x, y):
    found = fires(negation_flip, x, y)
    assert found and found.kind in ("factual", "disputed_claim"), found


@pytest.mark.parametrize(("x", "y"), NEGATION_NEG)
def test_negation_flip_stays_quiet(x, y):
    assert fires(negation_flip, x, y) is None


LIST_POS = [
    (
        "Ukraine cedes Luhansk, Donetsk, Kherson and Zaporizhzhia to Russia.",
        "Russia’s annexation of Luhansk and Donetsk is recognised.",
    ),
    ("The team visited Paris, Lyon and Nice.", "The team visited Paris, Lyon and Marseille."),
    ("Board members are Smith, Jones and Patel.", "Board members are Smith and Jones."),
    (
        "Flights leave from Oslo, Bergen, Tromso and Stavanger.",
        "Flights leave from Oslo, Bergen and Stavanger.",
    ),
    ("The tour stops in Texas, Ohio and Iowa.", "The tour stops in Texas, Ohio, Iowa and Utah."),
]
LIST_NEG = [
    ("The team visited Paris, Lyon and Nice.", "The team visited Nice, Lyon and Paris."),
    ("Board members are Smith, Jones and Patel.", "Lawyers are Brown and Green."),
    ("Ukraine cedes Luhansk and Donetsk.", "Talks were held in Minsk and Geneva."),
    ("The tour stops in Texas, Ohio and Iowa.", "The tour stops in Texas."),
    ("Flights leave from Oslo and Bergen.", "Trains leave from Oslo and Stockholm."),
]


@pytest.mark.parametrize(("x", "y"), LIST_POS)
def test_differing_lists_fire(x, y):
    found = fires(differing_lists, x, y)
    assert found and found.kind == "factual"


@pytest.mark.parametrize(("x", "y"), LIST_NEG)
def test_differing_lists_stay_quiet(x, y):
    assert fires(differing_lists, x, y) is None


QUOTE_POS = [
    (
        "“F-off is a very diplomatic response to you,” Andrei Melnik wrote.",
        "“Fuck off is my very diplomatic reply to you @elonmusk,” Andrij Melnyk tweeted.",
    ),
    (
        "“I have always admired Musk as a one-of-a-kind entrepreneur,” Bremer wrote.",
        "“i’ve long admired musk as a unique entrepreneur,” Bremmer tweeted.",
    ),
    (
        "“We will never accept these terms from Moscow,” Zelensky said.",
        "“We will never agree to these terms from Moscow,” Zelensky said.",
    ),
    (
        "“The economy is strong and growing every single month,” Smith said.",
        "“The economy is weak and shrinking every single month,” Smith said.",
    ),
    (
        "“This deal is a disaster for our farmers and workers,” Lee said.",
        "“This deal is a triumph for our farmers and workers,” Lee said.",
    ),
]
QUOTE_NEG = [
    (
        "“I write honestly without fear or favour,” Bremer wrote.",
        "“i write honestly without fear or favor,” Bremmer tweeted.",
    ),  # spelling only
    (
        "“We will never accept these terms from Moscow,” Zelensky said.",
        "“We will never accept these terms from Moscow,” Kuleba said.",
    ),  # other speaker
    (
        "“The economy is strong and growing every single month,” Smith said.",
        "“The weather is fine for the harvest this year,” Smith said.",
    ),  # another quote
    (
        "“This deal is a disaster for our farmers and workers,” Lee said.",
        "“THIS DEAL IS A DISASTER FOR OUR FARMERS AND WORKERS,” Lee said.",
    ),  # case only
    (
        "The deal is a disaster for farmers, Lee said.",
        "The deal is a triumph for farmers, Lee said.",
    ),  # no quotation marks: not a quote
    (
        "“It was good working with her, now farewell.”",
        "“She has great talent but, sadly, after the vote it was clear she wanted her own "
        "party, so it was good working with her, now farewell,” Jones said.",
    ),  # an excerpt of the longer quotation
    (
        "“Voters face a choice between more waste and more taxes with this government, and "
        "less waste and lower taxes with us,” Grey said.",
        "“All this adds up to one thing: at this election people will have a choice between a "
        "government that will waste more and tax more, and a party that will cut taxes,” Grey "
        "said.",
    ),  # two quotations on one theme, words shared out of order
]


@pytest.mark.parametrize(("x", "y"), QUOTE_POS)
def test_quote_wording_fires(x, y):
    found = fires(quote_wording, x, y)
    assert found and found.kind == "quote_wording"


@pytest.mark.parametrize(("x", "y"), QUOTE_NEG)
def test_quote_wording_stays_quiet(x, y):
    assert fires(quote_wording, x, y) is None


def _article(source: str, text: str) -> ArticleText:
    return ArticleText(source, source, None, text, tuple(split_sentences(text)))


# One person spelled two ways stands beside the same names in both reports.
SPELLING_POS = [
    ("Ian Bremer spoke. Bremer wrote again.", "Ian Bremmer spoke. Bremmer wrote."),
    ("Andrei Melnik replied to Musk.", "Envoy Andrij Melnyk replied to Musk."),
    ("Sergei Lavrov met them.", "Sergey Lavrov met them."),
    ("Volodymyr Zelensky spoke.", "Volodymyr Zelenskyy spoke."),
    ("Mykhailo Podolyak said so.", "Mykhailo Podoliak said so."),
]
SPELLING_NEG = [
    ("Russia said so.", "Russian troops moved."),  # one is the other plus a suffix
    ("Bremer spoke. Bremmer wrote.", "Bremer spoke."),  # both spellings in one article
    ("Kyiv is the capital.", "Kiev is the capital."),  # two letters apart
    ("Smith met Jones.", "Smith met Jones."),  # the same spelling
    ("Mark left early.", "Mary left early."),  # too short to call a variant
    ("Andrea Arnold won for Wasp.", "Andre Agassi beat Lopez."),  # two people, no shared name
]


@pytest.mark.parametrize(("x", "y"), SPELLING_POS)
def test_name_spelling_fires(x, y):
    found = name_spellings([_article("a.txt", x), _article("b.txt", y)])
    assert found and all(c.kind == "name_spelling" for _, _, c in found)
    for _, _, c in found:
        for side, text in zip(c.sides, (x, y), strict=True):
            assert text[side.start : side.end] == side.quote


@pytest.mark.parametrize(("x", "y"), SPELLING_NEG)
def test_name_spelling_stays_quiet(x, y):
    assert name_spellings([_article("a.txt", x), _article("b.txt", y)]) == []


def test_outdated_leads_with_the_newer_report():
    old = claim("Acme Corp employs 1,200 workers at its Ohio plant.", "old.txt", "2020-01-05")
    new = claim("Acme Corp employs 900 workers at its Ohio plant.", "new.txt", "2023-06-01")
    old = Claim(**{**old.__dict__, "vector": np.array([1.0, 0.0])})
    new = Claim(**{**new.__dict__, "vector": np.array([0.9, 0.436])})
    found = ConflictDetector().detect([old, new])
    assert [c.kind for c in found] == ["outdated"]
    assert found[0].sides[0].source == "new.txt" and "2023-06-01" in found[0].summary
    undated = Claim(**{**old.__dict__, "published": None})
    assert [c.kind for c in ConflictDetector().detect([undated, new])] == ["numeric"]


def test_within_one_article_only_two_named_voices_can_disagree():
    def same_article(x: str, y: str):
        return numbers_and_dates(claim(x, "a.txt"), claim(y, "a.txt"), 0.8)

    # the narration's two figures: two facts, not a dispute
    narrated = (
        "The Walrus ferry carried 312 passengers across the bay.",
        "The Walrus ferry carried 450 passengers across the bay.",
    )
    assert same_article(*narrated) is None
    assert numbers_and_dates(claim(narrated[0], "a.txt"), claim(narrated[1], "b.txt"), 0.8)
    # two named voices in one article giving different figures for the same thing
    voices = (
        "Harbour master Olaf Brandt said the Walrus ferry carried 312 passengers across the bay.",
        "Operator spokeswoman Ann Lee said the Walrus ferry carried 450 passengers across the bay.",
    )
    assert same_article(*voices) is not None
