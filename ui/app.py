"""The Gradio web chat: ask, read the cited passages, see where the sources disagree.

Gradio is used only in this package. The transcript is an `gr.HTML` built by `ui.render`
from escaped text, so no article or question can inject markup.
"""

from __future__ import annotations

import html
import socket
import time
from pathlib import Path

import gradio as gr

from assistant import SUPPORTED_SUFFIXES, Assistant, AssistantError, ConfigError, Settings
from ui import render

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
        [a.title, a.published or "", render.display_source(a.source), a.chunks]
        for a in bot.articles()
    ]


def _removable(bot: Assistant) -> list[tuple[str, str]]:
    """The remove picker's choices: shown as on screen elsewhere, valued by the exact source."""
    return render.source_choices([a.source for a in bot.articles()])


def build_app(bot: Assistant) -> gr.Blocks:
    settings = bot.settings
    max_bytes = int(settings.ui_max_upload_mb * 1024 * 1024)

    def ask_api(question: str, history: list[str] | None = None) -> dict:
        """Answer one question; the same dict as `Answer.to_dict()`."""
        try:
            return bot.ask(question, history=list(history or [])).to_dict()
        except AssistantError as exc:
            raise gr.Error(html.escape(str(exc))) from exc

    def chat(question: str, turns: list[dict]):
        turns = list(turns or [])
        if not question or not question.strip():
            raise gr.Error("Type a question first.")
        transcript = "".join(t["html"] for t in turns)
        yield render.pending(question) + transcript, turns, ""
        answer, partial = None, ""
        try:
            for event in bot.ask_stream(question, history=[t["question"] for t in turns]):
                if isinstance(event, str):
                    partial += event
                    yield render.pending(question, partial) + transcript, turns, ""
                else:
                    answer = event
        except AssistantError as exc:
            raise gr.Error(html.escape(str(exc))) from exc
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

    def upload(files, progress=gr.Progress()):  # noqa: B008 (Gradio injects it this way)
        if not files:
            raise gr.Error("Choose one or more files to upload.")
        messages = []
        for path in progress.tqdm(files, desc="Indexing"):
            path = Path(path)
            name = path.name
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                messages.append(f"✗ {name}: rejected, unsupported type {path.suffix or '(none)'}")
                continue
            size = path.stat().st_size
            if size > max_bytes:
                messages.append(
                    f"✗ {name}: rejected, {size / 1e6:.1f} MB is over the "
                    f"{settings.ui_max_upload_mb:g} MB limit"
                )
                continue
            try:
                report = bot.add_document(path.read_bytes(), source=name)
            except AssistantError as exc:
                messages.append(f"✗ {name}: {exc}")
                continue
            state = "unchanged" if report.unchanged else "indexed"
            messages.append(f"✓ {name}: {state} ({report.chunks_added} chunks)")
        return (
            "\n".join(messages),
            _articles_table(bot),
            gr.update(choices=_removable(bot), value=None),
        )

    def remove(source: str | None):
        if not source:
            raise gr.Error("Choose an article to remove.")
        removed = bot.remove(source)
        shown = render.display_source(source)
        note = f"Removed {shown}." if removed else f"{shown} was not indexed."
        return note, _articles_table(bot), gr.update(choices=_removable(bot), value=None)

    def disagreements() -> str:
        try:
            if not bot.articles():
                return render.corpus_conflicts([], bot.article, indexed=False)
            return render.corpus_conflicts(bot.conflicts(), bot.article)
        except AssistantError as exc:
            raise gr.Error(html.escape(str(exc))) from exc

    with gr.Blocks(title="News assistant") as app:
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
                    value=_articles_table(bot),
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
                index_btn = gr.Button("Index uploaded files", elem_id="na-index")
                status = gr.Textbox(label="Status", interactive=False, lines=3, elem_id="na-status")
                with gr.Row():
                    pick = gr.Dropdown(choices=_removable(bot), label="Article to remove")
                    remove_btn = gr.Button("Remove", variant="stop")

        question.submit(
            chat, [question, turns], [transcript, turns, question], api_visibility="private"
        )
        send.click(chat, [question, turns], [transcript, turns, question], api_visibility="private")
        reset.click(clear, None, [transcript, turns, question], api_visibility="private")
        refresh.click(disagreements, None, corpus, api_visibility="private")
        app.load(disagreements, None, corpus, api_visibility="private")
        index_btn.click(upload, files, [status, table, pick], api_name="upload")
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
    bot.prepare()  # the first question should not pay for model start-up or index loading
    app = build_app(bot)
    app.queue(default_concurrency_limit=8)
    app.launch(
        server_name=host,
        server_port=port,
        auth=auth,
        prevent_thread_lock=not block,
        max_file_size=int(settings.ui_max_upload_mb * 1024 * 1024),
        quiet=True,
        css=render.CSS,
        head=HEAD,
        footer_links=["api"],
    )
    return app
