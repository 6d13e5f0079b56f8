"""`Assistant`: the public entry point tying the corpus side to answering."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.article_views import ArticleViews
from assistant.conflicts import ArticleText, ConflictDetector, rank
from assistant.corpus_conflicts import ALL_PAIRS_LIMIT, nearest_chunk_conflicts
from assistant.evidence_conflicts import answer_conflicts, cite_conflicts, corpus_claims
from assistant.extractive import NOTHING_INDEXED, ArticleView, compose
from assistant.followup import condensed_query, standalone_query
from assistant.generate import llm_answer
from assistant.llm import make_generator
from assistant.name_spellings import (
    article_names,
    load_names,
    name_spellings,
    save_names,
    spelling_conflict,
    spelling_pairs,
)
from assistant.nli import NliScorer
from assistant.prompts import load_prompt
from assistant.records import Answer, Conflict
from assistant.settings import Settings
from index.chroma_store import ChromaStore
from index.embedder import Embedder, make_embedder
from index.errors import AssistantError, InputError, LoadError, StoreError
from index.indexer import Indexer
from index.keyword import KeywordIndex
from index.loader import check_text, parse_bytes, parse_date, plain_article
from index.records import ArticleInfo, IndexReport, sha256_hex
from index.retrieval import HybridRetriever

if TYPE_CHECKING:
    from langchain_core.retrievers import BaseRetriever

log = logging.getLogger(__name__)

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
        self._cache = (
            s.store_path / "assistant-cache" if s.store_path and not s.chroma_host else None
        )
        self.retriever = HybridRetriever(
            self.store, self.embedder, self.keyword, s.candidates, self._cache
        )
        self._indexer = Indexer(self.store, self.embedder, s.chunk_chars, s.chunk_overlap)
        self.generator = make_generator(s)
        # Both templates are loaded (and checked) at start-up when a model is configured.
        self.prompt = load_prompt("grounded_answer") if self.generator else None
        self.condense_prompt = load_prompt("condense_followup") if self.generator else None
        self.detector = ConflictDetector(
            NliScorer(s.nli_model) if s.nli_model else None, s.nli_threshold
        )
        self._views = ArticleViews(self.store)
        self._names: dict[tuple[str, str], frozenset[str]] = {}  # by (source, sha256)
        self._corpus: dict[str, list[Conflict]] = {}  # by store revision
        self._pairs: dict[str, list[tuple[str, str, str, str]]] = {}  # by store revision
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
            report = self._indexer.index_paths(list(paths), progress, sync=sync)
        if self._cache and (report.added or report.replaced or report.removed):
            # saved now, so the next process to answer loads them instead of building them
            try:
                self.retriever.refresh()
                self._article_names()
            except AssistantError as exc:  # the articles are indexed; answering builds these
                log.warning("could not prepare the indexed corpus for answering: %s", exc)
        return report

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

    def prepare(self) -> None:
        """Load what the first question would otherwise wait for: the keyword index, the
        corpus's name spellings and the embedding model."""
        self.retriever.refresh()
        self._spellings()
        self.embedder.embed(["warm up"])

    def article(self, source: str) -> ArticleView:
        """Title, date and exact text of an indexed article."""
        return self._views.get(source)

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
        # Retrieval finds nothing only in an empty corpus (or one emptied meanwhile); then
        # "the articles do not say" would mislead: there are none to say anything.
        if not candidates and not self.articles():
            total = (time.perf_counter() - started) * 1000
            timings = {"retrieve": total, "answer": 0.0, "conflicts": 0.0, "total": total}
            return Answer(question, NOTHING_INDEXED, False, timings_ms=timings), []
        retrieved = candidates[: self.settings.top_k]
        # one read each, for every candidate: the answer quotes some, the conflict check the rest
        self._views.read(r.chunk.source for r in candidates)
        self.retriever.unit_vectors([r.chunk for r in candidates])
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
            spellings = self._spellings()
            mentioned += " " + " ".join(
                f"{x} {y}" for _, x, _, y in spellings if x in question or y in question
            )
            cited = list(composed.cited)
            # Nearest chunks to each cited sentence, by meaning and by words: where another
            # report says the opposite, it says it about the same things.
            partners = [r.chunk for r in candidates]
            partners += [chunk for s in cited for chunk, _ in self.keyword.search(s.text, 4)]
            self._views.read(c.source for c in partners)
            found = answer_conflicts(
                vector,
                self.detector,
                cited,
                partners,
                self.retriever.unit_vectors(partners),
                self.embedder.embed_cached,
                self.article,
                self._spelling_conflicts(
                    [p for p in spellings if p[1] in mentioned and p[3] in mentioned],
                    self._views,
                ),
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
        return self._corpus_conflicts()

    def _corpus_conflicts(self) -> list[Conflict]:
        self.retriever.refresh()
        revision = self.store.revision()
        conflicts = self._corpus.get(revision)  # local: another thread may replace the dict
        if conflicts is None:
            chunks = self.keyword.chunks
            # every article is quoted from, many times over: read them all once, in bulk
            views = ArticleViews(self.store, kept=len({c.source for c in chunks}) + 1)
            views.read(c.source for c in chunks)
            if sum(len(c.sentences) for c in chunks) > ALL_PAIRS_LIMIT:
                found = nearest_chunk_conflicts(
                    chunks, self.retriever.unit_vectors, self.store, self.detector, views.get
                )
                found += self._spelling_conflicts(self._spellings(), views)
            else:
                claims, texts = corpus_claims(
                    chunks, self.retriever.unit_vectors(chunks), views.get
                )
                found = self.detector.detect(claims) + [c for _, _, c in name_spellings(texts)]
            conflicts = rank(found)
            self._corpus = {revision: conflicts}  # replaced whole: other threads may read it
        return conflicts

    def _spellings(self) -> list[tuple[str, str, str, str]]:
        """(source a, spelling x, source b, spelling y) of each name spelled two ways."""
        revision = self.store.revision()
        pairs = self._pairs.get(revision)  # local: another thread may replace the dict
        if pairs is None:
            pairs = spelling_pairs(self._article_names())
            self._pairs = {revision: pairs}
        return pairs

    def _article_names(self) -> dict[str, frozenset[str]]:
        """Each article's names, computed once per version of its text (and saved beside an
        embedded store); only articles whose names are not known are read, in bulk."""
        saved = self._cache / "names-v1.json" if self._cache else None
        # replaced, never changed in place: other threads may read it
        known = self._names or (load_names(saved) if saved else {})
        found: dict[str, frozenset[str]] = {}
        kept: dict[tuple[str, str], frozenset[str]] = {}
        infos = self.articles()
        missing = []
        for info in infos:
            key = (info.source, info.sha256)
            if key in known:
                kept[key] = found[info.source] = known[key]
            else:
                missing.append(info.source)
        for source, _, text in self.store.article_records(missing):
            # keyed by the text read, even if newer than the listing
            kept[(source, sha256_hex(text))] = found[source] = article_names(text)
        self._names = kept
        # in listing order: `spelling_pairs` quotes the first articles in it
        names = {i.source: found[i.source] for i in infos if i.source in found}
        if saved and (missing or len(kept) < len(known)):
            save_names(saved, kept)
        return names

    def _spelling_conflicts(
        self, pairs: list[tuple[str, str, str, str]], articles: ArticleViews
    ) -> list[Conflict]:
        """The conflicts of these spellings, quoting each spelling's first sentence; the texts
        come through `articles` (the corpus-wide run has read them all already)."""
        views = articles.read(s for sa, _, sb, _ in pairs for s in (sa, sb))

        def text(source: str) -> ArticleText:
            view = views[source]
            # the chunks' sentences, so the quote need not be found by splitting the text again
            sentences = self.keyword.sentences(source, sha256_hex(view.text))
            return ArticleText(source, view.title, view.published, view.text, sentences)

        chars = self.settings.chunk_chars
        return [
            spelling_conflict(text(sa), x, text(sb), y, chars)
            for sa, x, sb, y in pairs
            if sa in views and sb in views
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
