"""`Assistant`: the public entry point tying the corpus side to answering."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.conflicts import ArticleText, ConflictDetector, rank
from assistant.corpus_conflicts import ALL_PAIRS_LIMIT, nearest_chunk_conflicts
from assistant.evidence_conflicts import answer_conflicts, cite_conflicts, corpus_claims
from assistant.extractive import ArticleView, compose
from assistant.followup import condensed_query, standalone_query
from assistant.generate import llm_answer
from assistant.llm import make_generator
from assistant.name_spellings import (
    article_names,
    name_spellings,
    spelling_conflict,
    spelling_pairs,
)
from assistant.nli import NliScorer
from assistant.prompts import load_prompt
from assistant.records import Answer, Conflict
from assistant.settings import Settings
from index.chroma_store import ChromaStore
from index.chunker import split_sentences
from index.embedder import Embedder, make_embedder
from index.errors import InputError, LoadError, StoreError
from index.indexer import Indexer
from index.keyword import KeywordIndex
from index.loader import check_text, parse_bytes, parse_date, plain_article
from index.records import ArticleInfo, IndexReport, sha256_hex
from index.retrieval import HybridRetriever

if TYPE_CHECKING:
    from langchain_core.retrievers import BaseRetriever

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def check_question(question: object, limit: int) -> str:
    """The question with control characters blanked; `InputError` if it cannot be asked."""
    if not isinstance(question, str):
        raise InputError("the question must be text")
    try:
        question.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError("the question is not valid Unicode text") from exc
    cleaned = _CONTROL.sub(" ", question).strip()
    if not cleaned:
        raise InputError("the question is empty")
    if len(cleaned) > limit:
        raise InputError(f"the question is {len(cleaned)} characters long; the limit is {limit}")
    if not any(ch.isalnum() for ch in cleaned):
        raise InputError("the question has no words in it")
    return cleaned


class Assistant:
    """Index news articles and answer questions about them with exact citations."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        embedder: Embedder | None = None,
    ):
        self.settings = settings or Settings()
        s = self.settings
        self.store = ChromaStore(
            s.store_path,
            collection=s.collection,
            host=s.chroma_host,
            port=s.chroma_port,
            ssl=s.chroma_ssl,
            token=s.chroma_token,
            refresh_seconds=s.store_refresh_seconds,
        )
        self.embedder = embedder or make_embedder(
            s.embedding_model, s.embedding_backend, s.model_cache
        )
        self.keyword = KeywordIndex()
        # derived data (the keyword index) is saved beside an embedded store, keyed by revision
        cache = s.store_path / "assistant-cache" if s.store_path and not s.chroma_host else None
        self.retriever = HybridRetriever(
            self.store, self.embedder, self.keyword, s.candidates, cache
        )
        self._indexer = Indexer(self.store, self.embedder, s.chunk_chars, s.chunk_overlap)
        self.generator = make_generator(s)
        # Both templates are loaded (and checked) at start-up when a model is configured.
        self.prompt = load_prompt("grounded_answer") if self.generator else None
        self.condense_prompt = load_prompt("condense_followup") if self.generator else None
        self.detector = ConflictDetector(
            NliScorer(s.nli_model) if s.nli_model else None, s.nli_threshold
        )
        self._views: dict[tuple[str, str], ArticleView] = {}  # by (source, sha256)
        self._names: dict[tuple[str, str], frozenset[str]] = {}  # by (source, sha256)
        self._corpus: dict[str, tuple[list[Conflict], list]] = {}
        self._lock = threading.Lock()

    # -- the corpus ----------------------------------------------------------------------------

    def index(
        self,
        paths: Iterable[str | Path],
        progress: Callable[[str], None] | None = None,
        sync: bool = False,
    ) -> IndexReport:
        """Index files and folders; unchanged files are skipped, changed ones replaced.

        With `sync`, articles of files deleted from those folders are removed too. Leftovers
        of an interrupted run are swept first.
        """
        with self._lock:
            self.store.sweep()
            return self._indexer.index_paths(list(paths), progress, sync=sync)

    def add_document(
        self,
        text: str | bytes,
        source: str,
        title: str | None = None,
        published: str | None = None,
    ) -> IndexReport:
        """Index one document held in memory (text, or the bytes of a supported file)."""
        if not isinstance(source, str) or not source.strip():
            raise InputError("a document needs a source name")
        if not isinstance(text, str | bytes):
            raise InputError(f"cannot index {source}: the document must be text or bytes")
        date = None
        if published:
            date = parse_date(published)
            if date is None:
                raise InputError(f"cannot index {source}: {published!r} is not a date")
        try:
            if isinstance(text, bytes):
                articles = parse_bytes(text, source, Path(source).suffix.lower() or ".txt")
            else:
                articles = [plain_article(text, source, title)]
                check_text(articles[0])
        except LoadError as exc:
            raise InputError(f"cannot index {source}: {exc}") from exc
        if date:
            articles = [a.__class__(a.source, a.title, a.text, date, a.url) for a in articles]
        with self._lock:
            return self._indexer.index_articles(articles)

    def remove(self, source: str) -> bool:
        with self._lock:
            return self.store.remove_article(source)

    def articles(self) -> list[ArticleInfo]:
        return self.store.articles()

    def article(self, source: str) -> ArticleView:
        """Title, date and exact text of an indexed article."""
        sha = self.store.article_sha(source)
        if sha is None:
            raise InputError(f"no indexed article {source!r}")
        view = self._views.get((source, sha))
        if view is None:
            record = self.store.article_record(source)
            if record is None:
                raise InputError(f"no indexed article {source!r}")
            meta, text = record
            # Text and record come from one read, and the text must hash to the record's
            # sha: a view is cached only under the hash of the very text it holds.
            if sha256_hex(text) != meta["sha256"]:
                raise StoreError(f"article {source!r} in the store does not match its hash")
            view = ArticleView(meta.get("title", ""), meta.get("published") or None, text)
            if len(self._views) > 10_000:
                self._views.clear()
            self._views[(source, meta["sha256"])] = view
        return view

    # -- questions -----------------------------------------------------------------------------

    def check_question(self, question: str) -> str:
        return check_question(question, self.settings.max_question_chars)

    def ask(self, question: str, history: list[str] | tuple[str, ...] = ()) -> Answer:
        """Answer from the indexed articles, citing exact spans, or say they do not say.

        `history` holds the earlier questions of a conversation, oldest first.
        """
        answer = None
        for event in self.ask_stream(question, history):
            if isinstance(event, Answer):
                answer = event
        assert answer is not None
        return answer

    def ask_stream(
        self, question: str, history: list[str] | tuple[str, ...] = ()
    ) -> Iterator[str | Answer]:
        """Like `ask`, yielding a generated answer's tokens as they come, then the Answer
        (checked: the generated text only if it passed the grounding check)."""
        base, lines = self._extractive(question, history or ())
        if not self._exact(base):
            # Another process replaced an article between our reads: look again.
            self.store.invalidate()
            base, lines = self._extractive(question, history or ())
            if not self._exact(base):
                raise StoreError("the articles changed while answering: please ask again")
        if self.generator is None or not base.answerable:
            yield base
            return
        yield from llm_answer(self.generator, self.prompt, base, lines)

    def _exact(self, answer: Answer) -> bool:
        """Does every citation and conflict side quote the current text exactly?"""
        spans = [
            *answer.citations,
            *answer.nearest,
            *(s for c in answer.conflicts for s in c.sides),
        ]
        try:
            return all(self.article(s.source).text[s.start : s.end] == s.quote for s in spans)
        except InputError:
            return False  # an article was removed meanwhile

    def _extractive(self, question: str, history) -> tuple[Answer, list[str]]:
        question = self.check_question(question)
        started = time.perf_counter()
        history = [h for h in history if isinstance(h, str)]
        rewrite = None
        if self.generator is not None:
            condense = self.condense_prompt

            def rewrite(past: str, q: str) -> str:
                return self.generator.generate(condense.render(history=past, question=q))

        query = condensed_query(question, history, rewrite)
        vector = self.embedder.embed_cached([query])[0]
        # More candidates than are scored: the extra ones serve the conflict check.
        candidates = self.retriever.retrieve(query, 2 * self.settings.top_k, vector)
        retrieved = candidates[: self.settings.top_k]
        scored = self.retriever.score_sentences(query, vector, retrieved)
        retrieved_at = time.perf_counter()
        composed = compose(
            scored, self.article, self.settings.min_confidence, self.settings.answer_sentences
        )
        answered_at = time.perf_counter()
        text, citations, conflicts, lines = composed.text, list(composed.citations), [], []
        if composed.answerable and self.settings.max_conflicts:
            mentioned = " ".join([question, *(c.quote for c in citations)])
            # a name the question asks about counts as met in both spellings
            mentioned += " " + " ".join(
                f"{x} {y}" for x, y, _ in self._spellings() if x in question or y in question
            )
            cited = list(composed.cited)
            # Nearest chunks to each cited sentence, by meaning and by words: where another
            # report says the opposite, it says it about the same things.
            partners = [r.chunk for r in candidates]
            partners += [chunk for s in cited for chunk, _ in self.keyword.search(s.text, 4)]
            found = answer_conflicts(
                vector,
                self.detector,
                cited,
                partners,
                self.retriever.unit_vectors(partners),
                self.embedder.embed_cached,
                self.article,
                self._spellings(),
                mentioned,
                self.settings.max_conflicts,
            )
            conflicts, citations, lines = cite_conflicts(found, citations, self.article)
            text = "\n".join([text, *lines])
        done_at = time.perf_counter()
        timings = {
            "retrieve": (retrieved_at - started) * 1000,
            "answer": (answered_at - retrieved_at) * 1000,
            "conflicts": (done_at - answered_at) * 1000,
            "total": (done_at - started) * 1000,
        }
        answer = Answer(
            question=question,
            answer=text,
            answerable=composed.answerable,
            citations=tuple(citations),
            conflicts=tuple(conflicts),
            nearest=composed.nearest,
            timings_ms=timings,
        )
        return answer, lines

    def conflicts(self) -> list[Conflict]:
        """Every disagreement in the indexed corpus, most important kinds first."""
        return self._corpus_conflicts()[0]

    def _spellings(self) -> list:
        return self._corpus_conflicts(names_only=True)[1]

    def _corpus_conflicts(self, names_only: bool = False) -> tuple[list[Conflict], list]:
        self.retriever.refresh()
        revision = self.store.revision()
        key = f"{revision}:{names_only}"
        if key not in self._corpus:
            self._corpus = {k: v for k, v in self._corpus.items() if k.startswith(revision)}
            if names_only:
                self._corpus[key] = ([], self._name_spellings())
            elif sum(len(c.sentences) for c in self.keyword.chunks) > ALL_PAIRS_LIMIT:
                spellings = self._name_spellings()
                found = nearest_chunk_conflicts(
                    self.keyword.chunks,
                    self.retriever.unit_vectors,
                    self.store,
                    self.detector,
                    self.article,
                )
                self._corpus[key] = (rank(found + [c for _, _, c in spellings]), spellings)
            else:
                chunks = self.keyword.chunks
                claims, texts = corpus_claims(
                    chunks, self.retriever.unit_vectors(chunks), self.article
                )
                spellings = name_spellings(texts)
                found = self.detector.detect(claims) + [c for _, _, c in spellings]
                self._corpus[key] = (rank(found), spellings)
        return self._corpus[key]

    def _name_spellings(self) -> list[tuple[str, str, Conflict]]:
        """Name spellings across the corpus; each article's names are computed once per version
        of its text, and sentences are split only for the articles a spelling is found in."""
        known = self._names  # replaced, never changed in place: other threads may read it
        names, kept = {}, {}
        for info in self.articles():
            view = self.article(info.source)
            key = (info.source, sha256_hex(view.text))  # the text read, even if newer
            kept[key] = known[key] if key in known else article_names(view.text)
            names[info.source] = kept[key]
        self._names = kept

        def text(source: str) -> ArticleText:
            view = self.article(source)
            spans = tuple(split_sentences(view.text, self.settings.chunk_chars))
            return ArticleText(source, view.title, view.published, view.text, spans)

        return [
            (x, y, spelling_conflict(text(sa), x, text(sb), y))
            for sa, x, sb, y in spelling_pairs(names)
        ]

    def standalone(self, question: str, history: list[str] | tuple[str, ...] = ()) -> str:
        """The retrieval query for a (follow-up) question."""
        return standalone_query(question, list(history))

    def evaluate(self, questions, k: int = 5, compare: bool = False, progress=None):
        """Score a question set (a JSONL path) against the index; one report per system."""
        from assistant.evaluate import evaluate
        from assistant.questions import QuestionSet, load_questions

        qset = (
            questions
            if isinstance(questions, QuestionSet)
            else load_questions(questions, [a.source for a in self.articles()])
        )
        return evaluate(self, qset, k=k, compare=compare, progress=progress)

    def as_retriever(self, k: int | None = None) -> BaseRetriever:
        """The hybrid index as a LangChain retriever (Documents carry source, title, start, end)."""
        from assistant.langchain_retriever import NewsRetriever

        return NewsRetriever(assistant=self, k=k or self.settings.top_k)
