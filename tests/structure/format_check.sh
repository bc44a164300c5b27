#!/bin/bash
# Every C++ file git tracks is formatted by the tree's .clang-format (make format fixes).
set -euo pipefail
cd "${1:?usage: format_check.sh SOURCE_DIR}"
command -v clang-format >/dev/null || { echo "FAIL: clang-format missing (packaging/install-deps.sh --test)" >&2; exit 1; }
if [ -d .git ] || git rev-parse --git-dir >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files '*.cpp' '*.h')
else
  mapfile -t files < <(find daemon tests -name '*.cpp' -o -name '*.h')
fi
bad=$(clang-format --dry-run "${files[@]}" 2>&1 | grep -c 'warning:' || true)
if [ "$bad" -ne 0 ]; then
  clang-format --dry-run "${files[@]}" 2>&1 | grep 'warning:' | cut -d: -f1 | sort | uniq -c | sort -rn | head -20
  echo "format: $bad places in ${#files[@]} files differ from .clang-format; run 'make format'"
  exit 1
fi
echo "format: ${#files[@]} files formatted"
