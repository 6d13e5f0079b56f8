"""What one (question, sentence) pair costs the answer scorer: CPU and wall milliseconds per
pair for 1 and 2 ONNX threads and three batch sizes, on the sample articles' sentences with
their headline and previous sentence, as `ask` builds them.

Run: `.venv/bin/python bench/scorer_speed.py`. The load test's latency follows from it: about
22 pairs a question.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.answer.scorer import GRAPH, MODEL_DIR  # noqa: E402
from assistant.answer.scorer_input import MAX_TOKENS, candidate_text  # noqa: E402
from index.chunker import split_sentences  # noqa: E402
from index.loader import find_files, load_file  # noqa: E402
from index.onnx_embedder import cpu_session  # noqa: E402

QUESTION = "What did Musk say about his conversations with Putin about Ukraine?"


def main() -> None:
    from tokenizers import Tokenizer

    pairs = []
    for file in find_files([ROOT / "data" / "articles"]):
        for article in load_file(file):
            spans = split_sentences(article.text, 600)
            texts = [article.text[s.start : s.end] for s in spans]
            pairs += [
                (QUESTION, candidate_text(t, article.title, texts[i - 1] if i else ""))
                for i, t in enumerate(texts)
            ]
    tokenizer = Tokenizer.from_file(str(MODEL_DIR / "tokenizer.json"))
    tokenizer.enable_truncation(MAX_TOKENS, strategy="only_second")
    tokenizer.enable_padding()
    tokens = [sum(e.attention_mask) for e in tokenizer.encode_batch(pairs)]
    print(f"{len(pairs)} pairs, {np.mean(tokens):.0f} tokens a pair on average")
    print("| threads | batch | CPU ms / pair | wall ms / pair |\n|---|---|---|---|")
    for threads in (1, 2):
        session = cpu_session(MODEL_DIR / GRAPH, threads)  # as the scorer makes it
        for batch in (8, 16, 48):

            def run(batch: int = batch, session=session) -> None:
                for lo in range(0, len(pairs), batch):
                    encoded = tokenizer.encode_batch(pairs[lo : lo + batch])
                    feed = {
                        name: np.array([getattr(e, attr) for e in encoded], dtype=np.int64)
                        for name, attr in (
                            ("input_ids", "ids"),
                            ("attention_mask", "attention_mask"),
                            ("token_type_ids", "type_ids"),
                        )
                    }
                    session.run(None, feed)

            run()  # warm
            wall, cpu = time.perf_counter(), time.process_time()
            run()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            per = 1000 / len(pairs)
            print(f"| {threads} | {batch} | {cpu * per:.2f} | {wall * per:.2f} |")


if __name__ == "__main__":
    main()
