"""Fast tier: expected answer types and the typed values a sentence states (no model)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.answer.types import (
    AnswerType,
    asked_part,
    expected_type,
    is_yes_no,
    normalise,
    values,
)
from assistant.names import question_names
from assistant.quantities import agree, quantities

TYPES = [
    ("How many people in the UK have broadband?", AnswerType.NUMBER),
    ("how many seats did they win", AnswerType.NUMBER),
    ("What majority does the sitting MP there have?", AnswerType.NUMBER),
    ("How much did the bridge cost?", AnswerType.MONEY),
    ("What price will the console sell for in Europe?", AnswerType.MONEY),
    ("What share of the market does the firm hold?", AnswerType.PERCENT),
    ("When will the console go on sale?", AnswerType.DATE),
    ("In which year did the club last win the cup?", AnswerType.DATE),
    ("How long was he a member of the party?", AnswerType.DURATION),
    ("And who beat him in the quarter-finals?", AnswerType.NAME),
    ("According to the union, how many jobs will go?", AnswerType.NUMBER),
    ("Which film won best picture?", AnswerType.NAME),
    ("What does the name of the party mean?", None),
    # measurements are figures; "the name of", "birth name" ask for a name
    ("How tall is the tower?", AnswerType.NUMBER),
    ("What was the population of the town in 2001?", AnswerType.NUMBER),
    ("What is the maximum height of the dam?", AnswerType.NUMBER),
    ("What is the range of products?", None),
    ("What is the name of the winner's father?", AnswerType.NAME),
    ("What was Merk's birth name?", AnswerType.NAME),
    ("Which Tory MP defected to Labour?", AnswerType.NAME),
    ("Which coach was sacked?", AnswerType.NAME),
    # ... but not what a person did or said
    ("What did the president say?", None),
    ("What happened to the winner?", None),
    ("What is the meaning of her stage name?", None),
    ("Why did the talks fail?", None),
    ("Did the minister resign?", None),
    # a statement before the question does not hide what is asked
    ("Ansel Merk is a Tolvik poet and journalist. When was Merk born?", AnswerType.DATE),
    ("The club was founded by Ida Holm in 1921. Who leads it now?", AnswerType.NAME),
    ("The ferry sank in 1903. Did anyone survive?", None),
    ("The poet Ansel Merk wrote for the stage. How many plays did he write?", AnswerType.NUMBER),
    ("Merk left the club. Which team did he join?", AnswerType.NAME),
    ("Merk worked for the BBC. When did he leave?", AnswerType.DATE),
    # a question that starts as one keeps its type, whatever stops follow
    ("Who wrote the book Brexit: What Happens Next?", AnswerType.NAME),
    ("How many staff does Acme Corp. have?", AnswerType.NUMBER),
    ("When did Prof. Will Hutton join the paper?", AnswerType.DATE),
]


@pytest.mark.parametrize(("question", "kind"), TYPES)
def test_expected_type(question, kind):
    assert expected_type(question) is kind


def test_values_skip_what_the_question_already_says():
    sentence = "In 2005 the firm sold 4m consoles in Japan, Sony said on 22 January."
    question = "How many consoles did Sony sell in 2005?"
    found = [v.text for v in values(sentence, question, AnswerType.NUMBER)]
    assert found == ["4m"]  # not the year of the question, not the day of a date
    dates = [v.text for v in values(sentence, question, AnswerType.DATE)]
    assert "22 January" in dates and "2005" not in dates
    names = [v.text for v in values(sentence, "Who sold consoles?", AnswerType.NAME)]
    assert "Sony" in names and "Japan" in names


def test_a_possessive_is_the_question_s_own_name():
    question = "Who is suing Acme over its music player?"
    sentence = "A customer of Acme's music store is suing the firm."
    assert values(sentence, question, AnswerType.NAME) == []  # "Acme's" is Acme, asked already
    found = values("Jo Bloggs is suing Acme's store.", question, AnswerType.NAME)
    assert [v.text for v in found] == ["Jo Bloggs"]


@pytest.mark.parametrize(
    ("x", "y"),
    [("4m", "four million"), ("4,000,000", "4 million"), ("£4bn", "£4 bn"), ("87%", "87 per cent")],
)
def test_one_value_written_two_ways(x, y):
    assert normalise(x) == normalise(y)


@pytest.mark.parametrize(("x", "y"), [("5.3 million", "six million"), ("£6bn", "£4bn")])
def test_different_values(x, y):
    assert normalise(x) != normalise(y)


@given(st.text(alphabet=st.sampled_from(list("ab £$%,.0123456789 mnoJanuyMrch-")), max_size=80))
def test_values_are_exact_spans(sentence):
    for kind in AnswerType:
        for v in values(sentence, "", kind):
            assert sentence[v.start : v.end] == v.text


def test_qualifiers_say_what_a_figure_is_of():
    from assistant.quantities import qualifiers

    assert "Erewash" in qualifiers("UKIP won 31% of the vote in Erewash in June.", "%")
    assert qualifiers("The ferry Walrus carried 312 passengers.", "passeng") == {"Walrus"}
    assert qualifiers("Sales rose 5% in a year.", "passeng") == set()  # another unit


def test_a_spelling_counts_only_beside_the_same_names():
    from assistant.conflicts.name_spellings import ArticleText, same_story

    def article(text: str) -> ArticleText:
        return ArticleText("x.txt", "", None, text, ())

    a = article("Veritas named Damian Hockney as deputy to Robert Kilroy-Silk.")
    b = article("Robert Kilroy-Silk was joined by Damien Hockney, a London member.")
    c = article("The film was made by Damien Hirst and shown in Venice.")
    assert same_story(a, "Damian", b, "Damien")
    assert not same_story(a, "Damian", c, "Damien")


@pytest.mark.parametrize(
    ("x", "y", "same"),
    [
        ("one hundred", "101", False),
        ("three hundred thousand", "300,000", True),
        ("£1 trillion", "£1", False),
        ("£4bn", "4 billion pounds", True),
        ("163m dollars", "$163m", True),
        ("1,234,567", "1,234,568", False),
    ],
)
def test_figures_compare_by_value(x, y, same):
    assert (normalise(x) == normalise(y)) is same


def test_dates_and_durations_compare_by_meaning():
    def keys(text: str, kind: AnswerType) -> list:
        return [v.key for v in values(text, "When?", kind)]

    assert keys("The PM may call it soon; protesters will march.", AnswerType.DATE) == []
    assert keys("on 5 May 2005", AnswerType.DATE) == keys("on May 5, 2005", AnswerType.DATE)
    assert keys("for nine months", AnswerType.DURATION) == keys("for 9 months", AnswerType.DURATION)
    assert keys("before the end of March", AnswerType.DATE) == [None]  # not comparable


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Roughly how many songs fit on the iPod shuffle?", set()),
        ("Did Musk buy Twitter?", {"musk", "twitter"}),
        ("Kilroy-Silk left which party?", {"kilroy", "silk"}),
        ("UKIP lost how many members?", {"ukip"}),
    ],
)
def test_a_question_s_first_word_is_a_name_only_when_it_must_be(question, expected):
    assert question_names(question) == expected


@pytest.mark.parametrize(
    ("sentence", "question", "expected"),
    [
        ("It reaches beyond six kilometres.", "How many homes have broadband?", []),
        ("It won 31% of the vote.", "How many votes did it get?", []),
        ("It won 31 per cent of the vote.", "How many votes did it get?", []),
        ("Tickets cost 19,800 yen each.", "How many tickets were sold?", []),
        (
            "The total rose to almost 3.3 million.",
            "How many homes have broadband?",
            ["3.3 million"],
        ),
        ("Police arrested 12 fans.", "How many fans were arrested?", ["12"]),
        ("The delay lasted 20 minutes.", "How many minutes did the delay last?", ["20"]),
        ("It was their third Six Nations defeat.", "How many fans watched?", []),
        ("Six fans watched the Formula One race.", "How many fans watched?", ["Six"]),
        ("Two Labour MPs resigned on Monday.", "How many MPs resigned?", ["Two"]),
        ("The strike lasted one day.", "How many days did the strike last?", ["one"]),
    ],
)
def test_how_many_asks_for_a_count_not_a_measurement(sentence, question, expected):
    found = values(sentence, question, expected_type(question))
    assert [v.text for v in found] == expected


def test_a_day_of_a_month_is_no_figure_but_a_date():
    assert quantities("It goes on sale on 24 March in the US.") == frozenset()
    assert quantities("It goes on sale on the 24th, or 3 Jan.") == frozenset()
    assert quantities("It sold 24 million units.") == {("million", 24.0)}
    assert not agree("It goes on sale on 24 March.", "It goes on sale on 11 March.")
    assert agree("It goes on sale on 24 March.", "It goes on sale on March 24th, 2005.")


@pytest.mark.parametrize(
    ("x", "y", "same"),
    [
        ("Nintendo has sold almost 4m consoles.", "Nintendo has sold 4 million consoles.", True),
        ("Nintendo has sold almost 4m consoles.", "More than 2.8 million consoles sold.", False),
        ("It took $12.2m (£6.2m) that day.", "It took $12.2m that day.", True),
        ("Profits were 1.07bn.", "Profits were 1,070m.", True),
    ],
)
def test_figures_written_with_a_scale_agree_only_when_equal(x, y, same):
    assert agree(x, y) is same


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("Merk is a poet. When was he born?", "When was he born?"),
        ("And who beat him?", "who beat him?"),
        ("Why did Dr. Who end?", "Why did Dr. Who end?"),  # an abbreviation ends no sentence
        ("What did Mrs. When say?", "What did Mrs. When say?"),
    ],
)
def test_the_asked_part_drops_a_statement_before_the_question(question, asked):
    assert asked_part(question) == asked


@pytest.mark.parametrize(
    ("question", "yes_no"),
    [
        ("Was Ansel Merk born in 1887?", True),
        ("Merk is a poet. Did he write plays?", True),
        ("When was Ansel Merk born?", False),
        ("Who is Ansel Merk?", False),
        ("Island ferries: do they run on Sundays?", True),
        ("What is it that Merk wrote?", False),
        ("Can you tell me who won the election?", False),  # it asks for a name
        ("Do you know how many votes the Greens won?", False),
    ],
)
def test_yes_no_questions(question, yes_no):
    assert is_yes_no(question) is yes_no


def test_a_rough_count_answers_how_many_but_compares_with_nothing():
    question = "How many people died in the fire at the mill?"
    found = values("Dozens of people died in the fire at the mill.", question, AnswerType.NUMBER)
    assert [v.text for v in found] == ["Dozens"] and found[0].key is None
    assert values("The scores were level at the mill.", question, AnswerType.NUMBER) == []


def test_shapes_read_the_asked_part():
    from assistant.answer.shapes import shape_found

    question = "Merk left the club in spring. When did he leave?"
    assert not shape_found(question, "Merk said goodbye to his friends.")
    assert shape_found(question, "Merk left on 3 May 1921.")


def test_a_rank_is_no_count():
    question = "How many sets did Ljubicic take Federer to?"
    sentence = "The world number one was taken to three sets by the No 2 seed."
    assert [v.text for v in values(sentence, question, AnswerType.NUMBER)] == ["three"]


def test_the_whole_counts_when_the_question_asks_for_it():
    found = values("Three of the 12 judges backed it.", "How many judges sit?", AnswerType.NUMBER)
    assert [v.key for v in found] == ["3.0", "12.0"]


def test_rates_and_measurements_answer_but_are_not_compared():
    rates = values("Fans meet once a year.", "How often do fans meet?", AnswerType.DURATION)
    assert [(v.text, v.key) for v in rates] == [("once a year", None)]  # not "365 days"
    assert values("At times a bus is late.", "How often is it late?", AnswerType.DURATION) == []
    tall = values("The tower is 330m tall.", "How tall is the tower?", AnswerType.NUMBER)
    assert [(v.text, v.key) for v in tall] == [("330m", None)]  # metres, not millions


def test_the_whole_a_part_is_counted_in_is_not_compared():
    question = "How many of the party's members defected?"
    found = values("The party lost one of its two members to Veritas.", question, AnswerType.NUMBER)
    assert [(v.text, v.key) for v in found] == [("one", "1.0"), ("two", None)]
    found = values("Three of the 12 judges backed it.", question, AnswerType.NUMBER)
    assert [v.key for v in found] == ["3.0", None]
    # without a part before it, a figure after "of" is compared as usual
    found = values("Turnout was 61% of the 44 million voters.", question, AnswerType.NUMBER)
    assert "44 million" in [v.text for v in found if v.key is not None]


def test_how_often_asks_for_a_rate():
    question = "How often does someone sign up for broadband?"
    sentence = "Someone signs up every 10 seconds, BT said, after growth in the last three months."
    found = values(sentence, question, AnswerType.DURATION)
    assert [v.text for v in found] == ["every 10 seconds"]
    assert [v.text for v in values("Fans meet twice a year.", question, AnswerType.DURATION)] == [
        "twice a year"
    ]
    # "how long" still takes any span of time
    spans = values(sentence, "How long did the growth last?", AnswerType.DURATION)
    assert "three months" in [v.text for v in spans]


def test_a_day_is_asked_not_a_time_of_day():
    sentence = "Voters must have registered by 1700 GMT on 11 March."
    day = values(sentence, "What was the last day to register?", AnswerType.DATE)
    assert [v.text for v in day] == ["11 March"]
    time = values(sentence, "What time of day did registration close?", AnswerType.DATE)
    assert "1700 GMT" in [v.text for v in time]  # a time asked: the time of day answers
    when = values(sentence, "When did registration close?", AnswerType.DATE)
    assert [v.text for v in when] == ["1700 GMT", "11 March"]  # a time of day, not the year 1700
