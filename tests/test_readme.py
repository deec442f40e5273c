"""The README's examples run and print what the README shows.

Shell examples are the ``$ …`` lines of fenced blocks; the lines after one are its expected output, where a
line ``…`` alone stands for any number of lines. The Python example is run and compared with the block after it.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```(\w*)\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
ELLIPSIS = "…"


def shell_examples() -> list[tuple[str, list[str]]]:
    examples: list[tuple[str, list[str]]] = []
    for language, body in BLOCKS:
        lines = body.rstrip("\n").split("\n")
        if language or not lines[0].startswith("$ "):
            continue
        for line in lines:
            if line.startswith("$ "):
                examples.append((line[2:], []))
            else:
                examples[-1][1].append(line)
    for _, expected in examples:  # the blank line that separates two examples in one block
        while expected and not expected[-1].strip():
            expected.pop()
    return examples


def matches(expected: list[str], actual: list[str]) -> bool:
    """Match line by line, ``…`` alone matching any run of lines (greedy backtracking is plenty here)."""
    if not expected:
        return not actual
    if expected[0] == ELLIPSIS:
        return any(matches(expected[1:], actual[i:]) for i in range(len(actual) + 1))
    return bool(actual) and expected[0].rstrip() == actual[0].rstrip() and matches(expected[1:], actual[1:])


@pytest.mark.parametrize(("command", "expected"), shell_examples(), ids=lambda v: v if isinstance(v, str) else "")
def test_shell_example(command: str, expected: list[str], tmp_path: Path) -> None:
    runnable = re.sub(r"(^|\| )lawsearch ", rf"\g<1>{sys.executable} -m lawsearch ", command)
    result = subprocess.run(
        ["bash", "-c", runnable],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "LAWSEARCH_CACHE": str(tmp_path), "HOME": str(tmp_path)},
        timeout=120,
    )
    actual = (result.stdout + result.stderr).rstrip("\n").split("\n")
    assert matches(expected, actual), "\n".join(actual)


def test_the_shell_examples_were_found() -> None:
    commands = [command for command, _ in shell_examples()]
    assert len(commands) >= 8 and "lawsearch search 法治副校长" in commands


def test_python_example(tmp_path: Path) -> None:
    index = next(i for i, (language, _) in enumerate(BLOCKS) if language == "python")
    code, printed = BLOCKS[index][1], BLOCKS[index + 1][1]
    code = code.replace("/tmp/readme-index", str(tmp_path / "index"))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout == printed
