# Two commands do everything on a fresh machine: `make run` and `make test`.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
STORE  ?= .assistant/store
export ASSISTANT_STORE_PATH ?= $(STORE)

.PHONY: install run test lint eval bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# The CPU build of torch lies on this machine's disk; an unpinned torch pulls a CUDA build.
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[dev,llm]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(VENV)/bin/assistant index data/articles
	$(VENV)/bin/assistant chat

lint: install
	$(VENV)/bin/ruff check .

# The project's question set, with floors just under today's figures (the table is printed).
eval: install
	$(VENV)/bin/assistant eval data/questions.jsonl --corpus data/articles \
		--floors data/eval_floors.json --report reports/eval

test: install lint eval
	$(PY) -m pytest -q

# The 100,000-chunk corpus needs more prose than a bare machine has: Debian's manuals.
BENCH_DOCS := python3.11-doc linux-doc perl-doc

bench: install
	dpkg -s $(BENCH_DOCS) >/dev/null 2>&1 || apt-get install -y -q $(BENCH_DOCS)
	$(PY) bench/bench_core.py
	$(PY) bench/perf.py --sizes 1000 10000 100000

clean:
	rm -rf $(VENV) .assistant .pytest_cache .hypothesis
