"""Full-text search inside SPARQL: the ``nsx:textSearch`` SERVICE pattern.

A query asks for text matches with a SERVICE block addressed to ``nsx:textSearch``, whose
triples give the search and name the variables to bind (valid SPARQL 1.1, so any editor or
client accepts it; the shape of Jena's ``text:query`` and Blazegraph's ``bds:search``)::

    SERVICE nsx:textSearch {
      ?task nsx:searchQuery "negotiat*" ;        # required: a constant string
            nsx:searchClass nsx:Task ;           # optional, any number: kinds of resource
            nsx:searchProperty skos:prefLabel ;  # optional, any number: text properties
            nsx:searchLanguage "en" ;            # optional: a language tag (and its subtags)
            nsx:searchLimit 100 ;                # optional: only the best N matches
            nsx:matchedText ?text ;              # the literal matched, as it is in the graph
            nsx:matchedProperty ?property ;      # the property it is the value of
            nsx:relevance ?score ;               # BM25, xsd:double, higher is better
            nsx:snippet ?snippet .               # the text with the matches marked <b>…</b>
    }

The subject is the matched resource: a variable is bound to it, an IRI restricts the search
to that resource, ``[]`` leaves it unbound. The server evaluates the block against the build's
text index (``nsxkg.textindex``) before the query runs and puts the matches in its place as a
``VALUES`` block, which the engine joins with the rest of the query like any other pattern.
Without ``nsx:searchLimit`` every match is returned; a search matching more literals than the
endpoint's result limit is refused rather than cut short.

:func:`expand` is the one entry point: the query path calls it where a query is evaluated
(``web/service.py: TextSearch``, ``query.py: run``). Nothing from the search string reaches the
query as text: matches are written as RDF terms in N-Triples form, which is valid SPARQL.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from nsxkg.namespaces import NSX, XSD
from nsxkg.textindex import TEXT_FILE, Search, TextIndex, TooManyMatches
from nsxkg.textquery import SearchSyntaxError
from nsxkg.web.sparqltext import Token, prologue, resolve, tokenize

SERVICE = NSX.textSearch.value
INPUTS = {NSX.searchQuery.value, NSX.searchProperty.value, NSX.searchClass.value,
          NSX.searchLanguage.value, NSX.searchLimit.value}
OUTPUTS = (NSX.matchedText.value, NSX.matchedProperty.value, NSX.relevance.value,
           NSX.snippet.value)
_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?")
_LANG = re.compile(r"[a-zA-Z]{1,8}(?:-[a-zA-Z0-9]{1,8})*")


class TextSearchError(ValueError):
    """The SERVICE block cannot be evaluated; the message says where and why."""


@dataclass
class _Block:
    start: int  # offset of SERVICE
    end: int  # offset just past the closing brace
    where: str  # "line L, column C" of SERVICE, for messages
    base: str
    prefixes: dict[str, str]
    subject: Token | None = None
    values: dict[str, list[tuple[Token, str | None]]] = field(default_factory=dict)


def uses_text_search(query: str) -> bool:
    """A cheap first look: only queries that mention the service are parsed."""
    return "textSearch" in query


def expand(query: str, index: Callable[[], TextIndex | None], *, most: int) -> str:
    """The query with each ``SERVICE nsx:textSearch { … }`` replaced by the VALUES block of
    its matches. ``index`` gives the build's text index (called only when needed); ``most``
    is the endpoint's result limit.

    Raises TextSearchError (a 400: not a constant, empty, unreadable, unknown parameter) and
    TooManyMatches (more matches than ``most`` without nsx:searchLimit).
    """
    if not uses_text_search(query):
        return query
    tokens = tokenize(query)
    if tokens is None:
        return query  # the engine reports the syntax error with its position
    base, prefixes, _ = prologue(tokens)
    blocks = list(_blocks(query, tokens, base, prefixes))
    if not blocks:
        return query
    found = index()
    if found is None:
        raise TextSearchError("this build has no text index (or one an older nsxkg made); load "
                              "it again with `nsxkg load`")
    out: list[str] = []
    pos = 0
    for block in blocks:
        out += [query[pos:block.start], _values(query, block, found, most)]
        pos = block.end
    out.append(query[pos:])
    return "".join(out)


def _position(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"


def _blocks(text: str, tokens: list[Token], base: str,
            prefixes: dict[str, str]) -> list[_Block]:
    blocks: list[_Block] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.kind != "name" or token.text.upper() != "SERVICE":
            i += 1
            continue
        j = i + 1
        if j < len(tokens) and tokens[j].kind == "name" and tokens[j].text.upper() == "SILENT":
            j += 1
        if j >= len(tokens) or resolve(tokens[j], base, prefixes) != SERVICE:
            i += 1
            continue
        where = _position(text, token.start)
        if j + 1 >= len(tokens) or tokens[j + 1].text != "{":
            raise TextSearchError(f"at {where}: SERVICE nsx:textSearch must be followed by "
                                  f"a group {{ … }}")
        depth, k = 0, j + 1
        while k < len(tokens):
            if tokens[k].kind == "other" and tokens[k].text == "{":
                depth += 1
            elif tokens[k].kind == "other" and tokens[k].text == "}":
                depth -= 1
                if depth == 0:
                    break
            k += 1
        if k >= len(tokens):
            raise TextSearchError(f"at {where}: the SERVICE nsx:textSearch group is not "
                                  f"closed")
        block = _Block(token.start, tokens[k].start + 1, where, base, prefixes)
        _Triples(text, tokens[j + 2:k], block).read()
        blocks.append(block)
        i = k + 1
    return blocks


class _Triples:
    """The triples inside one block: one subject, predicate-object lists."""

    def __init__(self, text: str, tokens: list[Token], block: _Block):
        self.text, self.tokens, self.block = text, tokens, block
        self.base, self.prefixes = block.base, block.prefixes
        self.i = 0

    def fail(self, token: Token | None, message: str) -> TextSearchError:
        where = _position(self.text, token.start) if token else self.block.where
        return TextSearchError(f"nsx:textSearch at {where}: {message}")

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def at(self, text: str) -> bool:
        token = self.peek()
        return token is not None and token.text == text

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise self.fail(None, "the group ends in the middle of a triple")
        self.i += 1
        return token

    def read(self) -> None:
        while self.peek() is not None:
            token = self.take()
            if token.text == ".":
                continue
            if token.text == "[":
                self._subject(Token("anon", "[]", token.start))
                if not self.at("]"):  # [ p o ; … ] as the subject
                    self.polist(closing="]")
                self.take()
            elif token.kind == "name" and token.text == "_" and self.peek() is not None \
                    and self.tokens[self.i].text.startswith(":"):  # a blank node _:label
                self.take()
                self._subject(Token("anon", "[]", token.start))
            elif token.kind in ("var", "iri", "pname"):
                self._subject(token)
            else:
                raise self.fail(token, f"expected the matched resource (a variable, an IRI "
                                       f"or []) as the subject, found {token.text!r}")
            self.polist()
        if self.block.subject is None:
            raise self.fail(None, "the group is empty; give at least nsx:searchQuery")

    def _subject(self, token: Token) -> None:
        if self.block.subject is not None:
            raise self.fail(token, "one search per SERVICE nsx:textSearch group, with one "
                                   "subject; use another group for another search")
        self.block.subject = token

    def polist(self, closing: str = ".") -> None:
        while True:
            token = self.peek()
            if token is None or token.text in (closing, "."):
                return
            verb = self.take()
            iri = resolve(verb, self.base, self.prefixes)
            if iri is None:
                raise self.fail(verb, f"expected a parameter such as nsx:searchQuery, "
                                      f"found {verb.text!r}")
            if iri not in INPUTS and iri not in OUTPUTS:
                known = ", ".join("nsx:" + n.rsplit("#", 1)[1]
                                  for n in [*sorted(INPUTS), *OUTPUTS])
                raise self.fail(verb, f"unknown parameter <{iri}>; nsx:textSearch takes "
                                      f"{known}")
            self.block.values.setdefault(iri, []).append(self.object())
            while self.at(","):
                self.take()
                self.block.values.setdefault(iri, []).append(self.object())
            if not self.at(";"):
                return
            while self.at(";"):
                self.take()

    def object(self) -> tuple[Token, str | None]:
        """An object: the token and, for a literal, its language tag or datatype."""
        token = self.take()
        if token.kind in ("string", "long_string"):
            suffix = None
            nxt = self.peek()
            if nxt is not None and nxt.text == "@" and nxt.start == token.start + len(token.text):
                self.take()
                suffix = "@" + self.take().text
            elif nxt is not None and nxt.text == "^^":
                self.take()
                datatype = resolve(self.take(), self.base, self.prefixes)
                suffix = f"^^{datatype}"
            return token, suffix
        if token.kind == "other" and (token.text.isdigit() or token.text in "+-."):
            number = _NUMBER.match(self.text, token.start)
            if number is None:
                raise self.fail(token, f"unexpected {token.text!r}")
            while self.i < len(self.tokens) and self.tokens[self.i].start < number.end():
                self.take()
            return Token("number", number.group(), token.start), None
        if token.kind in ("var", "iri", "pname") or (token.kind == "name" and
                                                     token.text in ("true", "false")):
            return token, None
        raise self.fail(token, f"unexpected {token.text!r}")


def _string(token: Token) -> str:
    body = token.text[3:-3] if token.kind == "long_string" else token.text[1:-1]
    return _unescape(body)


_ESCAPES = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'",
            "\\": "\\"}
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.DOTALL)


def _unescape(body: str) -> str:
    def one(match: re.Match[str]) -> str:
        code = match.group(1) or match.group(2)
        if code:
            try:
                return chr(int(code, 16))
            except ValueError:
                return ""
        return _ESCAPES.get(match.group(3), match.group(3))
    return _ESCAPE.sub(one, body)


def _request(block: _Block, reader: _Triples, most: int) -> tuple[Search, dict[str, str]]:
    """The search a block asks for, and the variable bound to each output."""
    values = block.values

    def one(iri: str) -> tuple[Token, str | None] | None:
        given = values.get(iri, [])
        if len(given) > 1:
            raise reader.fail(given[1][0], f"nsx:{iri.rsplit('#', 1)[1]} is given more than "
                                           f"once")
        return given[0] if given else None

    def constant(iri: str, what: str) -> str | None:
        found = one(iri)
        if found is None:
            return None
        token, suffix = found
        if token.kind == "var":
            raise reader.fail(token, f"nsx:{iri.rsplit('#', 1)[1]} must be a constant "
                                     f"{what}, not the variable {token.text}: the text index "
                                     f"is searched before the rest of the query runs")
        plain = suffix is None or not suffix.startswith("^^") \
            or suffix == f"^^{XSD.string.value}"
        if token.kind not in ("string", "long_string") or not plain:
            raise reader.fail(token, f"nsx:{iri.rsplit('#', 1)[1]} must be a {what}, "
                                     f"found {token.text}")
        return _string(token)

    query = constant(NSX.searchQuery.value, "string")
    if query is None:
        raise reader.fail(None, "nsx:searchQuery is missing: give the words to search for")
    if not query.strip():
        raise reader.fail(one(NSX.searchQuery.value)[0],  # type: ignore[index]
                          "nsx:searchQuery is empty: give the words to search for")
    language = constant(NSX.searchLanguage.value, "language tag string")
    if language is not None and not _LANG.fullmatch(language):
        raise reader.fail(one(NSX.searchLanguage.value)[0],  # type: ignore[index]
                          f"nsx:searchLanguage must be a language tag such as \"en\", found "
                          f"{language!r}")
    limit = None
    limit_given = one(NSX.searchLimit.value)
    if limit_given is not None:
        token, _ = limit_given
        if token.kind == "var":
            raise reader.fail(token, "nsx:searchLimit must be a constant integer, not a "
                                     "variable")
        if token.kind != "number" or not re.fullmatch(r"\+?[0-9]+", token.text) \
                or not 1 <= int(token.text) <= most:
            raise reader.fail(token, f"nsx:searchLimit must be an integer from 1 to {most:,}, "
                                     f"found {token.text}")
        limit = int(token.text)
    iris: dict[str, tuple[str, ...]] = {}
    for name in (NSX.searchProperty.value, NSX.searchClass.value):
        chosen = []
        for token, _ in values.get(name, []):
            iri = resolve(token, reader.base, reader.prefixes)
            if iri is None:
                raise reader.fail(token, f"nsx:{name.rsplit('#', 1)[1]} must be an IRI "
                                         f"(constant), found {token.text}")
            chosen.append(iri)
        iris[name] = tuple(chosen)
    outputs: dict[str, str] = {}
    seen: dict[str, str] = {}
    subject = block.subject
    resource = None
    if subject is not None and subject.kind == "var":
        seen[subject.text[1:]] = "the matched resource"
    elif subject is not None and subject.kind in ("iri", "pname"):
        resource = resolve(subject, reader.base, reader.prefixes)
    for iri in OUTPUTS:
        found = one(iri)
        if found is None:
            continue
        token, _ = found
        name = "nsx:" + iri.rsplit("#", 1)[1]
        if token.kind != "var":
            raise reader.fail(token, f"{name} must be a variable to bind (use "
                                     f"nsx:searchProperty to restrict the property)")
        variable = token.text[1:]
        if variable in seen:
            raise reader.fail(token, f"?{variable} is bound to {seen[variable]} already")
        seen[variable] = name
        outputs[iri] = variable
    search = Search(query, properties=iris[NSX.searchProperty.value],
                    classes=iris[NSX.searchClass.value], language=language,
                    resource=resource, limit=limit)
    return search, outputs


def _values(text: str, block: _Block, index: TextIndex, most: int) -> str:
    reader = _Triples(text, [], block)
    search, outputs = _request(block, reader, most)
    try:
        tree, matches = index.search(search, most=most)
    except SearchSyntaxError as err:
        raise reader.fail(None, f"the search {search.text!r} cannot be read: {err}") from None
    except TooManyMatches as err:
        raise TooManyMatches(err.limit) from None
    variables: list[str] = []
    subject = block.subject
    if subject is not None and subject.kind == "var":
        variables.append(subject.text[1:])
    variables += [outputs[iri] for iri in OUTPUTS if iri in outputs]
    rows: list[str] = []
    for match in matches:
        cells: list[str] = []
        if subject is not None and subject.kind == "var":
            cells.append(str(ox.NamedNode(match.resource)))
        for iri in OUTPUTS:
            if iri not in outputs:
                continue
            if iri == NSX.matchedText.value:
                cells.append(str(match.literal()))
            elif iri == NSX.matchedProperty.value:
                cells.append(str(ox.NamedNode(match.property)))
            elif iri == NSX.relevance.value:
                cells.append(str(ox.Literal(repr(match.score), datatype=XSD.double)))
            else:
                cells.append(str(ox.Literal(index.snippet(tree, match))))
        rows.append("(" + " ".join(cells) + ")")
    head = " ".join(f"?{v}" for v in variables)
    return f"VALUES ({head}) {{ " + " ".join(rows) + " }"


class Expander:
    """The text index of one loaded build, opened on first use (a worker process that never
    sees a text search never opens it)."""

    def __init__(self, build_path: Path):
        self.build_path = build_path
        self._index: TextIndex | None = None
        self._tried = False  # the build never changes: one attempt tells (and logs) it all
        self._lock = threading.Lock()

    def index(self) -> TextIndex | None:
        with self._lock:
            if not self._tried:
                self._index = TextIndex.open(self.build_path / TEXT_FILE)
                self._tried = True
            return self._index

    def expand(self, query: str, *, most: int) -> str:
        return expand(query, self.index, most=most)
