"""Full-text search that works for Chinese without spaces, on SQLite and PostgreSQL.

Chinese text has no spaces, so words cannot be split on them; a dictionary segmenter
(jieba) guesses words but does not know 智考云 or 智考通, needs a large dictionary in
every worker, and may cut a query differently from the text it should find. Trigram
indexes (SQLite FTS5's trigram tokenizer, PostgreSQL's pg_trgm) cannot look up the
two-character words most Chinese queries are (登录, 视频, 卡顿), and pg_trgm drops CJK
characters in some database locales.

So the text is turned into *terms* here, in Python, the same way on both engines: each
run of Chinese characters becomes its single characters and its overlapping character
pairs (智考云 -> 智 考 云 智考 考云), each run of Latin letters or digits one lower-case
word. A query becomes the pairs of each of its words, matched as a phrase, so a query
finds exactly the texts that contain it. The terms are stored in the engine's own
inverted index (an FTS5 table on SQLite, a GIN-indexed tsvector on PostgreSQL), which
also ranks the matches (bm25, ts_rank), the heading weighted above the body; PostgreSQL
ranks the matches among the newest documents before older ones (see _PG_FIND).

The index tables sit outside the models (a virtual table on SQLite); the migration
`i16_search` creates them and SCHEMA_OUTSIDE_MODELS names them for Alembic.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from sqlalchemy import Connection, TextClause, text
from sqlalchemy.orm import Session

from helpdesk.db import PLAN_EACH_TIME

#: The indexes and the table each lives in.
INDEXES = {"tickets": "search_tickets", "articles": "search_articles"}
#: What Alembic must not compare with the models (FTS5 keeps shadow tables beside its own).
SCHEMA_OUTSIDE_MODELS = tuple(
    name + suffix
    for name in INDEXES.values()
    for suffix in ("", "_data", "_idx", "_content", "_docsize", "_config")
)
#: At most this many matches are ranked: a query matching half the tickets costs the same.
RANK_WINDOW = 2000
#: On PostgreSQL the newest this many documents are searched first (see _PG_FIND).
RECENT_WINDOW = 3000
MAX_QUERY_WORDS = 8

_CJK = (
    r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
    r"\U00020000-\U0002fa1f"
)
_RUNS = re.compile(rf"[{_CJK}]+|[0-9a-z]+")
_IS_CJK = re.compile(rf"[{_CJK}]")


def _runs(raw: str) -> list[str]:
    return _RUNS.findall(unicodedata.normalize("NFKC", raw or "").lower())


def terms(raw: str) -> str:
    """The text's terms, space separated, in order: what the index stores."""
    out: list[str] = []
    for run in _runs(raw):
        if _IS_CJK.match(run):
            out.extend(run)
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            out.append(run)
    return " ".join(out)


def phrases(q: str) -> list[list[str]]:
    """The query's phrases: each word's terms in order (pairs for Chinese, else the word).

    A Latin word or number ends in "*": it also finds longer words (win: windows).
    """
    found: list[list[str]] = []
    for run in _runs(q)[:MAX_QUERY_WORDS]:
        if not _IS_CJK.match(run):
            found.append([run + "*"])
        elif len(run) > 1:
            found.append([run[i : i + 2] for i in range(len(run) - 1)])
        else:
            found.append([run])
    return found


_PG_PUT = (
    "INSERT INTO {t} (doc_id, terms) VALUES (:id, "
    "setweight(to_tsvector('simple', :head), 'A') || to_tsvector('simple', :body)) "
    "ON CONFLICT (doc_id) DO UPDATE SET terms = EXCLUDED.terms"
)
#: One statement: REPLACE drops what the index held for the rowid (FTS5 supports it).
_FTS5_PUT = "INSERT OR REPLACE INTO {t} (rowid, head, body) VALUES (:id, :head, :body)"
_DROP = {
    "postgresql": "DELETE FROM {t} WHERE doc_id = :id",
    "sqlite": "DELETE FROM {t} WHERE rowid = :id",
}
#: PostgreSQL ranks the matches among the newest RECENT_WINDOW documents first, then (only
#: when those are fewer than the limit) at most RANK_WINDOW older ones: the newest come
#: first, and within each group the best (ts_rank, the heading above the body). Reading
#: the newest rows backwards by id stops after `limit` matches, so a query matching a
#: fifth of the tickets reads about a thousand rows instead of building a bitmap of twenty
#: thousand from the index and rechecking each on the heap (the planner's estimate of a
#: phrase is far too low for it to choose that scan itself).
_PG_FIND = (
    "WITH recent AS MATERIALIZED (SELECT doc_id, terms FROM "
    "(SELECT doc_id, terms FROM {t} ORDER BY doc_id DESC LIMIT :recent) r "
    "WHERE terms @@ CAST(:q AS tsquery) LIMIT :limit), "
    "older AS (SELECT doc_id, terms FROM {t} WHERE terms @@ CAST(:q AS tsquery) "
    "AND (SELECT count(*) FROM recent) < :limit AND doc_id < "
    "(SELECT min(doc_id) FROM (SELECT doc_id FROM {t} ORDER BY doc_id DESC LIMIT :recent) w) "
    "LIMIT :window) "
    "SELECT doc_id FROM (SELECT doc_id, 0 AS older, terms FROM recent "
    "UNION ALL SELECT doc_id, 1, terms FROM older) m "
    "ORDER BY older, ts_rank(terms, CAST(:q AS tsquery)) DESC, doc_id DESC LIMIT :limit"
)
#: bm25 weighs the heading four times the body (on PostgreSQL, weight A ranks it above, too).
_FTS5_FIND = (
    "SELECT rowid FROM {t} WHERE {t} MATCH :q ORDER BY bm25({t}, 4.0, 1.0), rowid DESC LIMIT :limit"
)


def _sql(template: str, index: str) -> TextClause:
    """The statement for index's table; the name comes from INDEXES, never from input."""
    return text(template.format(t=INDEXES[index]))


def _postgres(session: Session | Connection) -> bool:
    bind = session if isinstance(session, Connection) else session.get_bind()
    return bind.dialect.name == "postgresql"


def put(session: Session | Connection, index: str, doc_id: int, *, head: str, body: str) -> None:
    """Index (or index again) document doc_id: its heading and its body."""
    put_many(session, index, [(doc_id, head, body)])


def put_many(
    session: Session | Connection, index: str, docs: Iterable[tuple[int, str, str]]
) -> None:
    """Index many (doc_id, heading, body) at once: a migration's backfill, a bench's seed."""
    params = [{"id": i, "head": terms(head), "body": terms(body)} for i, head, body in docs]
    if not params:
        return
    if _postgres(session):
        session.execute(_sql(_PG_PUT, index), params)
    else:
        session.execute(_sql(_FTS5_PUT, index), params)


def drop(session: Session, index: str, doc_id: int) -> None:
    """Forget document doc_id."""
    dialect = "postgresql" if _postgres(session) else "sqlite"
    session.execute(_sql(_DROP[dialect], index), {"id": doc_id})


def _fts5_query(found: list[list[str]]) -> str:
    # Terms hold only letters and digits, so quoting them is enough.
    def phrase(p: list[str]) -> str:
        if p[-1].endswith("*"):
            return '"' + p[-1][:-1] + '"*'
        return '"' + " ".join(p) + '"'

    return " AND ".join(phrase(p) for p in found)


def _tsquery(found: list[list[str]]) -> str:
    def term(t: str) -> str:
        return f"'{t[:-1]}':*" if t.endswith("*") else f"'{t}'"

    return " & ".join("(" + " <-> ".join(term(t) for t in p) + ")" for p in found)


def find(session: Session, index: str, q: str, *, limit: int = 200) -> list[int]:
    """Ids of the documents containing every word of q, best match first (on PostgreSQL:
    the newest matches first, the best of them first)."""
    found = phrases(q)
    if not found:
        return []
    if _postgres(session):
        # Planned for its phrase each time (PLAN_EACH_TIME): prepared, PostgreSQL came to
        # keep a generic plan that read every document for a phrase that matches none
        # (70 ms instead of 2 at 100,000 tickets), as a search by name or number does.
        sql = _sql(_PG_FIND, index).execution_options(**{PLAN_EACH_TIME: True})
        params = {
            "q": _tsquery(found),
            "recent": RECENT_WINDOW,
            "window": RANK_WINDOW,
            "limit": limit,
        }
    else:
        sql = _sql(_FTS5_FIND, index)
        params = {"q": _fts5_query(found), "limit": limit}
    return [int(i) for i in session.scalars(sql, params)]
