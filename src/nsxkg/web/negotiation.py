"""HTTP content negotiation: the one function that picks a format for a request, and whether
its body may go gzip-coded."""

from __future__ import annotations

from dataclasses import dataclass

from nsxkg.formats import Format


class NotAcceptable(Exception):
    def __init__(self, offered: list[Format]):
        self.offered = offered
        super().__init__("none of the acceptable media types can be produced; available: "
                         + ", ".join(f.media_type for f in offered))


class UnknownFormat(Exception):
    pass


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float
    order: int

    def matches(self, media_type: str) -> int:
        """How specifically this range matches: 2 exact, 1 type/*, 0 */*, -1 no match."""
        main, _, sub = media_type.partition("/")
        if self.type == "*":
            return 0
        if self.type != main:
            return -1
        if self.subtype == "*":
            return 1
        return 2 if self.subtype == sub else -1


def parse_accept(header: str | None) -> list[MediaRange]:
    if not header or not header.strip():
        return [MediaRange("*", "*", 1.0, 0)]
    ranges = []
    for order, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if "/" not in media:
            continue
        main, _, sub = media.partition("/")
        ranges.append(MediaRange(main, sub, _quality(fields[1:]), order))
    return ranges


def _quality(params: list[str]) -> float:
    """The q parameter among a header element's parameters (1 when absent; a malformed q
    counts as 0, refusing rather than guessing)."""
    for param in params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "q":
            try:
                return min(max(float(value), 0.0), 1.0)
            except ValueError:
                return 0.0
    return 1.0


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether the client takes a gzip-coded body (RFC 9110 §12.5.3): ``gzip`` (or its alias
    ``x-gzip``) named with q > 0, or else ``*`` with q > 0.

    Without the header RFC 9110 allows any coding, but the clients that omit it (curl without
    --compressed, scripts) mostly cannot decode one, so they get identity.
    """
    if accept_encoding is None:
        return False
    named: float | None = None
    anything: float | None = None
    for element in accept_encoding.split(","):
        fields = [f.strip() for f in element.split(";")]
        coding = fields[0].lower()
        if coding in ("gzip", "x-gzip"):
            named = max(named or 0.0, _quality(fields[1:]))
        elif coding == "*":
            anything = _quality(fields[1:])
    wanted = named if named is not None else anything
    return wanted is not None and wanted > 0


def negotiate(accept: str | None, offered: list[Format], override: str | None = None) -> Format:
    """Pick the format to send.

    ``override`` (a ``format`` parameter: short name or media type) wins over Accept.
    Otherwise the highest q wins; on equal q the more specific range wins, then the
    client's order, then the order of ``offered``. Raises NotAcceptable when nothing fits.
    """
    if override:
        wanted = override.strip().lower()
        fmt = next((f for f in offered if wanted == f.name or wanted in f.media_types), None)
        if fmt is None:
            raise UnknownFormat(f"unknown format {override!r}; use one of "
                                + ", ".join(f.name for f in offered))
        return fmt
    ranges = parse_accept(accept)
    best: tuple[float, int, int, int] | None = None
    chosen: Format | None = None
    for index, fmt in enumerate(offered):
        for media_type in fmt.media_types:
            # The most specific range that matches decides this type's q (RFC 9110 §12.5.1).
            matches = [(r.matches(media_type), r) for r in ranges]
            matches = [(s, r) for s, r in matches if s >= 0]
            if not matches:
                continue
            specificity, rng = max(matches, key=lambda m: (m[0], -m[1].order))
            if rng.q <= 0:
                continue
            # Aliases (also=...) rank below a format's own media type.
            own = 1 if media_type == fmt.media_type else 0
            key = (rng.q, specificity, -rng.order, own)
            if best is None or key > best or (key == best and chosen is not None
                                              and offered.index(chosen) > index):
                best, chosen = key, fmt
    if chosen is None:
        raise NotAcceptable(offered)
    return chosen
