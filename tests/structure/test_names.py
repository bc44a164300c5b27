#!/usr/bin/env python3
"""Every Catch test case runs under ctest with the name it was written with.

catch_discover_tests registers each test case by name in a CMake list, and CMake splits
lists at ';': a name holding one became two ctest entries whose filters matched no test
case, so they "passed" without running anything (16 such tests were found this way).
Fails, naming file and line, on a TEST_CASE name ctest cannot carry whole."""
import pathlib
import re
import sys

CASE = re.compile(r'TEST_CASE\(\s*((?:"(?:[^"\\]|\\.)*"\s*)+)', re.S)
PIECE = re.compile(r'"((?:[^"\\]|\\.)*)"')


def main(root: pathlib.Path) -> int:
    bad = 0
    for path in sorted((root / "tests").rglob("*.cpp")):
        text = path.read_text(errors="replace")
        for m in CASE.finditer(text):
            name = "".join(PIECE.findall(m.group(1)))
            if ";" in name:
                line = text.count("\n", 0, m.start()) + 1
                print(f"{path.relative_to(root)}:{line}: test name holds ';', which ctest "
                      f"splits into tests that run nothing: {name!r}")
                bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")))
