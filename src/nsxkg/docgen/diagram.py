"""The data-model diagram as SVG, laid out in layers by plain Python (no graphviz binary, so
any machine that runs the tests can regenerate it and compare).

A small Sugiyama-style layout: break cycles, give each class a layer by longest path
(superclass above subclass, property domain above range), order each layer by the
barycentre of its neighbours, then place boxes and draw links as curves between layers.
The output depends only on the ontology, so the committed file can be checked for drift.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from xml.sax.saxutils import escape

from nsxkg.docgen.model import ClassBox, Link, OntologyModel

CHAR = 6.7  # width of one character of 11 px monospace, with a little room
LINE = 15  # line height inside a box
PAD = 8
ROW_GAP = 80
COL_GAP = 28
MARGIN = 20
SWEEPS = 8


@dataclass
class Placed:
    box: ClassBox
    layer: int
    x: float = 0.0
    y: float = 0.0
    width: float = 0.0
    height: float = 0.0

    @property
    def centre(self) -> float:
        return self.x + self.width / 2


def render_svg(model: OntologyModel, title: str) -> str:
    placed = _layout(model)
    return _draw(model, placed, title)


# -- layout -------------------------------------------------------------------------------

def _layering_edges(model: OntologyModel) -> list[tuple[str, str]]:
    """(upper, lower) pairs: a superclass above its subclass, a domain above its range."""
    edges = [(link.target, link.source) if link.subclass else (link.source, link.target)
             for link in model.links if link.source != link.target]
    return sorted(set(edges))


def _acyclic(nodes: list[str], edges: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Reverse the edges that close a cycle (found by depth-first search in name order)."""
    out: dict[str, list[str]] = defaultdict(list)
    for upper, lower in edges:
        out[upper].append(lower)
    state: dict[str, int] = {}  # 1 on the current path, 2 finished
    back: set[tuple[str, str]] = set()

    def visit(node: str) -> None:
        state[node] = 1
        for nxt in sorted(out[node]):
            if state.get(nxt) == 1:
                back.add((node, nxt))
            elif nxt not in state:
                visit(nxt)
        state[node] = 2

    for node in nodes:
        if node not in state:
            visit(node)
    return [(b, a) if (a, b) in back else (a, b) for a, b in edges]


def _layers(model: OntologyModel) -> dict[str, int]:
    nodes = list(model.classes)
    edges = _acyclic(nodes, _layering_edges(model))
    linked = {n for edge in edges for n in edge}
    layer = {n: 0 for n in nodes if n in linked}
    # Longest path: relax until stable (the graph is small and now acyclic).
    changed = True
    while changed:
        changed = False
        for upper, lower in edges:
            if layer[lower] < layer[upper] + 1:
                layer[lower] = layer[upper] + 1
                changed = True
    # Classes with no link at all share one row below the rest instead of widening the top.
    bottom = max(layer.values(), default=-1) + 1
    for n in nodes:
        layer.setdefault(n, bottom)
    return layer


def _order(model: OntologyModel, layer: dict[str, int]) -> list[list[str]]:
    rows: list[list[str]] = [[] for _ in range(max(layer.values()) + 1)]
    for node in sorted(layer, key=lambda n: model.classes[n].name):
        rows[layer[node]].append(node)
    neighbours: dict[str, set[str]] = defaultdict(set)
    for link in model.links:
        neighbours[link.source].add(link.target)
        neighbours[link.target].add(link.source)

    def position() -> dict[str, float]:
        return {n: (i + 0.5) / len(row) for row in rows for i, n in enumerate(row)}

    for sweep in range(SWEEPS):
        downward = sweep % 2 == 0
        indices = range(1, len(rows)) if downward else range(len(rows) - 2, -1, -1)
        for index in indices:
            pos = position()

            def barycentre(node: str, index: int = index, pos: dict[str, float] = pos,
                           downward: bool = downward) -> float:
                near = [pos[m] for m in neighbours[node]
                        if (layer[m] < index if downward else layer[m] > index)]
                return sum(near) / len(near) if near else pos[node]

            rows[index].sort(key=lambda n: (barycentre(n), model.classes[n].name))
    return rows


def _lines(box: ClassBox) -> list[str]:
    head = [box.name]
    if box.supers:
        head.append("⊂ " + ", ".join(box.supers))
    return head + box.attributes


def _layout(model: OntologyModel) -> dict[str, Placed]:
    layer = _layers(model)
    rows = _order(model, layer)
    placed: dict[str, Placed] = {}
    y = MARGIN + _legend_height() + ROW_GAP / 2
    for index, row in enumerate(rows):
        height = 0.0
        for node in row:
            box = model.classes[node]
            lines = _lines(box)
            item = Placed(box, index, width=max(len(t) for t in lines) * CHAR + 2 * PAD,
                          height=len(lines) * LINE + PAD + (4 if box.attributes else 0))
            placed[node] = item
            height = max(height, item.height)
        for node in row:
            placed[node].y = y
        y += height + ROW_GAP
    _place_columns(model, rows, placed)
    return placed


def _place_columns(model: OntologyModel, rows: list[list[str]],
                   placed: dict[str, Placed]) -> None:
    """Pack each row, then pull boxes towards their neighbours without overlapping."""
    widths = [sum(placed[n].width for n in row) + COL_GAP * (len(row) - 1) for row in rows]
    widest = max(widths, default=0.0)
    for row, width in zip(rows, widths, strict=True):
        x = MARGIN + (widest - width) / 2
        for node in row:
            placed[node].x = x
            x += placed[node].width + COL_GAP
    neighbours: dict[str, list[str]] = defaultdict(list)
    for link in model.links:
        neighbours[link.source].append(link.target)
        neighbours[link.target].append(link.source)
    for _ in range(4):
        for row in rows:
            wanted = []
            for node in row:
                near = [placed[m].centre for m in neighbours[node] if m != node]
                centre = sum(near) / len(near) if near else placed[node].centre
                wanted.append(centre - placed[node].width / 2)
            _resolve(row, wanted, placed, widest)


def _resolve(row: list[str], wanted: list[float], placed: dict[str, Placed],
             widest: float) -> None:
    """Put each box as near its wanted x as the row order and the gaps allow."""
    xs = list(wanted)
    for i in range(1, len(row)):  # push right past the previous box
        xs[i] = max(xs[i], xs[i - 1] + placed[row[i - 1]].width + COL_GAP)
    right = MARGIN + widest
    for i in range(len(row) - 1, -1, -1):  # then pull left to stay inside the drawing
        limit = right - placed[row[i]].width
        if i + 1 < len(row):
            limit = min(limit, xs[i + 1] - COL_GAP - placed[row[i]].width)
        xs[i] = min(xs[i], limit)
    for i in range(len(row)):
        xs[i] = max(xs[i], MARGIN if i == 0 else xs[i - 1] + placed[row[i - 1]].width + COL_GAP)
        placed[row[i]].x = xs[i]


# -- drawing ------------------------------------------------------------------------------

LEGEND = [
    ("box", "nsx: class (⊂ its superclasses in other vocabularies; property : range)"),
    ("external", "class of another vocabulary that nsx properties use"),
    ("sub", "subclass of (triangle at the superclass)"),
    ("prop", "object property, from its rdfs:domain to its rdfs:range"),
]


def _legend_height() -> float:
    return len(LEGEND) * 18 + 30


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _draw(model: OntologyModel, placed: dict[str, Placed], title: str) -> str:
    note = ["Properties without an rdfs:domain (used on several classes):", *model.undomained]
    width = max([p.x + p.width for p in placed.values()]
                + [MARGIN + max(len(t) for t in note) * CHAR + 2 * PAD]) + MARGIN
    note_y = max(p.y + p.height for p in placed.values()) + ROW_GAP / 2
    height = note_y + len(note) * LINE + 2 * PAD + MARGIN
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_fmt(width)}" '
        f'height="{_fmt(height)}" viewBox="0 0 {_fmt(width)} {_fmt(height)}" '
        f'font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="11">',
        f"<title>{escape(title)}</title>",
        "<defs>",
        '<marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" '
        'markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#444"/></marker>',
        '<marker id="triangle" viewBox="0 0 12 12" refX="12" refY="6" markerWidth="12" '
        'markerHeight="12" orient="auto-start-reverse"><path d="M0,0 L12,6 L0,12 z" '
        'fill="white" stroke="#3b6ea5"/></marker>',
        "</defs>",
        f'<rect width="{_fmt(width)}" height="{_fmt(height)}" fill="white"/>',
    ]
    out += _legend()
    boxes = [(p.x, p.y, p.width, p.height) for p in placed.values()]
    taken: list[tuple[float, float, float, float]] = []
    for link in model.links:
        out += _link(link, placed, boxes, taken)
    for node in placed.values():
        out += _box(node)
    out.append(f'<g class="note"><rect x="{MARGIN}" y="{_fmt(note_y)}" '
               f'width="{_fmt(max(len(t) for t in note) * CHAR + 2 * PAD)}" '
               f'height="{_fmt(len(note) * LINE + PAD)}" fill="#fffbe6" stroke="#b8a24a"/>')
    for i, text in enumerate(note):
        weight = ' font-weight="bold"' if i == 0 else ""
        out.append(f'<text x="{MARGIN + PAD}" y="{_fmt(note_y + PAD + 8 + i * LINE)}"'
                   f'{weight}>{escape(text)}</text>')
    out += ["</g>", "</svg>"]
    return "\n".join(out) + "\n"


def _legend() -> list[str]:
    out = ['<g class="legend">',
           f'<text x="{MARGIN}" y="{MARGIN + 4}" font-weight="bold">Legend</text>']
    for i, (kind, text) in enumerate(LEGEND):
        y = MARGIN + 22 + i * 18
        if kind in ("box", "external"):
            dash = ' stroke-dasharray="4 3"' if kind == "external" else ""
            fill = "#f4f4f4" if kind == "external" else "#eef4fb"
            out.append(f'<rect x="{MARGIN}" y="{y - 10}" width="40" height="13" fill="{fill}" '
                       f'stroke="#3b6ea5"{dash}/>')
        else:
            marker = "triangle" if kind == "sub" else "arrow"
            colour = "#3b6ea5" if kind == "sub" else "#444"
            out.append(f'<line x1="{MARGIN}" y1="{y - 4}" x2="{MARGIN + 40}" y2="{y - 4}" '
                       f'stroke="{colour}" marker-end="url(#{marker})"/>')
        out.append(f'<text x="{MARGIN + 50}" y="{y}">{escape(text)}</text>')
    out.append("</g>")
    return out


def _box(node: Placed) -> list[str]:
    box = node.box
    dash = ' stroke-dasharray="4 3"' if box.external else ""
    fill = "#f4f4f4" if box.external else "#eef4fb"
    out = [f'<g class="class" id="{escape(box.name.replace(":", "-"))}">',
           f'<rect x="{_fmt(node.x)}" y="{_fmt(node.y)}" width="{_fmt(node.width)}" '
           f'height="{_fmt(node.height)}" rx="3" fill="{fill}" stroke="#3b6ea5"{dash}/>']
    y = node.y + PAD + 8
    out.append(f'<text x="{_fmt(node.x + PAD)}" y="{_fmt(y)}" font-weight="bold">'
               f"{escape(box.name)}</text>")
    if box.supers:
        y += LINE
        out.append(f'<text x="{_fmt(node.x + PAD)}" y="{_fmt(y)}" fill="#555">'
                   f'{escape("⊂ " + ", ".join(box.supers))}</text>')
    if box.attributes:
        line_y = y + 6
        out.append(f'<line x1="{_fmt(node.x)}" y1="{_fmt(line_y)}" '
                   f'x2="{_fmt(node.x + node.width)}" y2="{_fmt(line_y)}" stroke="#3b6ea5"/>')
        y += 4
    for attribute in box.attributes:
        y += LINE
        out.append(f'<text x="{_fmt(node.x + PAD)}" y="{_fmt(y)}">{escape(attribute)}</text>')
    out.append("</g>")
    return out


def _link(link: Link, placed: dict[str, Placed], boxes: list[tuple[float, float, float, float]],
          taken: list[tuple[float, float, float, float]]) -> list[str]:
    start, end = placed[link.source], placed[link.target]
    if link.source == link.target:  # a property from a class to itself: a loop on its side
        x, y = start.x + start.width, start.y + start.height / 2
        path = f"M{_fmt(x)},{_fmt(y - 6)} C{_fmt(x + 40)},{_fmt(y - 30)} " \
               f"{_fmt(x + 40)},{_fmt(y + 30)} {_fmt(x)},{_fmt(y + 6)}"
        label_at = (x + 34, y)
    else:
        downward = start.y < end.y
        x1 = start.centre
        y1 = start.y + start.height if downward else start.y
        x2 = end.centre
        y2 = end.y if downward else end.y + end.height
        bend = (y2 - y1) / 2
        p1, p2 = (x1, y1 + bend), (x2, y2 - bend)
        path = (f"M{_fmt(x1)},{_fmt(y1)} C{_fmt(p1[0])},{_fmt(p1[1])} "
                f"{_fmt(p2[0])},{_fmt(p2[1])} {_fmt(x2)},{_fmt(y2)}")
        label_at = _label_spot(link.label, (x1, y1), p1, p2, (x2, y2), boxes, taken)
    if link.subclass:
        out = [f'<path class="subclass" d="{path}" fill="none" stroke="#3b6ea5" '
               f'marker-end="url(#triangle)"/>']
    else:
        out = [f'<path class="property" d="{path}" fill="none" stroke="#444" '
               f'marker-end="url(#arrow)"/>']
    if link.label:
        lx, ly = label_at
        w = len(link.label) * CHAR + 4
        out.append(f'<rect x="{_fmt(lx - w / 2)}" y="{_fmt(ly - 9)}" width="{_fmt(w)}" '
                   f'height="13" fill="white" fill-opacity="0.85"/>')
        out.append(f'<text x="{_fmt(lx)}" y="{_fmt(ly + 1)}" text-anchor="middle" '
                   f'fill="#333" font-style="italic">{escape(link.label)}</text>')
    return out


def _label_spot(label: str, p0: tuple[float, float], p1: tuple[float, float],
                p2: tuple[float, float], p3: tuple[float, float],
                boxes: list[tuple[float, float, float, float]],
                taken: list[tuple[float, float, float, float]]) -> tuple[float, float]:
    """A point on the curve whose label overlaps no box and no earlier label, if any."""
    w = len(label) * CHAR + 4
    best = None
    for t in (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8):
        x = ((1 - t) ** 3 * p0[0] + 3 * (1 - t) ** 2 * t * p1[0] + 3 * (1 - t) * t * t * p2[0]
             + t ** 3 * p3[0])
        y = ((1 - t) ** 3 * p0[1] + 3 * (1 - t) ** 2 * t * p1[1] + 3 * (1 - t) * t * t * p2[1]
             + t ** 3 * p3[1])
        rect = (x - w / 2, y - 9, w, 13)
        if best is None:
            best = (x, y, rect)
        if not any(_overlap(rect, other) for other in boxes + taken):
            best = (x, y, rect)
            break
    assert best is not None
    taken.append(best[2])
    return best[0], best[1]


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]
