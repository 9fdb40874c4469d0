"""The search language of the text index, read safely and written as SQLite FTS5 syntax.

What people type (the ``/search`` box, ``nsx:searchQuery`` in SPARQL)::

    negotiation            a word: matches its English stem (negotiating, negotiated, …)
    negotiat*              a prefix: words starting with it, as written (no stemming)
    "customer service"     an exact phrase: these words next to each other, as written
    nurse OR midwife       either; AND (or nothing) between terms means both
    sales NOT retail       the first without the second (also: sales -retail)
    (sales OR marketing) AND manag*     parentheses group

Operators are AND, OR and NOT in capitals; in lower case they are words. Anything that is not
a letter or digit separates words, so ``e-mail`` is the phrase "e mail" and ``C++`` the word
``c``. Nothing typed reaches FTS5 as syntax: the text is parsed here into a small tree
(:func:`parse`), and the tree is written back (:func:`to_fts`) with every word inside a quoted
FTS5 string, so the only FTS5 syntax in the result is the one this module writes. A query
that cannot mean anything (nothing to search for, NOT with nothing to subtract from, an
unbalanced parenthesis) raises :class:`SearchSyntaxError` with the reason.

The index has two columns (see textindex.py): ``exact``, the text as written, and ``stem``,
each word replaced by its Snowball English (Porter2) stem. Plain words are looked up in ``stem``,
prefixes and phrases in ``exact``.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

import Stemmer  # type: ignore[import-not-found]  # PyStemmer: Snowball stemmers in C

WORD = re.compile(r"[^\W_]+")
OPERATORS = ("AND", "OR", "NOT")
MAX_TERMS = 64  # beyond this a query is refused: each term is a lookup in the index
_STEMMER = Stemmer.Stemmer("english")


class SearchSyntaxError(ValueError):
    """The search text cannot be read; the message says why, in words."""


def fold(word: str) -> str:
    """Case and diacritics folded the way the index's unicode61 tokenizer folds them."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@functools.lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    folded = fold(word)
    return str(_STEMMER.stemWord(folded))


def words(text: str) -> list[str]:
    """The words of a text, folded: what a name is matched on, word by word."""
    return [fold(w) for w in WORD.findall(text)]


def stem_text(text: str) -> str:
    """The ``stem`` column of a text: its words, stemmed, in order."""
    return " ".join(stem(w) for w in WORD.findall(text))


# -- the tree ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Term:
    """One word, a phrase (several words next to each other) or a prefix (last word open)."""

    words: tuple[str, ...]
    prefix: bool = False
    quoted: bool = False  # "…": matched as written, even a single word

    @property
    def stemmed(self) -> bool:
        return len(self.words) == 1 and not self.prefix and not self.quoted


@dataclass(frozen=True)
class All:
    include: tuple[Node, ...]
    exclude: tuple[Node, ...] = ()


@dataclass(frozen=True)
class Any_:
    options: tuple[Node, ...]


Node = Term | All | Any_

_LEX = re.compile(r'\s+|(?P<phrase>"[^"]*"?\*?)|(?P<open>\()|(?P<close>\))|(?P<chunk>[^\s()"]+)')


def _lex(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    for match in _LEX.finditer(text):
        kind = match.lastgroup
        if kind is not None:
            tokens.append((kind, match.group()))
    return tokens


class _Parser:
    def __init__(self, text: str):
        self.tokens = _lex(text)
        self.pos = 0
        self.terms = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def parse(self) -> Node | None:
        node = self.any_()
        if self.peek() is not None:  # only a stray ")" stops the loop early
            raise SearchSyntaxError("a closing parenthesis has no opening one")
        return node

    def any_(self) -> Node | None:
        options = [self.all_()]
        while self._operator("OR"):
            options.append(self.all_())
        present = [o for o in options if o is not None]
        if len(present) < len(options) and len(options) > 1:
            raise SearchSyntaxError("OR needs a term on each side")
        if not present:
            return None
        return present[0] if len(present) == 1 else Any_(tuple(present))

    def all_(self) -> Node | None:
        include: list[Node] = []
        exclude: list[Node] = []
        while True:
            token = self.peek()
            if token is None or token[0] == "close" or self._is_operator(token, "OR"):
                break
            if self._operator("AND"):
                continue
            negated = self._operator("NOT")
            token = self.peek()
            if token is not None and token[0] == "chunk" and token[1].startswith("-"):
                after = self.tokens[self.pos + 1] if self.pos + 1 < len(self.tokens) else None
                if WORD.search(token[1]):  # -word
                    negated = True
                    self.tokens[self.pos] = ("chunk", token[1][1:])
                elif token[1] == "-" and after is not None and after[0] in ("phrase", "open"):
                    negated = True  # -"a phrase", -(a group)
                    self.pos += 1
            node = self.atom()
            if node is None:
                if negated:
                    raise SearchSyntaxError("NOT needs a term after it")
                continue
            (exclude if negated else include).append(node)
        if exclude and not include:
            raise SearchSyntaxError("a search needs at least one term that is not excluded "
                                    "(NOT or -); NOT subtracts from what the other terms find")
        if not include:
            return None
        if len(include) == 1 and not exclude:
            return include[0]
        return All(tuple(include), tuple(exclude))

    def atom(self) -> Node | None:
        token = self.peek()
        if token is None:
            return None
        kind, text = token
        self.pos += 1
        if kind == "open":
            inner = self.any_()
            closing = self.peek()
            if closing is None or closing[0] != "close":
                raise SearchSyntaxError("an opening parenthesis is not closed")
            self.pos += 1
            return inner
        if kind == "close":
            raise SearchSyntaxError("a closing parenthesis has no opening one")
        if kind == "phrase":
            prefix = text.endswith("*")
            body = text.rstrip("*").strip('"')
            return self._term(body, prefix, quoted=True)
        if text in OPERATORS:
            raise SearchSyntaxError(f"{text} needs a term on each side")
        return self._term(text.rstrip("*"), text.endswith("*"))

    def _term(self, text: str, prefix: bool, *, quoted: bool = False) -> Term | None:
        words = tuple(fold(w) for w in WORD.findall(text))
        if not words:
            return None
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise SearchSyntaxError(f"the search has more than {MAX_TERMS} terms")
        return Term(words, prefix, quoted)

    def _is_operator(self, token: tuple[str, str], word: str) -> bool:
        return token == ("chunk", word)

    def _operator(self, word: str) -> bool:
        token = self.peek()
        if token is not None and self._is_operator(token, word):
            self.pos += 1
            return True
        return False


def parse(text: str) -> Node:
    """The search as a tree; raises SearchSyntaxError when there is nothing to search for or
    the operators do not fit together."""
    node = _Parser(text).parse()
    if node is None:
        raise SearchSyntaxError("the search has no words in it (letters or digits)")
    return node


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def stem_match(stemmed: str) -> str:
    """The FTS5 expression of one plain word, given its stem (also how the index keys the
    ranked matches of frequent words)."""
    return f"stem : {_quote(stemmed)}"


def to_fts(node: Node, *, column: str | None = None) -> str:
    """The tree as an FTS5 MATCH expression over the index's two columns.

    ``column`` forces one column for every term (the label search uses ``exact`` only).
    """
    if isinstance(node, Term):
        if node.stemmed and column is None:
            return stem_match(stem(node.words[0]))
        return f"{column or 'exact'} : {_quote(' '.join(node.words))}" + \
            (" *" if node.prefix else "")
    if isinstance(node, Any_):
        return "(" + " OR ".join(to_fts(o, column=column) for o in node.options) + ")"
    include = " AND ".join(to_fts(n, column=column) for n in node.include)
    if not node.exclude:
        return f"({include})"
    exclude = " OR ".join(to_fts(n, column=column) for n in node.exclude)
    return f"(({include}) NOT ({exclude}))"


def positive_terms(node: Node) -> list[Term]:
    """The terms whose matches a snippet marks (not the excluded ones)."""
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Any_):
        return [t for o in node.options for t in positive_terms(o)]
    return [t for n in node.include for t in positive_terms(n)]


# -- snippets ---------------------------------------------------------------------------------

MARK_OPEN, MARK_CLOSE = "<b>", "</b>"
SNIPPET_WORDS = 24  # words shown around the first match of a long text


def marked_spans(text: str, terms: list[Term]) -> list[tuple[int, int]]:
    """Character spans of ``text`` that the terms match (as the index would match them)."""
    words = [(m.start(), m.end(), fold(m.group())) for m in WORD.finditer(text)]
    hit = [False] * len(words)
    for term in terms:
        n = len(term.words)
        for i in range(len(words) - n + 1):
            window = [w[2] for w in words[i:i + n]]
            if term.stemmed:
                ok = stem(window[0]) == stem(term.words[0])
            else:
                ok = window[:-1] == list(term.words[:-1]) and (
                    window[-1].startswith(term.words[-1]) if term.prefix
                    else window[-1] == term.words[-1])
            if ok:
                for j in range(i, i + n):
                    hit[j] = True
    return [(w[0], w[1]) for w, h in zip(words, hit, strict=True) if h]


def snippet_parts(text: str, terms: list[Term], *,
                  around: int = SNIPPET_WORDS) -> list[tuple[str, bool]]:
    """The text (or, when long, the words around its first match) as (piece, matched)
    pieces; adjacent matched words make one piece."""
    spans = marked_spans(text, terms)
    words = [(m.start(), m.end()) for m in WORD.finditer(text)]
    start, end, lead, tail = 0, len(text), "", ""
    if len(words) > around:
        first = next((i for i, w in enumerate(words) if spans and w[0] == spans[0][0]), 0)
        lo = max(0, min(first - around // 3, len(words) - around))
        hi = min(len(words), lo + around)
        start = words[lo][0] if lo > 0 else 0
        end = words[hi - 1][1] if hi < len(words) else len(text)
        lead, tail = ("…" if lo > 0 else ""), ("…" if hi < len(words) else "")
    merged: list[list[int]] = []
    for s, e in spans:
        if s < start or e > end:
            continue
        if merged and text[merged[-1][1]:s].strip(" ") == "":
            merged[-1][1] = e
        else:
            merged.append([s, e])
    parts: list[tuple[str, bool]] = [(lead, False)]
    pos = start
    for s, e in merged:
        parts += [(text[pos:s], False), (text[s:e], True)]
        pos = e
    parts += [(text[pos:end], False), (tail, False)]
    return [(piece, marked) for piece, marked in parts if piece]


def snippet(text: str, terms: list[Term], *, around: int = SNIPPET_WORDS) -> str:
    """:func:`snippet_parts` as one string, matches marked ``<b>…</b>``."""
    return "".join(f"{MARK_OPEN}{piece}{MARK_CLOSE}" if marked else piece
                   for piece, marked in snippet_parts(text, terms, around=around))
