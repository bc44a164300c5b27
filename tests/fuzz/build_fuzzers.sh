#!/bin/bash
# Configures (once) and builds the fuzz tree:  build_fuzzers.sh SOURCE_DIR BUILD_DIR
# What `make fuzz-build` does, for ctest (tests/fuzz/tests.cmake). clang-14 and libFuzzer
# come from packaging/install-deps.sh --test (or --fuzz).
set -euo pipefail
src=${1:?usage: build_fuzzers.sh SOURCE_DIR BUILD_DIR}
build=${2:?usage: build_fuzzers.sh SOURCE_DIR BUILD_DIR}
command -v clang++-14 >/dev/null || { echo "FAIL: clang++-14 missing (packaging/install-deps.sh --fuzz)" >&2; exit 1; }
ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 ||
  { echo "FAIL: libFuzzer missing (libclang-rt-14-dev; packaging/install-deps.sh --fuzz)" >&2; exit 1; }
start=$(date +%s)
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER=clang++-14 -DSSHD_HEALTH_FUZZ=ON >/dev/null
fi
cmake --build "$build" -j "${JOBS:-2}"
echo "fuzz build: $(( $(date +%s) - start )) s"
