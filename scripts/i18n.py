"""Translation catalogue helper.

    python scripts/i18n.py missing                 list msgids without a Chinese translation
    python scripts/i18n.py add helpdesk/tickets    add those used in helpdesk/tickets/ and
                                                   templates/tickets/ to that package's catalogue
                                                   (translations/zh_Hans_CN/LC_MESSAGES/messages.po)

Source strings are English; every capability keeps its zh_CN catalogue in its own
`translations/` folder and the app merges them all (BABEL_TRANSLATION_DIRECTORIES).
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {
    "_": None,
    "N_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "_l": None,
    "lazy_gettext": None,
}
METHODS = [("helpdesk/**.py", "python"), ("templates/**.html", "jinja2")]


def extracted() -> dict[str, list[str]]:
    """msgid -> files it appears in, for the whole desk."""
    found: dict[str, list[str]] = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT),
        METHODS,
        keywords=KEYWORDS,
        options_map={"templates/**.html": {"extensions": "jinja2.ext.i18n"}},
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault(msgid, []).append(filename)
    return found


def catalogues() -> list[Path]:
    return sorted(ROOT.glob("helpdesk/**/translations/zh_Hans_CN/LC_MESSAGES/messages.po"))


def translated() -> set[str]:
    done: set[str] = set()
    for path in catalogues():
        with path.open("rb") as handle:
            for message in read_po(handle):
                if message.id and message.string and not message.fuzzy:
                    done.add(message.id if isinstance(message.id, str) else message.id[0])
    return done


def missing() -> dict[str, list[str]]:
    done = translated()
    return {msgid: files for msgid, files in extracted().items() if msgid not in done}


def add(package: str) -> int:
    path = ROOT / package / "translations/zh_Hans_CN/LC_MESSAGES/messages.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        with path.open("rb") as handle:
            catalog = read_po(handle)
    else:
        catalog = Catalog(locale="zh_CN", project="helpdesk", fuzzy=False)
    name = Path(package).name
    scope = (f"{package.rstrip('/')}/", f"templates/{name}/")
    if package.rstrip("/") == "helpdesk":  # the foundation: everything no package claims
        claimed = {p.parent.parent.parent.parent.name for p in catalogues()} - {"helpdesk"}
        todo = {
            m: f
            for m, f in missing().items()
            if not any(
                x.startswith((f"helpdesk/{c}/", f"templates/{c}/")) for x in f for c in claimed
            )
        }
    else:
        todo = {m: f for m, f in missing().items() if any(x.startswith(scope) for x in f)}
    for msgid in todo:
        if msgid not in catalog:
            catalog.add(msgid, "")
    with path.open("wb") as handle:
        write_po(handle, catalog, omit_header=False, sort_output=False, width=100)
    return len(todo)


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "missing":
        for msgid, files in missing().items():
            print(f"{sorted(set(files))[0]}: {msgid!r}")
    elif len(sys.argv) == 3 and sys.argv[1] == "add":
        print(f"{add(sys.argv[2])} messages to translate in {sys.argv[2]}")
    else:
        print(__doc__)
        sys.exit(2)
