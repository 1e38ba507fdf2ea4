"""Entry script for PyInstaller: the executable runs ``diagnostics.cli.main``.

A double-click run keeps its window open at the end so the candidate can read the checklist.
"""

import contextlib
import sys

from diagnostics.cli import main

if __name__ == "__main__":
    code = main(sys.argv[1:])
    if len(sys.argv) == 1 and sys.stdin is not None and sys.stdin.isatty():
        with contextlib.suppress(EOFError):
            input("\n按回车键关闭 / Press Enter to close")
    sys.exit(code)
