"""Load test (not part of `make test`; loopback only, bounded): 16 concurrent gradio_client
clients ask 500 questions in all while an indexing run adds 50 articles to the serving process.

The clients run in a child process, as real users' browsers and programs do: in the server's
own interpreter their HTTP and JSON work would hold its GIL and be counted as the server's.
Every citation they get back is checked against the article text by the server process.

Run: `.venv/bin/python bench/load_test.py`. Prints errors, latency and the server's peak memory.
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
ROOT = Path(__file__).resolve().parent.parent

CLIENTS, TOTAL, ARTICLES = 16, 500, 50


def clients(url: str) -> None:
    """The child: ask, and print one JSON line per answer (latency, citations) or error."""
    from gradio_client import Client

    questions = [
        json.loads(line)["question"]
        for line in (ROOT / "data" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    counter = iter(range(TOTAL))
    lock = threading.Lock()

    def loop() -> None:
        client = Client(url, verbose=False)
        for n in counter:
            q = questions[n % len(questions)]
            started = time.perf_counter()
            try:
                result = client.predict(q, api_name="/ask")
                row = {"ms": (time.perf_counter() - started) * 1000, "cited": result["citations"]}
            except Exception as exc:  # counted: the test's outcome is zero of these
                row = {"error": f"{q}: {exc}"}
            with lock:
                print(json.dumps(row), flush=True)

    threads = [threading.Thread(target=loop) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=1800)


def main() -> int:
    from corpus import write_corpus

    from assistant import Assistant, Settings
    from ui.app import launch, port_free

    with tempfile.TemporaryDirectory() as tmp:
        bot = Assistant(Settings(store_path=Path(tmp) / "store"))
        bot.index([ROOT / "data" / "articles"])
        extra = Path(tmp) / "extra"
        write_corpus(extra, 50 * 3000)
        files = sorted(extra.iterdir())[:ARTICLES]
        port = next(p for p in range(7950, 8150) if port_free("127.0.0.1", p))
        app = launch(bot, "127.0.0.1", port, block=False)
        url = f"http://127.0.0.1:{port}/"

        def indexer() -> None:
            for f in files:
                bot.index([f])

        started = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, __file__, "--clients", url], stdout=subprocess.PIPE, text=True
        )
        indexing = threading.Thread(target=indexer)
        indexing.start()
        out, _ = child.communicate(timeout=1800)
        indexing.join(timeout=1800)
        wall = time.perf_counter() - started
        app.close()
        rows = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        errors = [r["error"] for r in rows if "error" in r]
        latencies = sorted(r["ms"] for r in rows if "ms" in r)
        inexact = sum(
            bot.article(c["source"]).text[c["start"] : c["end"]] != c["quote"]
            for r in rows
            for c in r.get("cited", [])
        )
        indexed = len(bot.articles())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"clients {CLIENTS}, questions {len(rows)}, errors {len(errors)}, "
        f"inexact citations {inexact}, articles indexed meanwhile {indexed - 2}/{ARTICLES}"
    )
    print(
        f"latency median {statistics.median(latencies):.0f} ms, "
        f"p95 {latencies[int(0.95 * (len(latencies) - 1))]:.0f} ms, wall {wall:.1f} s, "
        f"server peak RSS {peak_mb:.0f} MB"
    )
    for e in errors[:5]:
        print("error:", e)
    return 1 if errors or inexact or len(rows) != TOTAL else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--clients"]:
        clients(sys.argv[2])
    else:
        sys.exit(main())
