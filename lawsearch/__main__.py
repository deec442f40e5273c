"""``python -m lawsearch`` and the ``lawsearch`` command: the command-line interface (``lawsearch.cli``).

The command's entry point is ``main`` here, not ``cli.main``, so that Ctrl-C while the interface's modules load
(numpy, the index code: a few tenths of a second) exits quietly with status 130, as it does later.
"""

from __future__ import annotations

import sys

_EXIT_INTERRUPTED = 130  # 128 + SIGINT, as lawsearch.cli exits on Ctrl-C


def main() -> int:
    """Load the command-line interface and run it on ``sys.argv``; the exit status."""
    try:
        from lawsearch.cli import main as run

        return run()
    except KeyboardInterrupt:
        sys.stderr.write("\n")
        return _EXIT_INTERRUPTED


if __name__ == "__main__":
    raise SystemExit(main())
