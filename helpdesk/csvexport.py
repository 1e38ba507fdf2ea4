"""CSV exports staff download: cells a spreadsheet never runs as formulas, masked names.

Every export writes a UTF-8 BOM first so spreadsheet programs on Chinese Windows read the
text as UTF-8.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

BOM = "\ufeff"
#: A cell starting with one of these could be run as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """The value as text a spreadsheet shows as it is: a formula start gets a leading '."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def mask_name(name: str) -> str:
    """张三 -> 张*, 欧阳小明 -> 欧***: enough to greet the right person on the phone."""
    return name[:1] + "*" * max(1, len(name) - 1) if name else ""


def lines(header: Iterable[object], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """The export as text chunks (BOM and header first, then a chunk per row), for streaming."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow([safe_cell(h) for h in header])
    yield BOM + flush()
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
        yield flush()


def text(header: Iterable[object], rows: Iterable[Iterable[object]]) -> str:
    """The whole export as one string."""
    return "".join(lines(header, rows))
