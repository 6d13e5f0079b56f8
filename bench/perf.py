"""Performance suite (issue 8, first part): `make bench` prints one table and writes it to
docs/PERFORMANCE.md. Every comparison is measured side by side in the same run.

Each corpus size runs in a child process so its peak memory is its own:
`.venv/bin/python bench/perf.py --sizes 1000 10000`.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
ROOT = Path(__file__).resolve().parent.parent
CHARS_PER_CHUNK = 520  # measured on this prose with the default 600-character chunks


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one_size(chunks: int) -> dict:
    from prose import write_prose_corpus

    from assistant import Assistant, Settings
    from assistant.baselines import _Embeddings

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "prose"
        files = write_prose_corpus(folder, chunks * CHARS_PER_CHUNK)
        bot = Assistant(Settings(store_path=Path(tmp) / "store", store_refresh_seconds=60))
        started = time.perf_counter()
        report = bot.index([folder])
        index_s = time.perf_counter() - started
        rss_index = _rss_mb()
        # questions: sentences of the corpus, asked back (the answer is known to exist)
        rng = random.Random(7)
        texts = [p.read_text(encoding="utf-8") for p in sorted(folder.iterdir())]
        sentences = [s for t in texts for s in t.split(". ") if 40 < len(s) < 160]
        questions = rng.sample(sentences, min(40, len(sentences)))
        bot.ask(questions[0])  # warm: model, keyword index, caches
        from langchain_chroma import Chroma
        from langchain_core.embeddings import Embeddings

        adapter = type("MiniLM", (_Embeddings, Embeddings), {})(bot.embedder)
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        client = chromadb.PersistentClient(
            path=str(Path(tmp) / "store"), settings=ChromaSettings(anonymized_telemetry=False)
        )
        canonical = Chroma(
            client=client, collection_name=bot.store._chunks.name, embedding_function=adapter
        )
        ours, theirs = [], []
        for q in questions:
            t = time.perf_counter()
            bot.ask(q)
            ours.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            canonical.similarity_search(q, k=bot.settings.top_k)
            theirs.append((time.perf_counter() - t) * 1000)
        ours.sort()
        theirs.sort()
        return {
            "chunks": report.chunks_added,
            "files": files,
            "index_s": index_s,
            "chunks_per_s": report.chunks_added / index_s,
            "ask_median_ms": statistics.median(ours),
            "ask_p95_ms": ours[int(0.95 * (len(ours) - 1))],
            "langchain_median_ms": statistics.median(theirs),
            "ratio": statistics.median(ours) / statistics.median(theirs),
            "rss_index_mb": rss_index,
            "rss_serving_mb": _rss_mb(),
        }


def cold_start() -> dict:
    """`assistant ask` as a fresh process on the sample corpus, and where the time goes."""
    with tempfile.TemporaryDirectory() as tmp:
        exe = str(Path(sys.executable).with_name("assistant"))
        env_store = ["--store", str(Path(tmp) / "store")]
        subprocess.run(
            [exe, "index", str(ROOT / "data" / "articles"), *env_store],
            capture_output=True,
            check=True,
        )
        subprocess.run([exe, "ask", "warm the file cache", *env_store], capture_output=True)
        t = time.perf_counter()
        subprocess.run([exe, "ask", "Who is Ian Bremmer?", *env_store], capture_output=True)
        total = time.perf_counter() - t
        probe = (
            "import time;t=time.perf_counter();import assistant.core;a=time.perf_counter();"
            "from index.embedder import SentenceTransformerEmbedder as E;e=E();"
            "b=time.perf_counter();print(a-t,b-a)"
        )
        out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
        imports, model = (float(x) for x in out.stdout.split())
    return {"total_s": total, "imports_s": imports, "model_s": model}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_size(args.one)))
        return
    rows = []
    for size in args.sizes:
        done = subprocess.run(
            [sys.executable, __file__, "--one", str(size)],
            capture_output=True,
            text=True,
            check=True,
        )
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    cold = cold_start()
    lines = [
        "| corpus (chunks) | index chunks/s | ask median / p95 (ms) | LangChain similarity_search "
        "median (ms) | ours / LangChain | peak RSS indexing / serving (MB) |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['chunks']} | {r['chunks_per_s']:.1f} | {r['ask_median_ms']:.1f} / "
            f"{r['ask_p95_ms']:.1f} | {r['langchain_median_ms']:.1f} | {r['ratio']:.2f}x | "
            f"{r['rss_index_mb']:.0f} / {r['rss_serving_mb']:.0f} |"
        )
    lines += [
        "",
        f"Cold `assistant ask` (fresh process, warm file cache): {cold['total_s']:.2f} s; "
        f"importing the project {cold['imports_s']:.2f} s, loading the model "
        f"{cold['model_s']:.2f} s (target < 4 s).",
    ]
    table = "\n".join(lines)
    print(table)
    doc = ROOT / "docs" / "PERFORMANCE.md"
    doc.parent.mkdir(exist_ok=True)
    doc.write_text(
        "# Performance\n\nMeasured on this project's machine (2 cores, no GPU) by\n\n"
        "```sh\nmake bench   # bench/bench_core.py and bench/perf.py\n```\n\n"
        "Corpora: English prose on the machine (Python documentation topics, Vim's help, "
        "package descriptions; `bench/prose.py`); questions are sentences of the corpus asked "
        "back. `ask` is in process, warm, extractive, conflicts included; the LangChain call "
        "is `Chroma.similarity_search` on the same collection with the same embeddings and "
        "k.\n\n" + table + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
