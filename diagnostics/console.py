"""The console: output that survives any Windows code page, and the ID number read masked.

Windows writes to a console in UTF-16 whatever the code page, but output redirected to a file or
a pipe is encoded with the ANSI code page (cp936 on a Chinese PC, cp1252 on an English one),
which cannot hold every character the agent prints. Redirected output is therefore always UTF-8
(the ``--json`` report included), and a character a console cannot show becomes "?" instead of
a crash.
"""

from __future__ import annotations

import contextlib
import getpass
import sys
from typing import Any, Callable, TextIO

#: Keys msvcrt.getwch() returns.
ENTER, BACKSPACE, CTRL_C, ESCAPE = ("\r", "\n"), "\x08", "\x03", "\x1b"
#: A function or arrow key arrives as one of these followed by its scan code.
KEY_PREFIXES = ("\x00", "\xe0")


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def configure_streams(streams: tuple[Any, ...] | None = None) -> None:
    """Redirected stdout and stderr speak UTF-8; nothing printed ever raises on encoding."""
    for stream in streams if streams is not None else (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is None:  # None (no console at all) or a stream we cannot change
            continue
        with contextlib.suppress(ValueError, OSError, LookupError):
            if _isatty(stream):
                reconfigure(errors="replace")
            else:
                stream.flush()
                reconfigure(encoding="utf-8", errors="replace")


def read_masked(prompt: str, out: TextIO, getwch: Callable[[], str]) -> str:
    """Read a line key by key, echoing "*" for each character (the Windows console)."""
    out.write(prompt)
    out.flush()
    typed: list[str] = []
    while True:
        key = getwch()
        if key in ENTER:
            break
        if key == CTRL_C:
            raise KeyboardInterrupt
        if key in KEY_PREFIXES:
            getwch()  # the scan code of an arrow or function key: ignored
        elif key == BACKSPACE:
            if typed:
                typed.pop()
                out.write("\b \b")
        elif key == ESCAPE:
            out.write("\b \b" * len(typed))
            typed = []
        elif key.isprintable():
            typed.append(key)
            out.write("*")
        out.flush()
    out.write("\n")
    out.flush()
    return "".join(typed)


def read_secret(prompt: str, stdin: TextIO, out: TextIO) -> str:
    """Read a secret: masked on the Windows console, without echo on a POSIX terminal.

    Any other stdin (a pipe, a test's stream) is read as a line, which it never echoes.
    """
    if stdin is sys.__stdin__ and _isatty(stdin):
        if sys.platform == "win32":
            import msvcrt

            return read_masked(prompt, out, msvcrt.getwch)
        return getpass.getpass(prompt, stream=out)
    out.write(prompt)
    out.flush()
    return stdin.readline()
