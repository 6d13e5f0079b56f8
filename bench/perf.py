"""Performance suite (issue 8): `make bench` prints one table and writes docs/PERFORMANCE.md.

Every comparison is measured side by side in the same run. Each phase runs in a child process
so its peak memory is its own:
- index: build the store from the prose corpus (`bench/prose.py`), with peak RSS;
- bare: the floor, `SentenceTransformer.encode` of the same chunk texts (and the same encode
  with our ONNX backend), for sizes up to `--bare-max` chunks;
- serve: open the store, warm up, then ask questions, each followed by LangChain's
  `Chroma.similarity_search` on the same collection with the same embeddings and k, and by
  LangChain's reranking pipeline with the same answer scorer as ours
  (`ContextualCompressionRetriever` + `CrossEncoderReranker` over `similarity_search`).

Corpora and stores are kept in `bench/.cache` (a 100,000-chunk store takes about half an hour
to build), so a second run only measures: `.venv/bin/python bench/perf.py --sizes 1000 10000
100000`; `--fresh` rebuilds.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
CHARS_PER_CHUNK = 520  # measured on this prose with the default 600-character chunks


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _paths(size: int) -> tuple[Path, Path, Path]:
    base = CACHE / f"prose-{size}"
    return base / "articles", base / "store", base / "index.json"


def phase_index(size: int) -> dict:
    from prose import write_prose_corpus

    from assistant import Assistant, Settings
    from index.manifest import FORMAT

    folder, store, done = _paths(size)
    shutil.rmtree(folder.parent, ignore_errors=True)
    files = write_prose_corpus(folder, size * CHARS_PER_CHUNK)
    bot = Assistant(Settings(store_path=store, store_refresh_seconds=60))
    started = time.perf_counter()
    report = bot.index([folder])
    seconds = time.perf_counter() - started
    rss = _rss_mb()  # before the token count below, which is not part of indexing
    texts = [c.text for c in bot.store.all_chunks()]
    result = {
        "files": files,
        "chunks": report.chunks_added,
        "index_s": seconds,
        "chunks_per_s": report.chunks_added / seconds,
        "tokens_per_s": _tokens(texts) / seconds,
        "rss_index_mb": rss,
    }
    done.write_text(json.dumps(result | {"store_format": FORMAT}))
    return result


def _cached(size: int) -> dict | None:
    """The cached build of this size, unless it is missing or in an older store format (which
    the assistant would refuse to open)."""
    from index.manifest import FORMAT

    done = _paths(size)[2]
    if not done.exists():
        return None
    row = json.loads(done.read_text())
    return row if row.pop("store_format", None) == FORMAT else None


def _tokens(texts: list[str]) -> int:
    from tokenizers import Tokenizer

    from index.embedder import bundled_model_path

    tokenizer = Tokenizer.from_file(str(Path(bundled_model_path()) / "tokenizer.json"))
    return sum(
        len(e.ids)
        for lo in range(0, len(texts), 1000)
        for e in tokenizer.encode_batch(texts[lo : lo + 1000], add_special_tokens=True)
    )


BARE_SAMPLE = 3_000  # chunks the bare encode runs on: a random sample of a larger store


def phase_bare(size: int) -> dict:
    """The floor: embedding the chunk texts and nothing else (past `BARE_SAMPLE` chunks, a
    random sample of them: the same kind of chunk, so the same rate, in less time)."""
    from assistant import Assistant, Settings
    from index.embedder import bundled_model_path, make_embedder

    _, store, _ = _paths(size)
    bot = Assistant(Settings(store_path=store, store_refresh_seconds=60))
    texts = [c.text for c in bot.store.all_chunks()]
    if len(texts) > BARE_SAMPLE:
        texts = random.Random(7).sample(texts, BARE_SAMPLE)
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(bundled_model_path(), device="cpu")
    onnx = make_embedder(backend="onnx")
    out = {}
    for name, encode in (("torch", model.encode), ("onnx", onnx.embed)):
        encode(texts[:64])  # warm
        started = time.perf_counter()
        encode(texts)  # sentence-transformers with its defaults: the canonical call
        out[f"bare_{name}_chunks_per_s"] = len(texts) / (time.perf_counter() - started)
    return out


def phase_serve(size: int, questions: int = 60) -> dict:
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma
    from langchain_core.embeddings import Embeddings

    from assistant import Assistant, Settings
    from assistant.evaluate.baselines import LangChainEmbeddings, reranking_retriever

    folder, store, _ = _paths(size)
    started = time.perf_counter()
    bot = Assistant(Settings(store_path=store, store_refresh_seconds=60))
    # questions: sentences of the corpus asked back (the answer is known to exist)
    rng = random.Random(7)
    files = sorted(folder.iterdir())
    asked = []
    for path in rng.sample(files, min(questions, len(files))):
        sentences = [s for s in path.read_text("utf-8").split(". ") if 40 < len(s) < 160]
        if sentences:
            asked.append((path.name, rng.choice(sentences)))
    bot.prepare()  # keyword index, name spellings, model: what a server loads at start-up
    bot.ask(asked[0][1])
    warm_s = time.perf_counter() - started

    class Uncached(LangChainEmbeddings, Embeddings):
        """Embeds every query afresh, as our `ask` must: no shared cache flatters either."""

        def embed_query(self, text: str) -> list[float]:
            return self._embedder.embed([text])[0].tolist()

    adapter = Uncached(bot.embedder)
    client = chromadb.PersistentClient(
        path=str(store), settings=ChromaSettings(anonymized_telemetry=False)
    )
    canonical = Chroma(
        client=client, collection_name=bot.store._chunks.name, embedding_function=adapter
    )
    canonical.similarity_search("warm up", k=bot.settings.top_k)
    # the same scorer reranks the candidates ours fuses, keeping as many chunks as ours scores
    reranking = reranking_retriever(canonical, bot.settings.candidates, bot.settings.top_k)
    reranking.invoke("warm up")
    ours, theirs, reranked, found, found_k = [], [], [], 0, 0
    for name, question in asked[1:]:
        t = time.perf_counter()
        answer = bot.ask(question)
        ours.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        docs = canonical.similarity_search(question, k=bot.settings.top_k)
        theirs.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        reranking.invoke(question)
        reranked.append((time.perf_counter() - t) * 1000)
        found += any(Path(c.source).name == name for c in answer.citations)
        found_k += any(Path(d.metadata["source"]).name == name for d in docs)
    ours.sort()
    return {
        "ask_median_ms": statistics.median(ours),
        "ask_p95_ms": ours[int(0.95 * (len(ours) - 1))],
        "langchain_median_ms": statistics.median(theirs),
        "ratio": statistics.median(ours) / statistics.median(theirs),
        "rerank_median_ms": statistics.median(reranked),
        "rerank_ratio": statistics.median(ours) / statistics.median(reranked),
        "found": found / len(ours),
        "langchain_found": found_k / len(ours),
        "open_and_warm_s": warm_s,
        "rss_serving_mb": _rss_mb(),
        "cold_ask_s": _cold_ask(store, asked[-1][1]),
        "cold_ask_cpu_s": _cold_ask_cpu(store, asked[-2][1])[1],
    }


def _cold_ask(store: Path, question: str) -> float:
    """`assistant ask` as a fresh process on this store (file cache warm from the run)."""
    return _cold_ask_cpu(store, question)[0]


def _cold_ask_cpu(store: Path, question: str) -> tuple[float, float]:
    """(wall, CPU) seconds of `assistant ask` as a fresh process: on a loaded machine the CPU
    time says what the process itself costs."""
    exe = str(Path(sys.executable).with_name("assistant"))
    started = time.perf_counter()
    proc = subprocess.Popen(
        [exe, "ask", question, "--store", str(store)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"assistant ask on {store} failed")
    return time.perf_counter() - started, usage.ru_utime + usage.ru_stime


def cold_start() -> dict:
    """`assistant ask` as a fresh process on the sample corpus, and where the time goes."""
    store = CACHE / "sample-store"
    exe = str(Path(sys.executable).with_name("assistant"))
    where = ["--store", str(store)]
    # --rebuild: a store this bench left in an older format is built again, not refused
    subprocess.run(
        [exe, "index", "--rebuild", str(ROOT / "data" / "articles"), *where],
        capture_output=True,
        check=True,
    )
    subprocess.run([exe, "ask", "warm the file cache", *where], capture_output=True)
    runs = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run([exe, "ask", "Who is Ian Bremmer?", *where], capture_output=True, check=True)
        runs.append(time.perf_counter() - t)
    probe = (
        "import time;t=time.perf_counter();import ui.cli;a=time.perf_counter();"
        "from index.embedder import make_embedder;e=make_embedder();e.embed(['x']);"
        "b=time.perf_counter();from index.chroma_store import ChromaStore;"
        f"s=ChromaStore({str(store)!r});s.articles();c=time.perf_counter();"
        "print(a-t,b-a,c-b)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    imports, model, store_s = (float(x) for x in out.stdout.split())
    return {"total_s": min(runs), "imports_s": imports, "model_s": model, "store_s": store_s}


# -- issue 30: an archive's day-to-day operations, on a copy of the cached store ---------------


def phase_archive(size: int, added: int = 100) -> dict:
    """`assistant index` of 100 new articles into a copy of the store (time, peak RSS of that
    process), then the same command again and the whole corpus folder again, each with nothing
    to do (the no-op). The new articles are corpus articles with their paragraphs in reverse
    order under new names: new texts and chunks, the same kind of prose."""
    folder, store, _ = _paths(size)
    work = CACHE / f"archive-{size}"
    shutil.rmtree(work, ignore_errors=True)
    extra = work / "added"
    extra.mkdir(parents=True)
    files = sorted(folder.iterdir())
    for i in range(added):
        path = files[i % len(files)]  # a small corpus gives some twice, under other titles
        title, _, body = path.read_text("utf-8").partition("\n\n")
        paragraphs = body.strip().split("\n\n")[::-1]
        text = f"Addition {i}: {title}\n\n" + "\n\n".join(paragraphs) + "\n"
        (extra / f"added{i:03d}.txt").write_text(text, "utf-8")
    copy = work / "store"
    shutil.copytree(store, copy)
    try:
        add_s, add_mb, out, add_cpu = _index_run(extra, copy)
        noop_s, _, noop_out, noop_cpu = _index_run(extra, copy)
        # twice: a store indexed before file states were kept records them on the first run
        first_s, _, _, _ = _index_run(folder, copy)
        corpus_s, _, corpus_out, corpus_cpu = _index_run(folder, copy)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {
        "add_s": add_s,
        "add_cpu_s": add_cpu,
        "add_rss_mb": add_mb,
        "noop_cpu_s": noop_cpu,
        "noop_corpus_first_s": first_s,
        "noop_corpus_cpu_s": corpus_cpu,
        "add_report": out.strip().splitlines()[-1],
        "noop_s": noop_s,
        "noop_report": noop_out.strip().splitlines()[-2],
        "noop_corpus_s": corpus_s,
        "noop_corpus_report": corpus_out.strip().splitlines()[-2],
    }


def _index_run(folder: Path, store: Path) -> tuple[float, float, str, float]:
    """(seconds, peak RSS in MB, stdout, CPU seconds) of `assistant index FOLDER` as its own
    process."""
    exe = str(Path(sys.executable).with_name("assistant"))
    started = time.perf_counter()
    proc = subprocess.Popen(
        [exe, "index", str(folder), "--store", str(store)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"assistant index {folder} failed: {out}")
    return seconds, usage.ru_maxrss / 1024, out, usage.ru_utime + usage.ru_stime


def _archive_table(rows: list[dict]) -> str:
    lines = [
        "| corpus (chunks) | add 100 articles: wall / CPU (s), peak RSS (MB) | no-op `index` of "
        "those 100: wall / CPU (s) | no-op `index` of the whole corpus folder: wall / CPU (s) | "
        "cold `assistant ask`: wall / CPU (s) |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        if "add_s" not in r:
            continue
        lines.append(
            f"| {r['chunks']} | {r['add_s']:.1f} / {r['add_cpu_s']:.1f}, {r['add_rss_mb']:.0f} | "
            f"{r['noop_s']:.2f} / {r['noop_cpu_s']:.2f} | {r['noop_corpus_s']:.2f} / "
            f"{r['noop_corpus_cpu_s']:.2f} | {r['cold_ask_s']:.2f} / {r['cold_ask_cpu_s']:.2f} |"
        )
    return "\n".join(lines)


def _child(phase: str, size: int) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--phase", phase, "--size", str(size)],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"{phase} {size} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000])
    parser.add_argument("--bare-max", type=int, default=100_000, help="largest size for 'bare'")
    parser.add_argument("--fresh", action="store_true", help="rebuild the cached stores")
    parser.add_argument(
        "--phase", choices=["index", "bare", "serve", "archive"], help=argparse.SUPPRESS
    )
    parser.add_argument("--no-archive", action="store_true", help="skip the archive phase")
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        phase = {
            "index": phase_index,
            "bare": phase_bare,
            "serve": phase_serve,
            "archive": phase_archive,
        }[args.phase]
        print(json.dumps(phase(args.size)))
        return
    rows = []
    for size in args.sizes:
        cached = None if args.fresh else _cached(size)
        row = cached or _child("index", size)
        if size <= args.bare_max:
            row |= _child("bare", size)
        row |= _child("serve", size)
        if not args.no_archive:
            row |= _child("archive", size)
        rows.append(row)
        print(json.dumps(row), file=sys.stderr)
    cold = cold_start()
    table = _table(rows, cold) + "\n\n" + _archive_table(rows)
    print(table)
    _write_doc(table)


def _table(rows: list[dict], cold: dict) -> str:
    lines = [
        "| corpus (chunks) | index chunks/s (tokens/s) | bare encode torch / ONNX (chunks/s) | "
        "indexing / bare torch | ask median / p95 (ms) | LangChain similarity_search median "
        "(ms) | ours / LangChain | LangChain with our scorer reranking, median (ms) | ours / "
        "it | source cited / in LangChain's top k | peak RSS indexing / serving (MB) | "
        "cold ask (s) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        bare = (
            f"{r['bare_torch_chunks_per_s']:.1f} / {r['bare_onnx_chunks_per_s']:.1f}"
            if "bare_torch_chunks_per_s" in r
            else "not run"
        )
        ratio = (
            f"{r['chunks_per_s'] / r['bare_torch_chunks_per_s']:.0%}"
            if "bare_torch_chunks_per_s" in r
            else "-"
        )
        lines.append(
            f"| {r['chunks']} | {r['chunks_per_s']:.1f} ({r['tokens_per_s']:.0f}) | {bare} | "
            f"{ratio} | {r['ask_median_ms']:.1f} / {r['ask_p95_ms']:.1f} | "
            f"{r['langchain_median_ms']:.1f} | {r['ratio']:.2f}x | "
            f"{r['rerank_median_ms']:.1f} | {r['rerank_ratio']:.2f}x | "
            f"{r['found']:.0%} / {r['langchain_found']:.0%} | "
            f"{r['rss_index_mb']:.0f} / {r['rss_serving_mb']:.0f} | {r['cold_ask_s']:.1f} |"
        )
    lines += [
        "",
        f"Cold `assistant ask` (fresh process, warm file cache, best of 3): "
        f"{cold['total_s']:.2f} s; importing the CLI {cold['imports_s']:.2f} s, loading the "
        f"model and embedding once {cold['model_s']:.2f} s, opening the store "
        f"{cold['store_s']:.2f} s (target < 4 s).",
    ]
    return "\n".join(lines)


def _write_doc(table: str) -> None:
    """Replace the generated table in docs/PERFORMANCE.md, keeping the hand-written parts."""
    doc = ROOT / "docs" / "PERFORMANCE.md"
    start, end = "<!-- perf.py: begin -->", "<!-- perf.py: end -->"
    text = doc.read_text(encoding="utf-8") if doc.exists() else f"# Performance\n\n{start}\n{end}\n"
    if start not in text:
        text += f"\n{start}\n{end}\n"
    head, rest = text.split(start, 1)
    tail = rest.split(end, 1)[1]
    doc.write_text(f"{head}{start}\n{table}\n{end}{tail}", encoding="utf-8")


if __name__ == "__main__":
    main()
