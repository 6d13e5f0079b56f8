"""Questions while a large upload is indexed (issue 15; not part of `make test`; loopback only).

One gradio_client client asks the project's questions one after another, first with nothing
else running (baseline), then while another client uploads a JSONL of as many articles
as the default records budget accepts (1,000, five sentences each; `--sentences` makes them
longer, up to the 5,000-chunk budget). Target: p95 of the asks during the upload at most 1 s.

Run: `.venv/bin/python bench/upload_asks.py [--records N] [--sentences S]`. Prints latency
and upload time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant, Settings  # noqa: E402
from ui.app import launch, port_free  # noqa: E402

BASELINE_ASKS = 40


def _feed(path: Path, records: int, sentences: int) -> None:
    towns = ["Gdynia", "Tallinn", "Malmo", "Turku", "Riga", "Kiel", "Aarhus", "Oulu"]
    lines = []
    for i in range(records):
        town = towns[i % len(towns)]
        base = [
            f"The harbour board of {town} met on day {i} to discuss ferry number {i}.",
            f"Members said the crossing to island {i % 97} had lost {i % 13} sailings.",
            f"A spokesman for operator {i} promised a new timetable within {i % 9 + 2} weeks.",
            f"Dock workers in {town} asked for {i % 7 + 3} percent more pay in talks {i}.",
            f"The regional council will vote on subsidy {i} before the end of month {i % 12}.",
        ]
        extra = [
            f"Paragraph {j} of report {i} notes that pier {j} in {town} needs repairs."
            for j in range(max(0, sentences - len(base)))
        ]
        text = " ".join(base[:sentences] + extra)
        lines.append(json.dumps({"title": f"{town} harbour report {i}", "text": text}))
    path.write_text("\n".join(lines), encoding="utf-8")


def _summary(label: str, times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return (
        f"{label}: {len(times)} asks, median {statistics.median(times) * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms"
    )


def main() -> int:
    from gradio_client import Client, handle_file

    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--sentences", type=int, default=5)
    args = parser.parse_args()
    questions = [
        json.loads(line)["question"]
        for line in (ROOT / "data" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    with tempfile.TemporaryDirectory() as tmp:
        bot = Assistant(Settings(store_path=Path(tmp) / "store"))
        bot.index([ROOT / "data" / "articles"])
        feed = Path(tmp) / "harbours.jsonl"
        _feed(feed, args.records, args.sentences)
        port = next(p for p in range(7950, 8150) if port_free("127.0.0.1", p))
        app = launch(bot, "127.0.0.1", port, block=False)
        url = f"http://127.0.0.1:{port}/"
        asker = Client(url, verbose=False)

        def ask(n: int) -> float:
            started = time.perf_counter()
            asker.predict(questions[n % len(questions)], api_name="/ask")
            return time.perf_counter() - started

        for n in range(5):
            ask(n)  # warm
        baseline = [ask(n) for n in range(BASELINE_ASKS)]

        outcome: dict[str, object] = {}

        def upload() -> None:
            started = time.perf_counter()
            status, _, _ = Client(url, verbose=False).predict(
                [handle_file(str(feed))], api_name="/upload"
            )
            outcome["status"], outcome["seconds"] = status, time.perf_counter() - started

        uploader = threading.Thread(target=upload)
        uploader.start()
        time.sleep(1.0)  # the upload is under way
        during: list[float] = []
        n = 0
        while uploader.is_alive():
            during.append(ask(n))
            n += 1
        uploader.join()
        after = [ask(n) for n in range(10)]  # the first pays for the new keyword index
        app.close()
        chunks = sum(a.chunks for a in bot.articles() if a.source.startswith("harbours"))
    print(f"upload: {args.records:,} articles, {chunks:,} chunks, {outcome['seconds']:.1f} s")
    print(f"status: {str(outcome['status']).splitlines()[-1]}")
    print(_summary("baseline (no upload)", baseline))
    print(_summary("during the upload", during))
    print(_summary("after it", after))
    ordered = sorted(during)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)] if ordered else 0.0
    print(f"target p95 <= 1 s during the upload: {'met' if p95 <= 1.0 else 'NOT met'}")
    return 0 if p95 <= 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
