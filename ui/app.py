"""The Gradio web chat: ask, read the cited passages, see where the sources disagree.

Gradio is used only in this package. The transcript is an `gr.HTML` built by `ui.render`
from escaped text, so no article or question can inject markup.
"""

from __future__ import annotations

import html
import logging
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import gradio as gr
from starlette.middleware import Middleware

from assistant import (
    SUPPORTED_SUFFIXES,
    Assistant,
    AssistantError,
    ConfigError,
    Settings,
    is_url,
)
from index.loader import strip_bidi
from ui import render
from ui.guard import Guard, allowed_names, configured_origins
from ui.uploads import UploadJobs

log = logging.getLogger(__name__)
_POLL = 0.5  # seconds between progress updates of a running upload
REPLACE_LABEL = "Replace articles of the same name"

HEAD = """
<script>
// A citation marker opens and highlights its passage (the link itself also scrolls to it).
document.addEventListener("click", (event) => {
  const link = event.target.closest("a.na-cite");
  if (!link) return;
  event.preventDefault();
  const target = document.getElementById(link.dataset.cite);
  if (!target) return;
  const details = target.closest("details");
  if (details) details.open = true;
  document.querySelectorAll(".na-passage.na-active")
    .forEach((el) => el.classList.remove("na-active"));
  target.classList.add("na-active");
  target.scrollIntoView({behavior: "smooth", block: "center"});
});
</script>
"""


def _articles_table(bot: Assistant) -> list[list]:
    return [
        [
            render.display_title(a.title),
            a.published or "",
            render.display_source(a.source),
            a.chunks,
        ]
        for a in bot.articles()
    ]


def _removable(bot: Assistant) -> list[tuple[str, str]]:
    """The remove picker's choices: shown as on screen elsewhere, valued by the exact source."""
    return render.source_choices([a.source for a in bot.articles()])


def _error(exc: Exception) -> gr.Error:
    """An error for the page: escaped, with no path of the serving machine in it."""
    return gr.Error(html.escape(render.scrub_paths(str(exc))))


def recent_history(questions: list[str], settings: Settings) -> list[str]:
    """The most recent earlier questions that fit the history limits (oldest first): what a
    follow-up in the web chat carries, however long the conversation has run."""
    kept: list[str] = []
    total = 0
    for q in reversed(questions):
        if len(kept) >= settings.max_history_turns or total + len(q) > settings.max_history_chars:
            break
        kept.append(q)
        total += len(q)
    return kept[::-1]


def _upload_name(path: Path) -> str:
    """The name an uploaded file is indexed under: its own name, without bidirectional
    controls (they can make a name read as another on screen)."""
    name = strip_bidi(path.name).strip()
    return name or f"upload{path.suffix}"


def _size(path: Path) -> int:
    """The size of an uploaded file (0 if it is gone: reading it reports that)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _discard_upload(path: Path) -> None:
    """Delete Gradio's temporary copy of an uploaded file (and its folder, once empty)."""
    try:
        root = Path(gr.utils.get_upload_folder()).resolve()
        resolved = path.resolve()
        if not resolved.is_relative_to(root):
            return
        resolved.unlink(missing_ok=True)
        if resolved.parent != root:
            resolved.parent.rmdir()
    except OSError:
        pass  # another file still in its folder, or already gone


def _outcome(job, refused: list[str]) -> str:
    """The status box after an upload: one line a file."""
    if job.cancelled:
        return "\n".join([*refused, f"✗ Upload cancelled: {job.error}."])
    if job.error is not None:
        return "\n".join([*refused, f"✗ {render.scrub_paths(str(job.error))}"])
    result = job.result
    report = result.report
    lines = list(refused)
    skipped = {s.path: s for s in report.skipped}
    unchanged = set(report.unchanged)
    for name, _ in job.files:
        shown = render.display_source(name)
        if name in skipped:
            entry = skipped[name]
            hint = f" — tick “{REPLACE_LABEL}” to replace it" if entry.would_replace else ""
            lines.append(f"✗ {shown}: {render.scrub_paths(entry.reason)}{hint}")
            continue
        sources = result.sources.get(name, ())
        fresh = [s for s in sources if s not in unchanged]
        chunks = sum(result.chunks.get(s, 0) for s in fresh)
        if not fresh:
            lines.append(f"✓ {shown}: unchanged")
        elif len(sources) == 1:
            lines.append(f"✓ {shown}: indexed ({chunks:,} chunks)")
        else:
            lines.append(f"✓ {shown}: {len(fresh):,} articles indexed ({chunks:,} chunks)")
    return "\n".join(lines)


def build_app(bot: Assistant) -> gr.Blocks:
    settings = bot.settings
    max_bytes = int(settings.ui_max_upload_mb * 1024 * 1024)
    jobs = UploadJobs(bot, max_bytes=int(settings.ingest_max_queued_mb * 1024 * 1024))

    def ask_api(question: str, history: list[str] | None = None) -> dict:
        """Answer one question; the same dict as `Answer.to_dict()`. `history`: the earlier
        questions of the conversation, oldest first (limited like the question itself)."""
        try:
            return bot.ask(question, history=history if history is not None else []).to_dict()
        except AssistantError as exc:
            raise _error(exc) from exc

    def chat(question: str, turns: list[dict]):
        turns = list(turns or [])
        if not question or not question.strip():
            raise gr.Error("Type a question first.")
        transcript = "".join(t["html"] for t in turns)
        yield render.pending(question) + transcript, turns, ""
        answer, partial = None, ""
        history = recent_history([t["question"] for t in turns], settings)
        try:
            for event in bot.ask_stream(question, history=history):
                if isinstance(event, str):
                    partial += event
                    yield render.pending(question, partial) + transcript, turns, ""
                else:
                    answer = event
        except AssistantError as exc:
            raise _error(exc) from exc
        assert answer is not None
        anchor = f"t{len(turns) + 1}-{int(time.time() * 1000) % 100000}"
        turns.append(
            {
                "question": answer.question,
                "html": render.turn(answer.question, answer, bot.article, anchor),
            }
        )
        # newest first, so the answer is in view without scrolling
        yield "".join(t["html"] for t in reversed(turns)), turns, ""

    def clear():
        return "", [], ""

    def articles():
        """The article list and remove choices as they are now (on page load, after changes)."""
        try:
            return _articles_table(bot), gr.update(choices=_removable(bot), value=None)
        except AssistantError as exc:
            raise _error(exc) from exc

    def upload(files, replace, request: gr.Request, progress=gr.Progress()):  # noqa: B008 (Gradio injects it this way)
        """Index the uploaded files in the background, all or nothing, reporting progress
        until done; Cancel upload stops it and keeps none of its articles. A file named like
        an indexed article of other content is refused unless `replace` is ticked."""
        if not files:
            raise gr.Error("Choose one or more files to upload.")
        if len(files) > settings.ingest_max_files:
            for given in files:
                _discard_upload(Path(given))
            yield (
                f"✗ Refused: {len(files):,} files in one upload; the limit is "
                f"{settings.ingest_max_files:,} files per upload (ASSISTANT_INGEST_MAX_FILES). "
                "Nothing was indexed.",
                *articles(),
            )
            return
        try:  # before the files are read into memory: is there room for them?
            jobs.room(sum(_size(Path(given)) for given in files))
        except AssistantError as exc:
            for given in files:
                _discard_upload(Path(given))
            yield f"✗ {render.scrub_paths(str(exc))}. Nothing was indexed.", *articles()
            return
        refused, accepted = [], []
        for given in files:
            path = Path(given)
            name = _upload_name(path)
            shown = render.display_source(name)
            try:
                if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                    refused.append(
                        f"✗ {shown}: rejected, unsupported type {path.suffix or '(none)'}"
                    )
                    continue
                try:
                    size = path.stat().st_size
                except OSError:
                    refused.append(f"✗ {shown}: the uploaded file is gone; upload it again")
                    continue
                if size > max_bytes:
                    refused.append(
                        f"✗ {shown}: rejected, {size / 1e6:.1f} MB is over the "
                        f"{settings.ui_max_upload_mb:g} MB limit"
                    )
                    continue
                accepted.append((name, path.read_bytes()))
            except OSError as exc:
                refused.append(f"✗ {shown}: cannot read the upload ({exc.strerror or 'error'})")
            finally:
                _discard_upload(path)  # held in memory now; the temporary copy goes
        if not accepted:
            yield "\n".join(refused), *articles()
            return
        try:
            job = jobs.start(request.session_hash or "", accepted, replace=bool(replace))
        except AssistantError as exc:
            raise _error(exc) from exc
        while not job.finished.wait(_POLL):
            progress(job.fraction(), desc=job.describe())
            yield "\n".join([*refused, job.describe()]), gr.skip(), gr.skip()
        yield _outcome(job, refused), *articles()

    def index_url(url: str | None, follow: bool, replace: bool):
        """Fetch a news page or a feed (with `follow`, each item's page) and index it. All is
        fetched and checked first: a URL that is refused leaves the articles as they were."""
        url = (url or "").strip() if isinstance(url, str) else ""
        if not is_url(url):
            raise gr.Error("Type the address of a news page or feed (http:// or https://).")
        try:
            report = bot.index([url], follow=bool(follow), replace=bool(replace))
        except AssistantError as exc:
            raise _error(exc) from exc
        lines = [
            f"{len(report.added)} added, {len(report.replaced)} replaced, "
            f"{len(report.unchanged)} unchanged, {len(report.skipped)} skipped."
        ]
        for skipped in report.skipped:
            hint = " (tick Replace to replace it)" if skipped.would_replace else ""
            lines.append(f"✗ {render.display_source(skipped.path)}: {skipped.reason}{hint}")
        return render.scrub_paths("\n".join(lines)), *articles()

    def cancel_upload(request: gr.Request) -> str:
        """Cancel the uploads this page (or client) started; none of their articles are kept."""
        cancelled = jobs.cancel(request.session_hash or "")
        if not cancelled:
            return "No upload is running."
        return "Cancelling: none of the upload's articles will be kept."

    def remove(source: str | None):
        if not source or not isinstance(source, str):
            raise gr.Error("Choose an article to remove.")
        try:
            removed = bot.remove(source)
        except AssistantError as exc:
            raise _error(exc) from exc
        shown = render.display_source(source)
        note = f"Removed {shown}." if removed else f"{shown} is not indexed."
        return note, *articles()

    def disagreements() -> str:
        try:
            if not bot.articles():
                return render.corpus_conflicts([], bot.article, indexed=False)
            return render.corpus_conflicts(bot.conflicts(), bot.article)
        except AssistantError as exc:
            raise _error(exc) from exc

    # Uploaded files no endpoint took are deleted after an hour (checked every ten minutes).
    with gr.Blocks(title="News assistant", delete_cache=(600, 3600)) as app:
        gr.Markdown(
            "## News assistant\nAnswers from the indexed articles only, every passage cited; "
            "says so when they do not answer; shows where they disagree."
        )
        turns = gr.State([])
        with gr.Tabs():
            with gr.Tab("Chat"):
                with gr.Row():
                    question = gr.Textbox(
                        label="Question",
                        placeholder="Ask about the indexed articles",
                        scale=5,
                        elem_id="na-question",
                        max_length=settings.max_question_chars,
                    )
                    send = gr.Button("Ask", variant="primary", scale=1, elem_id="na-ask")
                    reset = gr.Button("New conversation", scale=1)
                transcript = gr.HTML(elem_id="na-transcript")
            with gr.Tab("Disagreements"):
                refresh = gr.Button("Refresh")
                corpus = gr.HTML(elem_id="na-disagreements")
            with gr.Tab("Articles"):
                table = gr.Dataframe(
                    headers=["title", "date", "source", "chunks"],
                    value=[],  # read when a page loads, not when the server starts
                    interactive=False,
                    wrap=True,
                    elem_id="na-articles",
                )
                files = gr.File(
                    label=f"Upload articles ({', '.join(SUPPORTED_SUFFIXES)}; "
                    f"≤ {settings.ui_max_upload_mb:g} MB each)",
                    file_count="multiple",
                    file_types=list(SUPPORTED_SUFFIXES),
                    elem_id="na-upload",
                )
                replace_box = gr.Checkbox(
                    value=False,
                    label=REPLACE_LABEL,
                    info="Off: a file named like an indexed article with other content is "
                    "refused, and the article kept.",
                    elem_id="na-replace",
                )
                with gr.Row():
                    index_btn = gr.Button("Index uploaded files", elem_id="na-index", scale=3)
                    cancel_btn = gr.Button("Cancel upload", elem_id="na-cancel", scale=1)
                with gr.Row():
                    url_box = gr.Textbox(
                        label="Or the address of a news page or feed (RSS, Atom)",
                        placeholder="https://...",
                        scale=4,
                        elem_id="na-url",
                        max_length=2048,
                    )
                    follow_box = gr.Checkbox(
                        value=False,
                        label="Feed: fetch each item's page",
                        scale=1,
                        elem_id="na-follow",
                    )
                    url_btn = gr.Button("Fetch and index", scale=1, elem_id="na-fetch")
                status = gr.Textbox(label="Status", interactive=False, lines=3, elem_id="na-status")
                with gr.Row():
                    # choices are read when a page loads; any source is accepted and checked
                    # (a client that never loaded the page can still remove what it uploaded)
                    pick = gr.Dropdown(
                        choices=[],
                        label="Article to remove",
                        allow_custom_value=True,
                        elem_id="na-pick",
                    )
                    remove_btn = gr.Button("Remove", variant="stop", elem_id="na-remove")

        question.submit(
            chat, [question, turns], [transcript, turns, question], api_visibility="private"
        )
        send.click(chat, [question, turns], [transcript, turns, question], api_visibility="private")
        reset.click(clear, None, [transcript, turns, question], api_visibility="private")
        refresh.click(disagreements, None, corpus, api_visibility="private")
        app.load(disagreements, None, corpus, api_visibility="private")
        app.load(articles, None, [table, pick], api_visibility="private")
        index_btn.click(
            upload,
            [files, replace_box],
            [status, table, pick],
            api_name="upload",
            concurrency_limit=None,
        ).then(lambda: None, None, files, api_visibility="private")
        cancel_btn.click(cancel_upload, None, status, api_name="cancel_upload")
        url_btn.click(
            index_url,
            [url_box, follow_box, replace_box],
            [status, table, pick],
            api_name="index_url",
        )
        remove_btn.click(remove, pick, [status, table, pick], api_name="remove")
        gr.api(ask_api, api_name="ask")
    return app


def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def launch(
    bot: Assistant, host: str | None = None, port: int | None = None, block: bool = True
) -> gr.Blocks:
    """Start the web chat; a taken port is a clear error, not a traceback."""
    settings: Settings = bot.settings
    host = host or settings.ui_host
    port = port or settings.ui_port
    if not port_free(host, port):
        raise ConfigError(f"port {port} on {host} is taken: choose another with --port")
    auth = tuple(settings.ui_auth.split(":", 1)) if settings.ui_auth else None
    undone = bot.recover_uploads()  # an upload a killed server left unfinished keeps nothing
    if undone:
        log.warning("removed %d articles of an upload that did not finish", len(undone))
    bot.prepare()  # the first question should not pay for model start-up or index loading
    app = build_app(bot)
    app.queue(default_concurrency_limit=8)
    guard = Middleware(
        Guard,
        names=allowed_names(host, settings.ui_allowed_hosts),
        origins=configured_origins(settings.ui_allowed_hosts),
        attempts=settings.ui_login_attempts if auth else None,
    )
    with _forwarded_for(settings.ui_trusted_proxies):
        app.launch(
            server_name=host,
            server_port=port,
            auth=auth,
            prevent_thread_lock=True,
            max_file_size=int(settings.ui_max_upload_mb * 1024 * 1024),
            quiet=True,
            css=render.CSS,
            head=HEAD,
            footer_links=["api"],
            app_kwargs={"middleware": [guard]},
        )
    if block:
        app.block_thread()
    return app


@contextmanager
def _forwarded_for(trusted: str) -> Iterator[None]:
    """Uvicorn takes the client's address from `X-Forwarded-For` when the connection comes from
    an address in `FORWARDED_ALLOW_IPS`, which it reads when Gradio builds the server and
    defaults to 127.0.0.1: then anyone on this machine could name any address and start the
    failed-login count afresh. Only the proxies in `ASSISTANT_UI_TRUSTED_PROXIES` are
    trusted (none by default; an empty entry matches no address)."""
    saved = os.environ.get("FORWARDED_ALLOW_IPS")
    os.environ["FORWARDED_ALLOW_IPS"] = trusted.strip()
    try:
        yield
    finally:
        if saved is None:
            del os.environ["FORWARDED_ALLOW_IPS"]
        else:
            os.environ["FORWARDED_ALLOW_IPS"] = saved
