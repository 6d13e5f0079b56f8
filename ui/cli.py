"""The `assistant` command line.

Typer builds the commands from type hints; heavy imports (torch, Chroma) happen inside the
commands so `assistant --help` stays instant. Every `AssistantError` becomes a one-line
message and exit status 1, never a traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from ui.terminal import inert, inert_json

if TYPE_CHECKING:
    from assistant import Answer, Assistant

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__.splitlines()[0])
T = TypeVar("T")

StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store", help="Store folder (default: $ASSISTANT_STORE_PATH or .assistant/store)"
    ),
]


def _say(text: str, err: bool = False) -> None:
    """Print text that may hold article text (titles, quotes, names): control characters are
    shown as escapes, so an article cannot drive the terminal (see `ui.terminal`)."""
    typer.echo(inert(text), err=err)


def _say_json(payload: object, indent: int | None = None) -> None:
    """Print JSON: the exact text, with what a terminal would act on as JSON escapes."""
    typer.echo(inert_json(json.dumps(payload, ensure_ascii=False, indent=indent)))


def _fail(message: str) -> None:
    _say(f"error: {message}", err=True)
    raise typer.Exit(1)


def _guard(fn: Callable[[], T]) -> T:
    from pydantic import ValidationError

    from assistant import AssistantError

    try:
        return fn()
    except AssistantError as exc:
        _fail(str(exc))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "settings"
        _fail(f"bad setting {where}={first.get('input')!r}: {first['msg']}")
    raise AssertionError("unreachable")


def _open(store: str | None, must_exist: bool, need_articles: bool = True) -> Assistant:
    """The assistant on the store; with `must_exist`, a store that is missing (or, with
    `need_articles`, empty) is an error naming the command that fills it."""
    from assistant import Assistant, Settings, StoreError

    settings = Settings(store_path=store) if store is not None else Settings()
    path = settings.store_path
    if must_exist and settings.chroma_host is None and path is not None and not Path(path).exists():
        raise StoreError(f"no store at {path}: run `assistant index PATH...` first")
    bot = Assistant(settings)
    if must_exist:
        # checks what built the store, and maps the saved catalogue, whose article records
        # then spare reading the store's (the cold start of a large archive)
        bot.corpus.refresh()
    if must_exist and need_articles and not bot.articles():
        raise StoreError(
            f"{_store_name(bot)} has no articles yet: run `assistant index PATH...` first"
        )
    return bot


def _store_name(bot: Assistant) -> str:
    """The store as the object of a sentence ("written to the store at ...")."""
    s = bot.settings
    if s.chroma_host:
        return f"the Chroma server at {s.chroma_host}:{s.chroma_port}"
    if s.store_path is None:
        return "the in-memory store"
    return f"the store at {s.store_path}"


@app.command()
def index(
    paths: Annotated[
        list[str],
        typer.Argument(help="Files or folders of articles, or URLs of news pages or feeds"),
    ],
    store: StoreOpt = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
    sync: Annotated[
        bool,
        typer.Option(
            "--sync",
            help="Make the store match the folders: also remove articles whose files "
            "are gone, and replace changed ones",
        ),
    ] = False,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="Replace an indexed article whose file now has other content (without it, "
            "such a file is refused and the article kept)",
        ),
    ] = False,
    follow: Annotated[
        bool,
        typer.Option(
            "--follow", help="For a feed: fetch each item's page (without it: the feed's text)"
        ),
    ] = False,
    rebuild: Annotated[
        bool,
        typer.Option(
            "--rebuild",
            help="Empty the store first and index with the configured model (for a store built "
            "by another model or an older version)",
        ),
    ] = False,
) -> None:
    """Index articles (.txt, .md, .html, .json, .jsonl) and web pages or feeds (RSS, Atom) by
    URL; unchanged files are skipped, and a file named like an indexed article of other
    content is refused unless --replace."""
    from tqdm import tqdm

    from assistant import find_files, is_url

    def run() -> None:
        urls = [p for p in paths if is_url(p)]
        files = find_files([p for p in paths if not is_url(p)])
        bot = _open(store, must_exist=False)
        total = len(files) + len(urls)
        with tqdm(total=total, unit="item", desc="indexing", file=sys.stderr) as bar:
            report = bot.index(
                paths,
                progress=lambda _: bar.update(),
                sync=sync,
                replace=replace or sync,
                follow=follow,
                rebuild=rebuild,
            )
        # nothing indexed, and only because of errors (an unreadable file, a FIFO, ...)
        failed = bool(report.skipped) and not (
            report.added or report.replaced or report.unchanged or report.removed
        )
        if json_out:
            _say_json(report.to_dict(), indent=2)
        else:
            removed = f"{len(report.removed)} removed, " if sync else ""
            _say(
                f"{len(report.added)} added, {len(report.replaced)} replaced, {removed}"
                f"{len(report.unchanged)} unchanged, {len(report.skipped)} skipped; "
                f"{report.chunks_added} chunks written to {_store_name(bot)}"
            )
            if not (report.added or report.replaced or report.removed or report.skipped):
                _say("Nothing changed: the store already matches.")
            new = {*report.added, *report.replaced}
            for group in bot.copies() if new else []:
                if new & set(group):  # the groups this run touched
                    _say(f"One report in {len(group)} copies: {', '.join(group)}")
        for skipped in report.skipped:
            hint = " (use --replace to replace it)" if skipped.would_replace else ""
            _say(f"skipped {skipped.path}: {skipped.reason}{hint}", err=True)
        if failed:
            n = len(report.skipped)
            _fail(f"nothing was indexed: {n} {'entry' if n == 1 else 'entries'} skipped (above)")

    _guard(run)


@app.command()
def ask(
    question: Annotated[
        str, typer.Argument(help="The question, or - to read one per line from stdin")
    ],
    store: StoreOpt = None,
    json_out: Annotated[bool, typer.Option("--json", help="One JSON object per question")] = False,
) -> None:
    """Answer a question from the indexed articles, with exact citations. With `-`, every
    good line is answered and each bad one reported (exit status 1 if there was one)."""

    from assistant import AssistantError

    def run() -> None:
        from assistant import Settings, check_question

        if question == "-":  # (line number, question), blank lines passed over
            lines = sys.stdin.read().splitlines()
            questions = [(n, line) for n, line in enumerate(lines, 1) if line.strip()]
            if not questions:
                _fail("no questions on standard input")
        else:
            questions = [(0, question)]
        limit = Settings().max_question_chars
        problems: dict[int, str] = {}  # every question is checked before the model loads
        for k, (line, q) in enumerate(questions, 1):
            try:
                check_question(q, limit)
            except AssistantError as exc:
                if not line:
                    raise
                problems[k] = f"question {k} (line {line}): {exc}"
        bot = None
        if len(problems) < len(questions):
            # an empty store is answered, not refused: the answer says how to fill it
            bot = _open(store, must_exist=True, need_articles=False)
        for k, (_, q) in enumerate(questions, 1):
            if k in problems:  # reported, and the batch goes on
                _say(f"error: {problems[k]}", err=True)
                if json_out:
                    _say_json({"question": q, "error": problems[k]})
                continue
            assert bot is not None
            answer = bot.ask(q)
            if json_out:
                _say_json(answer.to_dict())
            else:
                _say(_human(answer))
        if problems:
            raise typer.Exit(1)

    _guard(run)


@app.command()
def conflicts(
    store: StoreOpt = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """List every disagreement between (and within) the indexed articles, by kind."""

    def run() -> None:
        bot = _open(store, must_exist=True)
        found = bot.conflicts()
        if json_out:
            kinds: dict[str, int] = {}
            for c in found:
                kinds[c.kind] = kinds.get(c.kind, 0) + 1
            payload = {
                "count": len(found),
                "by_kind": kinds,
                "conflicts": [c.to_dict() for c in found],
            }
            _say_json(payload)
            return
        if not found:
            _say("No disagreements found between the indexed articles.")
        kind = None
        for c in found:
            if c.kind != kind:
                kind = c.kind
                _say(f"\n== {kind.replace('_', ' ')} ==")
            _say(f"- {c.summary}")
            for side in c.sides:
                _say(f"    {side.source} [{side.start}:{side.end}]")
                _say(f"    > {side.quote}")

    _guard(run)


@app.command("eval")
def eval_(
    questions: Annotated[Path, typer.Argument(help="Question set (JSONL)")],
    store: StoreOpt = None,
    corpus: Annotated[
        list[str] | None,
        typer.Option("--corpus", help="Index these into a fresh in-memory store first (timed)"),
    ] = None,
    report: Annotated[Path | None, typer.Option("--report", help="Write the report here")] = None,
    k: Annotated[int, typer.Option("--k", min=1, max=50, help="Recall@k cut-off")] = 5,
    compare: Annotated[bool, typer.Option("--compare", help="Also run the baselines")] = False,
    floors: Annotated[
        Path | None, typer.Option("--floors", help="JSON of minimum figures; exit 1 below them")
    ] = None,
) -> None:
    """Score the assistant against a question set (and, with --compare, the baselines)."""
    import time

    from tqdm import tqdm

    from assistant import Assistant, Settings
    from assistant.evaluate.questions import load_questions
    from assistant.evaluate.report import table, write_report

    def run() -> None:
        index_seconds = None
        if corpus:
            bot = Assistant(Settings(store_path=None))
            started = time.perf_counter()
            bot.index(corpus)
            index_seconds = time.perf_counter() - started
        else:
            bot = _open(store, must_exist=True)
        qset = load_questions(questions, [a.source for a in bot.articles()])
        systems = 3 if compare else 1
        with tqdm(
            total=len(qset.questions) * systems, desc="evaluating", unit="q", file=sys.stderr
        ) as bar:
            reports = bot.evaluate(qset, k=k, compare=compare, progress=bar.update)
        for r in reports:
            r.summary["index_seconds"] = index_seconds
        _say(table(reports))
        if report:
            _say(f"report written to {write_report(reports, report, str(questions))}")
        if floors:
            low = _below_floors(reports[0].summary, floors)
            if low:
                _fail("below the floor: " + "; ".join(low))

    _guard(run)


def _below_floors(summary: dict, floors_file: Path) -> list[str]:
    from assistant import InputError

    try:
        floors = json.loads(floors_file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read floors {floors_file}: {exc}") from exc
    low = []
    for metric, floor in floors.items():
        if metric not in summary:
            raise InputError(f"unknown metric in {floors_file}: {metric!r}")
        value = summary[metric]
        if value is None or value < floor:
            low.append(f"{metric} = {value} < {floor}")
    return low


@app.command()
def chat(
    store: StoreOpt = None,
    host: Annotated[str | None, typer.Option("--host", help="Address (default 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port (default 7860)")] = None,
) -> None:
    """Start the web chat (Gradio) on the store."""

    def run() -> None:
        from ui.app import launch  # here: Gradio loads only for the chat

        bot = _open(store, must_exist=False)
        where = f"http://{host or bot.settings.ui_host}:{port or bot.settings.ui_port}"
        _say(f"web chat on {where} (Ctrl+C to stop)", err=True)
        launch(bot, host, port)

    _guard(run)


def _human(answer: Answer) -> str:
    lines = [f"Q: {answer.question}", answer.answer, ""]
    for c in answer.citations or answer.nearest:
        label = f"[{c.id}]" if answer.citations else f"({c.id})"
        lines.append(f"{label} {c.title} — {c.source} [{c.start}:{c.end}]")
        lines.append(f"    > {c.quote}")
    return "\n".join(lines) + "\n"


def main() -> None:
    app()


if __name__ == "__main__":
    main()
