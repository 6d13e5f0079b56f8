"""`Assistant`: the public entry point, a thin facade over the answering stages.

A question goes: checked -> made to stand alone (a follow-up) -> retrieved (`retrieve/`) ->
scored and composed (`answer/`) -> its evidence checked for disagreements (`conflicts/`) ->
optionally written by a language model and checked (`generate/`). Each stage is a component the
constructor takes; `from_settings` builds them all, the one place `Settings` are read.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.answer.answerer import Answerer
from assistant.answer.compose import nothing_indexed
from assistant.answer.followup import condensed_query, standalone_query
from assistant.conflicts.detector import ConflictDetector
from assistant.conflicts.finder import ConflictFinder
from assistant.conflicts.nli import NliScorer
from assistant.generate.generator import Generator
from assistant.generate.models import language_model
from assistant.records import Answer, Conflict
from assistant.retrieve.hybrid import HybridRetriever
from assistant.retrieve.retriever import Retriever
from assistant.settings import Settings
from index.chroma_store import ChromaStore
from index.corpus import Corpus
from index.embedder import Embedder, make_embedder
from index.errors import AssistantError, InputError, StoreError
from index.fetch import FetchLimits, is_url
from index.indexer import Progress, UploadReport
from index.loader import Budget
from index.records import ArticleInfo, IndexReport
from index.store import Store
from index.views import ArticleView

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


def check_history(
    history: object, question_limit: int, max_turns: int, max_chars: int
) -> list[str]:
    """The earlier questions of a conversation, each checked as a question is; `InputError`
    if there are more than `max_turns` or more than `max_chars` characters in all."""
    if history is None:
        return []
    if isinstance(history, str | bytes) or not isinstance(history, list | tuple):
        raise InputError("the history must be a list of earlier questions")
    if len(history) > max_turns:
        raise InputError(
            f"the history holds {len(history):,} earlier questions; the limit is {max_turns:,}"
        )
    total = sum(len(h) for h in history if isinstance(h, str))
    if total > max_chars:
        raise InputError(
            f"the history is {total:,} characters long in all; the limit is {max_chars:,}"
        )
    cleaned = []
    for n, item in enumerate(history, 1):
        try:
            cleaned.append(check_question(item, question_limit))
        except InputError as exc:
            raise InputError(f"earlier question {n} of the history: {exc}") from exc
    return cleaned


class Assistant:
    """Index news articles and answer questions about them with exact citations.

    Built from its stages: `Assistant(corpus, retriever, answerer, conflicts, generator=None)`;
    `settings` then only serves the front ends (web chat address, upload and question limits;
    None: `Settings()`). `Assistant(settings)`, `Assistant(settings, embedder=...)` and
    `Assistant()` are shorthand for `Assistant.from_settings(settings, embedder=...)`.
    """

    def __init__(
        self,
        corpus: Corpus | Settings | None = None,
        retriever: Retriever | None = None,
        answerer: Answerer | None = None,
        conflicts: ConflictFinder | None = None,
        generator: Generator | None = None,
        *,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
    ):
        # the embedder is made from the settings (not passed in), so a capped twin can be too
        self._own_embedder = embedder is None and (corpus is None or isinstance(corpus, Settings))
        if corpus is None or isinstance(corpus, Settings):
            if any(s is not None for s in (retriever, answerer, conflicts, generator, settings)):
                raise TypeError("Assistant(settings) takes no stages: build it from a Corpus")
            settings = corpus or Settings()
            corpus, retriever, answerer, conflicts, generator = _stages(settings, embedder)
        elif embedder is not None:
            raise TypeError("embedder= goes with Settings: a Corpus has its own")
        elif retriever is None or answerer is None or conflicts is None:
            raise TypeError("Assistant(corpus, retriever, answerer, conflicts) needs all four")
        self.corpus, self.retriever, self.answerer = corpus, retriever, answerer
        self.conflict_finder, self.generator = conflicts, generator
        self.settings = settings if settings is not None else Settings()

    @classmethod
    def from_settings(
        cls, settings: Settings | None = None, *, embedder: Embedder | None = None
    ) -> Assistant:
        """Every stage built from `settings` (None: `Settings()`, which reads `ASSISTANT_*`);
        `embedder` is used instead of loading the configured model."""
        settings = settings or Settings()
        bot = cls(*_stages(settings, embedder), settings=settings)
        bot._own_embedder = embedder is None
        return bot

    def replace(self, **stages: object) -> Assistant:
        """The same assistant with some stages swapped and the others shared, e.g.
        `bot.replace(retriever=DenseRetriever(bot.corpus))`."""
        current = {
            "corpus": self.corpus,
            "retriever": self.retriever,
            "answerer": self.answerer,
            "conflicts": self.conflict_finder,
            "generator": self.generator,
        }
        unknown = sorted(set(stages) - set(current))
        if unknown:
            raise TypeError(f"an assistant has no stage {unknown[0]!r}")
        return Assistant(**{**current, **stages}, settings=self.settings)  # type: ignore[arg-type]

    @property
    def store(self) -> Store:
        return self.corpus.store

    @property
    def embedder(self) -> Embedder:
        return self.corpus.embedder

    # -- the corpus ----------------------------------------------------------------------------

    def index(
        self,
        paths: Iterable[str | Path],
        progress: Callable[[str], None] | None = None,
        sync: bool = False,
        replace: bool = True,
        follow: bool = False,
        rebuild: bool = False,
    ) -> IndexReport:
        """Index files, folders and URLs; unchanged files are skipped, changed ones replaced
        (with `replace=False`, refused instead: in `skipped`, with `would_replace` set).

        A URL (http or https) is fetched: a page is one article, a feed (RSS, Atom) its items,
        or with `follow` each item's page; the article's source is its URL. With `sync`,
        articles of files deleted from those folders are removed too. Leftovers of an
        interrupted run are swept first. With `rebuild`, the store is emptied first and
        records the configured model (a store built by another model is refused otherwise).
        """
        if rebuild:
            self.corpus.rebuild()
        paths = list(paths)
        urls = [str(p) for p in paths if is_url(p)]
        files = [p for p in paths if not is_url(p)]
        report = self.corpus.index(files, progress, sync, replace) if files else IndexReport()
        if urls:
            web = self.corpus.index_urls(urls, follow, progress, replace)
            report = IndexReport(
                (*report.added, *web.added),
                (*report.replaced, *web.replaced),
                (*report.unchanged, *web.unchanged),
                report.removed,
                (*report.skipped, *web.skipped),
                report.chunks_added + web.chunks_added,
            )
        if self.corpus.side_files and (report.added or report.replaced or report.removed):
            # saved now, so the next process to answer loads them instead of building them
            try:
                self.corpus.refresh()
                self.conflict_finder.prepare()
            except AssistantError as exc:  # the articles are indexed; answering builds these
                log.warning("could not prepare the indexed corpus for answering: %s", exc)
        return report

    def upload(
        self,
        files: list[tuple[str, bytes]],
        cancel: threading.Event | None = None,
        progress: Progress | None = None,
        replace: bool = False,
    ) -> UploadReport:
        """Index uploaded files (name, bytes) all or nothing: parsed and checked against the
        budgets first, then embedded, then committed together. Setting `cancel` stops it and
        keeps none of its articles (`Cancelled`); a process killed meanwhile is undone by
        `recover_uploads` on its next start. A file named like an indexed article of other
        content is refused unless `replace` is set."""
        result = self.corpus.upload(
            files,
            self.settings.ingest_max_chunks,
            cancel,
            progress,
            self._upload_markers(),
            replace,
        )
        if result.report.added or result.report.replaced:
            # now, on the uploading thread, rather than in the next question's time
            try:
                self.corpus.refresh()
                self.conflict_finder.prepare()
            except AssistantError as exc:  # the articles are indexed; answering builds these
                log.warning("could not prepare the uploaded articles for answering: %s", exc)
        return result

    def recover_uploads(self) -> list[str]:
        """Remove the articles of uploads a killed process left unfinished (the sources)."""
        markers = self._upload_markers()
        return self.corpus.recover_uploads(markers) if markers is not None else []

    def _upload_markers(self) -> Path | None:
        """Where unfinished uploads are recorded: beside an embedded store on disk."""
        s = self.settings
        return s.store_path / "uploads-in-progress" if s.store_path and not s.chroma_host else None

    def add_document(
        self,
        text: str | bytes,
        source: str,
        title: str | None = None,
        published: str | None = None,
    ) -> IndexReport:
        """Index one document held in memory (text, or the bytes of a supported file)."""
        return self.corpus.add_document(text, source, title, published)

    def remove(self, source: str) -> bool:
        return self.corpus.remove(source)

    def articles(self) -> list[ArticleInfo]:
        return self.corpus.articles()

    def article(self, source: str) -> ArticleView:
        """Title, date and exact text of an indexed article."""
        return self.corpus.article(source)

    def copies(self) -> list[tuple[str, ...]]:
        """The articles that are copies of one report (syndicated), each group's lead (the
        earliest dated) first."""
        return list(self.corpus.copy_groups().groups)

    def prepare(self) -> None:
        """Load what the first question would otherwise wait for: the chunk catalogue, the
        corpus's name spellings, the embedding model and the answer scorer (a missing or
        damaged scorer fails here, when the server starts, not at its first question)."""
        self.corpus.refresh()
        self.conflict_finder.prepare()
        self.corpus.embedder.embed(["warm up"])
        self.answerer.scorer.score("warm up", ["warm up"])
        self.corpus.parser.start()  # the first upload should not wait for the parse worker
        s = self.settings
        if s.index_threads and s.embedding_backend != "torch" and self._own_embedder:
            # Serving: uploads and index runs in this process embed on their own session,
            # with fewer threads, so questions keep a core (bench/load_test.py).
            self.corpus.index_with(
                make_embedder(
                    s.embedding_model, s.embedding_backend, s.model_cache, s.index_threads
                )
            )

    # -- questions -----------------------------------------------------------------------------

    def check_question(self, question: str) -> str:
        return check_question(question, self.settings.max_question_chars)

    def check_history(self, history: object) -> list[str]:
        s = self.settings
        return check_history(
            history, s.max_question_chars, s.max_history_turns, s.max_history_chars
        )

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
        base, lines = self._extractive(question, history)
        if not self._exact(base):
            # Another process replaced an article between our reads: look again.
            self.corpus.invalidate()
            base, lines = self._extractive(question, history)
            if not self._exact(base):
                raise StoreError("the articles changed while answering: please ask again")
        if self.generator is None or not base.answerable:
            yield base
            return
        yield from self.generator.answer(base, lines)

    def _exact(self, answer: Answer) -> bool:
        """Does every citation and conflict side quote the current text exactly?"""
        sides = (s for c in answer.conflicts for s in c.sides)
        return self.corpus.quotes_exactly([*answer.citations, *answer.nearest, *sides])

    def _extractive(self, question: str, history) -> tuple[Answer, list[str]]:
        """The extractive answer, and its "Sources disagree" lines (for a generated one)."""
        question = self.check_question(question)
        history = self.check_history(history)
        started = time.perf_counter()
        rewrite = self.generator.condense if self.generator is not None else None
        query = condensed_query(question, history, rewrite)
        vector = self.corpus.embed_query(query)
        candidates = self.retriever.retrieve(query, self.answerer.candidates, vector)
        # Retrieval finds nothing only in an empty corpus (or one emptied meanwhile); then
        # "the articles do not say" would mislead: there are none to say anything.
        if not candidates and not self.articles():
            return nothing_indexed(question, (time.perf_counter() - started) * 1000), []
        scored = self.answerer.score(query, vector, candidates)
        scored = self.conflict_finder.one_report(scored)  # a syndicated copy is no second source
        retrieved_at = time.perf_counter()
        composed = self.answerer.compose(scored)
        answered_at = time.perf_counter()
        conflicts, citations, lines = self.conflict_finder.for_answer(
            question, vector, composed, candidates, scored, query
        )
        done_at = time.perf_counter()
        timings = {
            "retrieve": (retrieved_at - started) * 1000,
            "answer": (answered_at - retrieved_at) * 1000,
            "conflicts": (done_at - answered_at) * 1000,
            "total": (done_at - started) * 1000,
        }
        answer = Answer(
            question=question,
            answer="\n".join([composed.text, *lines]),
            answerable=composed.answerable,
            citations=tuple(citations),
            conflicts=tuple(conflicts),
            nearest=composed.nearest,
            timings_ms=timings,
        )
        return answer, lines

    def conflicts(self) -> list[Conflict]:
        """Every disagreement in the indexed corpus, most important kinds first."""
        return self.conflict_finder.corpus_wide()

    def standalone(self, question: str, history: list[str] | tuple[str, ...] = ()) -> str:
        """The retrieval query for a (follow-up) question."""
        return standalone_query(question, list(history))

    def evaluate(self, questions, k: int = 5, compare: bool = False, progress=None):
        """Score a question set (a JSONL path) against the index; one report per system."""
        from assistant.evaluate.questions import QuestionSet, load_questions
        from assistant.evaluate.run import evaluate

        qset = (
            questions
            if isinstance(questions, QuestionSet)
            else load_questions(questions, [a.source for a in self.articles()])
        )
        return evaluate(self, qset, k=k, compare=compare, progress=progress)

    def as_retriever(self, k: int | None = None) -> BaseRetriever:
        """The hybrid index as a LangChain retriever (Documents carry source, title, start, end)."""
        from assistant.retrieve.langchain_adapter import NewsRetriever

        return NewsRetriever(assistant=self, k=k or self.answerer.top_k)


def _stages(
    s: Settings, embedder: Embedder | None
) -> tuple[Corpus, HybridRetriever, Answerer, ConflictFinder, Generator | None]:
    """Each stage built from the settings."""
    store = ChromaStore(
        s.store_path,
        collection=s.collection,
        host=s.chroma_host,
        port=s.chroma_port,
        ssl=s.chroma_ssl,
        token=s.chroma_token,
        refresh_seconds=s.store_refresh_seconds,
    )
    embedder = embedder or make_embedder(s.embedding_model, s.embedding_backend, s.model_cache)
    # data derived from the store is saved beside an embedded one, keyed by its revision
    side_files = s.store_path / "assistant-cache" if s.store_path and not s.chroma_host else None
    budget = Budget(
        max_records=s.ingest_max_records,
        max_depth=s.ingest_max_depth,
        max_nodes=s.ingest_max_nodes,
        max_file_bytes=int(s.ingest_max_file_mb * 1024 * 1024),
        max_parse_seconds=s.ingest_max_parse_seconds,
        max_parse_mb=s.ingest_max_parse_mb,
    )
    limits = FetchLimits(
        timeout=s.fetch_timeout,
        max_bytes=int(s.fetch_max_mb * 1024 * 1024),
        max_redirects=s.fetch_max_redirects,
        allow_private=s.fetch_allow_private,
    )
    corpus = Corpus(
        store,
        embedder,
        s.chunk_chars,
        s.chunk_overlap,
        side_files,
        budget=budget,
        fetch_limits=limits,
        max_feed_items=s.fetch_max_items,
    )
    model = language_model(
        s.generator,
        base_url=s.llm_base_url,
        model=s.llm_model,
        api_key=s.llm_api_key,
        model_path=s.llm_model_path,
        timeout=s.llm_timeout,
    )
    generator = Generator(model) if model is not None else None
    nli = NliScorer(s.nli_model) if s.nli_model else None
    return (
        corpus,
        HybridRetriever(corpus, s.candidates),
        Answerer(corpus, s.top_k, s.min_confidence, s.answer_sentences),
        ConflictFinder(corpus, ConflictDetector(nli, s.nli_threshold), s.max_conflicts),
        generator,
    )
