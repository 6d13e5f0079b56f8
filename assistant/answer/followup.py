"""Follow-up questions: carry the conversation's subject into retrieval.

"What did he say about Taiwan?" after "What did Musk propose?" is retrieved as if it read
"... Musk ...": the names of the most recent earlier question that has any are added to the
search query when the follow-up leans on a pronoun or names nobody itself. No model needed,
so it works the same with or without an LLM.
"""

from __future__ import annotations

import re

from index.errors import AssistantError
from index.retrieval import question_names

_PRONOUN = re.compile(
    r"\b(he|she|they|him|her|them|his|hers|their|theirs|it|its|this|that|these|those|there)\b",
    re.IGNORECASE,
)
_NAME = re.compile(r"\b[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)*")
_QUESTION_WORDS = frozenset(
    "what when where which who whom whose why how did does do is are was were can could "
    "should would will has have had according".split()
)


def standalone_query(question: str, history: list[str] | tuple[str, ...]) -> str:
    """The text to retrieve with: the question, plus the subject it refers back to."""
    if not history:
        return question
    leans_back = bool(_PRONOUN.search(question)) or not question_names(question)
    if not leans_back:
        return question
    for earlier in reversed(history):
        names = [
            m.group(0)
            for m in _NAME.finditer(earlier)
            if m.group(0).split()[0].lower() not in _QUESTION_WORDS
        ]
        if names:
            return f"{question} ({', '.join(dict.fromkeys(names))})"
    return question


def condensed_query(question: str, history: list[str] | tuple[str, ...], rewrite) -> str:
    """A follow-up rewritten by a language model (`rewrite(history_text, question)`), kept
    only if it invents no name; otherwise the rule-based query above."""
    fallback = standalone_query(question, history)
    if not history or rewrite is None:
        return fallback
    try:
        text = " ".join(str(rewrite("\n".join(history), question)).split())
    except AssistantError:
        return fallback
    known = " ".join([*history, question])
    names = [m.group(0) for m in _NAME.finditer(text)]
    invented = [n for n in names if n.split()[0].lower() not in _QUESTION_WORDS and n not in known]
    if not text or invented or len(text) > 3 * len(question) + 200:
        return fallback
    return text
