"""The install path: llama.cpp built for any x86-64 machine of this kind, kept in a wheel cache
keyed by version and flags, and native crashes contained in child processes."""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
from importlib.util import find_spec
from pathlib import Path

import pytest
from native import run_child

ROOT = Path(__file__).resolve().parent.parent
BOOTSTRAP = ROOT / "tools" / "bootstrap.sh"
# AVX-512 uses the zmm registers and opmask k-registers; AMX the tile instructions.
_WIDE = re.compile(r"%zmm\d+|\{%k[1-7]\}|\b(ldtilecfg|tdpb\w+|tileloadd)\b")


def _wheel_dir(cmake_args: str | None = None) -> str:
    env = dict(os.environ)
    env.pop("ASSISTANT_LLAMA_CMAKE_ARGS", None)
    if cmake_args is not None:
        env["ASSISTANT_LLAMA_CMAKE_ARGS"] = cmake_args
    out = subprocess.run(
        [str(BOOTSTRAP), "--print-llama-wheels"], env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_wheel_cache_is_keyed_by_flags():
    default = _wheel_dir()
    assert default == _wheel_dir()  # stable
    assert "0.3." in default
    assert _wheel_dir("-DGGML_NATIVE=ON") != default
    assert _wheel_dir("-DGGML_NATIVE=OFF -DGGML_AVX512=ON") != default


def test_default_flags_are_chosen_not_detected():
    script = BOOTSTRAP.read_text()
    for flag in ("GGML_NATIVE=OFF", "GGML_AVX2=ON", "GGML_AVX512=OFF", "GGML_AMX_INT8=OFF"):
        assert flag in script


@pytest.mark.skipif(platform.machine() != "x86_64", reason="x86-64 instruction sets")
def test_installed_llama_cpp_uses_no_avx512_or_amx():
    spec = find_spec("llama_cpp")
    assert spec is not None and spec.origin, "llama-cpp-python is not installed (make test does)"
    objdump = shutil.which("objdump")
    assert objdump, "objdump (binutils) is needed to inspect the build"
    libs = sorted(Path(spec.origin).parent.rglob("*.so*"))
    cpu_libs = [p for p in libs if "ggml" in p.name or "llama" in p.name]
    assert cpu_libs, f"no llama.cpp libraries under {Path(spec.origin).parent}"
    for lib in cpu_libs:
        listing = subprocess.run(
            [objdump, "-d", "--no-show-raw-insn", str(lib)], capture_output=True, text=True
        ).stdout
        found = _WIDE.search(listing)
        assert found is None, f"{lib.name} uses {found.group(0)}: not portable"


def test_a_native_crash_fails_one_test_with_the_signal_named():
    with pytest.raises(pytest.fail.Exception, match="SIGSEGV"):
        run_child("import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)")
    assert run_child("import json\nprint(json.dumps({'ok': 1}))") == {"ok": 1}
