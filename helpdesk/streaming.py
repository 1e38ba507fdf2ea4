"""Streamed responses that hold no database transaction while their body is sent.

A body is sent after the view returns, for as long as the client takes to read it: minutes
for a 20,000-row export on a slow line, forever for a download the browser stopped reading.
A transaction open that long holds SQLite's write lock (every transaction here begins
IMMEDIATE) and a pooled PostgreSQL connection, so one supervisor's export would lock every
candidate out of 求助. Hence two rules, both here and nowhere else:

- ``response()`` closes the request's session before the first byte is sent, and from then
  on ``helpdesk.db.get_session()`` refuses to open another one for this request;
- ``batches()`` reads rows in short transactions of their own, one per batch, each closed
  before its rows are sent. A page is found by its key (the last row's sort key), not by an
  offset, so each batch is one index range scan. The export is not one snapshot: a row
  committed while it is read may or may not appear, which a report can live with, and
  which is the price of never holding the database for the length of a download.

Reading in batches rather than materialising the whole export keeps memory bounded and the
first byte early; a CSV whose rows need the whole roster at once (readiness, uploads) is
built in the view and handed over as a list, and still goes through ``response()``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

from flask import Response, g, stream_with_context
from sqlalchemy.orm import Session

from helpdesk import csvexport
from helpdesk.db import database, release_session

K = TypeVar("K")
T = TypeVar("T")

#: Rows per short read transaction: a few milliseconds of the database each.
BATCH = 500

#: fetch(session, after, limit) -> up to limit (key, row) pairs after the key `after`
#: (None: from the start), in key order.
Fetch = Callable[[Session, Any, int], Sequence[tuple[Any, T]]]


def batches(fetch: Fetch[T], *, size: int = BATCH) -> Iterator[T]:
    """Every row fetch pages through, each page read in its own short transaction."""
    maker = database().sessionmaker  # bound now, in the request: the body runs later

    def rows() -> Iterator[T]:
        after: Any = None
        while True:
            with maker() as session:
                page = list(fetch(session, after, size))
            # The session is closed (and the transaction ended) before any row is sent.
            yield from (row for _key, row in page)
            if len(page) < size:
                return
            after = page[-1][0]

    return rows()


def response(
    body: Iterable[str] | Iterable[bytes],
    *,
    mimetype: str,
    headers: dict[str, str] | None = None,
    in_request_context: bool = False,
) -> Response:
    """A response whose body is sent with no transaction open: the request's session is
    closed now, and the body may not open one. in_request_context keeps the request's
    context (locale, time zone) alive while the body is sent, for rows translated lazily."""
    release_session()
    g.streaming = True
    chunks: Iterator[Any] = iter(body)
    if in_request_context:
        chunks = stream_with_context(chunks)
    return Response(chunks, mimetype=mimetype, headers=headers or {})


def csv_response(
    header: Iterable[object], rows: Iterable[Iterable[object]], *, filename: str
) -> Response:
    """A CSV download (BOM, formula-safe cells) streamed with no transaction open."""
    return response(
        csvexport.lines(header, rows),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
        in_request_context=True,
    )
