# Two commands do everything on a fresh machine: `make run` and `make test`.
# Every install goes through tools/bootstrap.sh, so run, test and CI install the same way.
VENV   := .venv
PY     := $(VENV)/bin/python
STORE  ?= .assistant/store
export ASSISTANT_STORE_PATH ?= $(STORE)

.PHONY: install install-llm install-test run test lint eval crossval train-scorer bench clean

# The default path: no language model, no browser.
install:
	tools/bootstrap.sh

# Adds the optional local LLM (llama.cpp, built portably; several minutes the first time).
install-llm:
	tools/bootstrap.sh --llm

# Everything the test suite drives: the LLM extra and Debian's Chromium.
install-test:
	tools/bootstrap.sh --llm --browser

run: install
	$(VENV)/bin/assistant index data/articles
	$(VENV)/bin/assistant chat

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The development sets live beside the project (../shared), never in it: the BBC articles
# are the BBC's copyright. Where they are missing, their evaluation says it was skipped.
SHARED := ../shared/external

# Every question set, each with floors just under its cross-validated figures.
eval: install
	$(VENV)/bin/assistant eval data/questions.jsonl --corpus data/articles \
		--floors data/eval_floors.json --report reports/eval
	@if [ -d $(SHARED)/bbc_dev ]; then \
		$(VENV)/bin/assistant eval $(SHARED)/bbc_dev/questions.jsonl \
			--corpus $(SHARED)/bbc_dev/articles --compare \
			--floors data/eval_floors_bbc.json --report reports/eval-bbc; \
	else echo "skipped: $(SHARED)/bbc_dev is not here (the BBC set is only in ../shared)"; fi
	@if [ -d $(SHARED)/bbc_dev2 ]; then \
		$(VENV)/bin/assistant eval $(SHARED)/bbc_dev2/questions.jsonl \
			--corpus $(SHARED)/bbc_dev2/articles --compare \
			--floors data/eval_floors_bbc2.json --report reports/eval-bbc2; \
	else echo "skipped: $(SHARED)/bbc_dev2 is not here (the BBC set is only in ../shared)"; fi
	$(PY) bench/scorer_checks.py --floors data/eval_floors_scorer.json
	$(PY) bench/wikicontradict.py $(SHARED)/wikicontradict_dev.jsonl \
		--floors data/eval_floors_wikicontradict.json
	$(PY) bench/corpus_precision.py --min-precision 0.25

# The answer and conflict weights, fitted and cross-validated by story cluster (BBC sets).
crossval: install
	$(PY) bench/crossval.py --out reports/crossval.json

# Retrains the shipped answer scorer from SQuAD (../shared/external/squad); CI never does.
train-scorer: install
	$(PY) train/answer_scorer.py

test: install-test lint eval
	$(PY) -m pytest -q

# The 100,000-chunk corpus needs more prose than a bare machine has: Debian's manuals.
BENCH_DOCS := python3.11-doc linux-doc perl-doc

bench: install
	dpkg -s $(BENCH_DOCS) >/dev/null 2>&1 || apt-get install -y -q $(BENCH_DOCS)
	$(PY) bench/bench_core.py
	$(PY) bench/perf.py --sizes 1000 10000 100000

clean:
	rm -rf $(VENV) .assistant/store .pytest_cache .hypothesis
