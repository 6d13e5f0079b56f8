"""Load test (not part of `make test`; loopback only, bounded): 16 concurrent gradio_client
clients ask 500 questions in all while an indexing run adds 50 articles.

Run: `.venv/bin/python bench/load_test.py`. Prints errors, latency and peak memory.
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
ROOT = Path(__file__).resolve().parent.parent

from corpus import write_corpus  # noqa: E402

from assistant import Assistant, Settings  # noqa: E402
from ui.app import launch, port_free  # noqa: E402

CLIENTS, TOTAL, ARTICLES = 16, 500, 50


def main() -> int:
    from gradio_client import Client

    questions = [
        json.loads(line)["question"]
        for line in (ROOT / "data" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    with tempfile.TemporaryDirectory() as tmp:
        bot = Assistant(Settings(store_path=Path(tmp) / "store"))
        bot.index([ROOT / "data" / "articles"])
        extra = Path(tmp) / "extra"
        write_corpus(extra, 50 * 3000)
        files = sorted(extra.iterdir())[:ARTICLES]
        port = next(p for p in range(7950, 8150) if port_free("127.0.0.1", p))
        app = launch(bot, "127.0.0.1", port, block=False)
        url = f"http://127.0.0.1:{port}/"
        latencies: list[float] = []
        errors: list[str] = []
        inexact = 0
        lock = threading.Lock()
        counter = iter(range(TOTAL))

        def client_loop() -> None:
            nonlocal inexact
            client = Client(url, verbose=False)
            for n in counter:
                q = questions[n % len(questions)]
                started = time.perf_counter()
                try:
                    result = client.predict(q, api_name="/ask")
                except Exception as exc:  # counted: the test's outcome is zero of these
                    with lock:
                        errors.append(f"{q}: {exc}")
                    continue
                elapsed = (time.perf_counter() - started) * 1000
                bad = sum(
                    bot.article(c["source"]).text[c["start"] : c["end"]] != c["quote"]
                    for c in result["citations"]
                )
                with lock:
                    latencies.append(elapsed)
                    inexact += bad

        def indexer() -> None:
            for f in files:
                bot.index([f])

        started = time.perf_counter()
        threads = [threading.Thread(target=client_loop) for _ in range(CLIENTS)]
        threads.append(threading.Thread(target=indexer))
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=1800)
        wall = time.perf_counter() - started
        app.close()
        latencies.sort()
        indexed = len(bot.articles())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"clients {CLIENTS}, questions {len(latencies) + len(errors)}, errors {len(errors)}, "
        f"inexact citations {inexact}, articles indexed meanwhile {indexed - 2}/{ARTICLES}"
    )
    print(
        f"latency median {statistics.median(latencies):.0f} ms, "
        f"p95 {latencies[int(0.95 * (len(latencies) - 1))]:.0f} ms, wall {wall:.1f} s, "
        f"peak RSS {peak_mb:.0f} MB"
    )
    for e in errors[:5]:
        print("error:", e)
    return 1 if errors or inexact else 0


if __name__ == "__main__":
    sys.exit(main())
