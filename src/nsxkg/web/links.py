"""How pages link and name IRIs: this server's page for our own resources, the IRI itself
for anyone else's, prefixed names for display."""

from __future__ import annotations

from typing import Any

from nsxkg.namespaces import NSX, PREFIXES
from nsxkg.web.deps import AppState


def local_href(iri: str, state: AppState) -> str:
    """Where a page links for an IRI: this server's page for ours, the IRI itself otherwise."""
    return href_for(iri, state.settings.base_iri)


def href_for(iri: str, base: str) -> str:
    """:func:`local_href` for the base IRI ``base``."""
    if iri.startswith(base + "id/"):
        return "/doc/" + iri[len(base) + 3:]
    if iri.startswith(NSX.iri):
        return "/def.html#" + iri[len(NSX.iri):]
    # Data and query results may hold any IRI: a javascript: or data: one as a link would run
    # in the reader's browser on a click, so only web and mail IRIs are linked.
    return iri if iri.lower().startswith(("http://", "https://", "mailto:")) else ""


def short(iri: str) -> str:
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def env(state: AppState) -> dict[str, Any]:
    """What every page template is given to link and name IRIs."""
    return links_for(state.settings.base_iri)


def links_for(base: str) -> dict[str, Any]:
    return {"href": lambda iri: href_for(iri, base), "short": short}
