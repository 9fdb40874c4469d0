"""What a SPARQL request asks for, read from its text before anything runs.

pyoxigraph exposes no algebra, so the server reads the text itself, just enough to decide
before a worker is involved: the query form (which picks the negotiable formats, so a 406
never costs a query), whether it is an update (refused: the endpoint is read-only), which
SERVICE endpoints it would call (checked against the allow-list), whether its answer may
differ between two evaluations (never cached), and how deeply it nests brackets
(:func:`too_deep`: refused past a limit, before the tokenizer or any parser sees it).

The tokenizer follows the SPARQL 1.1 grammar's terminals closely enough that keywords are
never found inside strings, IRIs, prefixed names or comments: ``"SERVICE"``,
``<http://x/SERVICE>``, ``ex:SERVICE`` and ``# SERVICE`` are not the keyword. ``<`` starts an
IRI only when it is followed by IRIREF characters up to ``>`` (otherwise it is the less-than
operator). When the text does not tokenize, nothing is concluded here and oxigraph's parser
reports the error with its position — unless the text mentions SERVICE, in which case the
check fails closed and the query is refused.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from itertools import accumulate, compress, count, repeat
from typing import Literal
from urllib.parse import urljoin

Form = Literal["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"]
FORMS: frozenset[str] = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})
UPDATE_KEYWORDS: frozenset[str] = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"})
# Not the same answer twice: the clock, random numbers, fresh IRIs and blank nodes (SERVICE,
# another endpoint's data, counts too).
VOLATILE_FUNCTIONS: frozenset[str] = frozenset({"NOW", "RAND", "UUID", "STRUUID", "BNODE"})

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<long_string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\")
  | (?P<string>'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00B7-\uFFFF]+)
  | (?P<pname>(?:[A-Za-z\u00C0-\uFFFF][\w.\-\u00B7-\uFFFF]*)?:
             (?:[\w\-.:%\\\u00B7-\uFFFF]*[\w\-:%\u00B7-\uFFFF])?)
  | (?P<name>[A-Za-z_\u00C0-\uFFFF][\w\-\u00B7-\uFFFF]*)
  | (?P<other>\^\^|&&|\|\||!=|<=|>=|[^\s'"])
""", re.VERBOSE | re.DOTALL)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int = 0  # offset in the text (where the text search splices its VALUES block)


@dataclass
class Analysis:
    """What the text says; ``form`` is None when it could not be told (a syntax error)."""

    form: Form | None = None
    update: str | None = None  # the update keyword that starts the request, if any
    services: list[str] = field(default_factory=list)  # endpoint IRIs, resolved
    variable_service: bool = False  # SERVICE ?var: the endpoint is only known at run time
    # The text did not tokenize but mentions SERVICE: the check fails closed.
    unchecked_service: bool = False
    # The answer may differ between two evaluations (SERVICE, NOW(), RAND(), ...), or the
    # text could not be read to tell.
    volatile: bool = False


def tokenize(text: str) -> list[Token] | None:
    """The significant tokens, or None when the text does not tokenize."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            return None
        kind = match.lastgroup or "other"
        if kind not in ("ws", "comment"):
            tokens.append(Token(kind, match.group(), pos))
        pos = match.end()
    return tokens


def analyse(text: str) -> Analysis:
    """What ``text`` says (treat the result as read-only: it may be shared).

    Clients send the same queries again and again, and tokenizing costs more than the rest
    of a light query's handling, so short texts are remembered.
    """
    return _remembered(text) if len(text) <= _REMEMBER_UP_TO else _analyse(text)


_REMEMBER_UP_TO = 8192  # characters; at most 512 texts: a few MiB


@functools.lru_cache(maxsize=512)
def _remembered(text: str) -> Analysis:
    return _analyse(text)


_IRIREF = r"""<[^<>"{}|^`\\\x00-\x20]*>"""
_PROLOGUE = re.compile(
    r"(?:\s+|\#[^\n\r]*|BASE\s*" + _IRIREF + r"|PREFIX\s*(?:[A-Za-z\u00C0-\uFFFF]"
    r"[\w.\-\u00B7-\uFFFF]*)?:\s*" + _IRIREF + r")*", re.IGNORECASE)
_FIRST_WORD = re.compile(r"[A-Za-z]+")
# Words that need the whole text read token by token: anything else is told by its first
# keyword. A superset (it matches inside strings and IRIs too), so it never misses one.
_NEEDS_TOKENS = re.compile(r"\b(?:SERVICE|NOW|RAND|UUID|STRUUID|BNODE)\b", re.IGNORECASE)


def _needs_tokens(text: str) -> bool:
    upper = text.upper()  # substring tests first: a regex over the whole text costs more
    if any(word in upper for word in _WATCHED) and _NEEDS_TOKENS.search(text) is not None:
        return True
    # A quote that opens no string: the text does not tokenize (the tokenizer says so).
    return ("'" in text or '"' in text) and any(q in _OPAQUE.sub("", text) for q in "'\"")


_WATCHED = ("SERVICE", "NOW", "RAND", "UUID", "BNODE")


def _analyse(text: str) -> Analysis:
    if not _needs_tokens(text):
        # No SERVICE and no volatile function anywhere: the form (or update) is the first
        # word after the prologue. Tokenizing costs more than the rest of a light query's
        # handling in the server; this costs a regex match.
        first = _FIRST_WORD.match(text, _PROLOGUE.match(text).end())  # type: ignore[union-attr]
        keyword = first.group().upper() if first else ""
        return Analysis(form=keyword if keyword in FORMS else None,  # type: ignore[arg-type]
                        update=keyword if keyword in UPDATE_KEYWORDS else None)
    return by_tokens(text)


def by_tokens(text: str) -> Analysis:
    """What the text says, read token by token (what :func:`analyse` falls back to)."""
    tokens = tokenize(text)
    result = Analysis()
    if tokens is None:
        result.unchecked_service = "service" in text.casefold()
        result.volatile = True
        return result
    base, prefixes, index = prologue(tokens)
    if index < len(tokens) and tokens[index].kind == "name":
        word = tokens[index].text.upper()
        if word in FORMS:
            result.form = word  # type: ignore[assignment]
        elif word in UPDATE_KEYWORDS:
            result.update = word
    for i, token in enumerate(tokens):
        if token.kind != "name":
            continue
        word = token.text.upper()
        if word in VOLATILE_FUNCTIONS:
            result.volatile = True
        if word != "SERVICE":
            continue
        result.volatile = True
        j = i + 1
        if j < len(tokens) and tokens[j].kind == "name" and tokens[j].text.upper() == "SILENT":
            j += 1
        if j >= len(tokens):
            continue
        target = tokens[j]
        if target.kind == "var":
            result.variable_service = True
            continue
        iri = resolve(target, base, prefixes)
        if iri is not None:
            result.services.append(iri)
    return result


def prologue(tokens: list[Token]) -> tuple[str, dict[str, str], int]:
    """BASE and PREFIX declarations (in any order): the base, the prefixes and the index of
    the first token after them."""
    base = ""
    prefixes: dict[str, str] = {}
    index = 0
    while index < len(tokens):
        word = tokens[index].text.upper() if tokens[index].kind == "name" else ""
        if word == "BASE" and index + 1 < len(tokens) and tokens[index + 1].kind == "iri":
            base = urljoin(base, tokens[index + 1].text[1:-1])
            index += 2
        elif (word == "PREFIX" and index + 2 < len(tokens) and tokens[index + 1].kind == "pname"
              and tokens[index + 2].kind == "iri"):
            name = tokens[index + 1].text.rstrip(":")
            prefixes[name] = urljoin(base, tokens[index + 2].text[1:-1])
            index += 3
        else:
            break
    return base, prefixes, index


def resolve(token: Token, base: str, prefixes: dict[str, str]) -> str | None:
    """The IRI an IRI or prefixed-name token stands for (a prefixed name with an undeclared
    prefix stays as written); None for any other token."""
    if token.kind == "iri":
        return urljoin(base, token.text[1:-1])
    if token.kind == "pname":
        prefix, _, local = token.text.partition(":")
        return prefixes[prefix] + local if prefix in prefixes else token.text
    return None


def disallowed_services(analysis: Analysis, allowed: list[str]) -> list[str]:
    """The SERVICE endpoints not on the allow-list (a variable endpoint is never allowed)."""
    refused = [iri for iri in analysis.services if iri not in allowed]
    if analysis.variable_service:
        refused.append("?variable")
    if analysis.unchecked_service:
        refused.append("?unreadable")
    return refused


# -- nesting depth --------------------------------------------------------------------------

# What may hold a bracket that is not one: strings, IRIs and comments (masked before counting).
_OPAQUE = re.compile(r"""
    '\'\'(?:[^'\\]|\\.|'(?!''))*'\'\'|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
  | '(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*"
  | <[^<>"{}|^`\\\x00-\x20]*>
  | \#[^\n\r]*
""", re.VERBOSE | re.DOTALL)
_OPENING = "{(["
_STEP = {"{": 1, "(": 1, "[": 1, "}": -1, ")": -1, "]": -1}


def too_deep(text: str, limit: int) -> int | None:
    """Where ``text`` first nests brackets (``{ ( [`` together) more than ``limit`` deep, as
    an offset into it, or None.

    Every recursive construct of the SPARQL grammar that can nest without bound opens a
    bracket per level (group patterns, OPTIONAL/MINUS/EXISTS/GRAPH/SERVICE/subqueries,
    bracketed expressions, function calls, property paths, collections, blank-node property
    lists), so this one count bounds how deep a parser recurses on them. Operator chains
    (``1+1+…``, ``a/b/…``, ``{…} UNION {…} …``) need no bracket: those are what the worker's
    large query stack is for (``workers.py``). Counted with C-level iterators, so that a
    100,000-character attack costs the event loop milliseconds.
    """
    if _openings(text) <= limit:
        return None  # cannot be deeper than its number of opening brackets
    # Up to the first character that may open a string, an IRI or a comment, every bracket
    # counts: nesting that goes too deep there (what an attack looks like) is found without
    # reading the rest of the text.
    plain = min((i for i in (text.find(c) for c in "\"'<#") if i >= 0), default=len(text))
    offset = _first_over(text[:plain], limit)
    if offset is not None:
        return offset
    stripped = _OPAQUE.sub("", text)
    if _openings(stripped) <= limit or _first_over(stripped, limit) is None:
        return None
    # Too deep: the offset in the text as sent (strings and comments kept, as blanks).
    return _first_over(_OPAQUE.sub(lambda m: " " * len(m.group()), text), limit)


def _openings(text: str) -> int:
    return sum(text.count(c) for c in _OPENING)


def _first_over(text: str, limit: int) -> int | None:
    depths = accumulate(map(_STEP.get, text, repeat(0)))
    return next(compress(count(), map(limit.__lt__, depths)), None)


def line_and_column(text: str, offset: int) -> tuple[int, int]:
    """1-based, as oxigraph's syntax errors give them."""
    return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)
