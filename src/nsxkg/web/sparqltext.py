"""What a SPARQL request asks for, read from its text before anything runs.

pyoxigraph exposes no algebra, so the server reads the text itself, just enough to decide
three things before a worker is involved: the query form (which picks the negotiable formats,
so a 406 never costs a query), whether it is an update (refused: the endpoint is read-only),
and which SERVICE endpoints it would call (checked against the allow-list).

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
from typing import Literal
from urllib.parse import urljoin

from nsxkg.namespaces import NSX

Form = Literal["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"]
FORMS: frozenset[str] = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})
UPDATE_KEYWORDS: frozenset[str] = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"})

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


def _analyse(text: str) -> Analysis:
    tokens = tokenize(text)
    result = Analysis()
    if tokens is None:
        result.unchecked_service = "service" in text.casefold()
        return result
    base, prefixes, index = prologue(tokens)
    if index < len(tokens) and tokens[index].kind == "name":
        word = tokens[index].text.upper()
        if word in FORMS:
            result.form = word  # type: ignore[assignment]
        elif word in UPDATE_KEYWORDS:
            result.update = word
    for i, token in enumerate(tokens):
        if token.kind != "name" or token.text.upper() != "SERVICE":
            continue
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


# Services this server evaluates itself, against the loaded build (never another endpoint).
LOCAL_SERVICES: frozenset[str] = frozenset({NSX.textSearch.value})


def calls_out(analysis: Analysis) -> bool:
    """Whether the query calls another endpoint (its answer then depends on that endpoint)."""
    return bool(analysis.variable_service or analysis.unchecked_service
                or any(iri not in LOCAL_SERVICES for iri in analysis.services))


def disallowed_services(analysis: Analysis, allowed: list[str]) -> list[str]:
    """The SERVICE endpoints not on the allow-list (a variable endpoint is never allowed)."""
    refused = [iri for iri in analysis.services
               if iri not in allowed and iri not in LOCAL_SERVICES]
    if analysis.variable_service:
        refused.append("?variable")
    if analysis.unchecked_service:
        refused.append("?unreadable")
    return refused
