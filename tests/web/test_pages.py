"""Server-rendered pages: home, search, the occupation page, resource pages, the query page."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import httpx
import pytest

HTML = {"Accept": "text/html"}


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.links.append((values["href"] or "", values))
        if tag in ("script", "link") and (values.get("src") or values.get("href")):
            self.scripts.append(values.get("src") or values.get("href") or "")


def parse(html: str) -> Links:
    parser = Links()
    parser.feed(html)
    return parser


def test_home_has_statistics_and_search(base_url: str) -> None:
    r = httpx.get(base_url + "/")
    assert r.status_code == 200
    assert 'name="q"' in r.text and "data-autocomplete" in r.text
    assert re.search(r'<span class="n">40</span>|<span class="n">1</span>', r.text)
    assert "Sales Managers" in r.text


def test_pages_work_offline(base_url: str) -> None:
    # Every script and stylesheet is served by this server: no CDN.
    for path in ("/", "/query", "/doc/occupation/11-2022.00.html"):
        for ref in parse(httpx.get(base_url + path).text).scripts:
            assert ref.startswith("/"), ref
            assert httpx.get(base_url + ref).status_code == 200
    # The query editor (YASGUI, installed by `make editor`) comes from here too.
    editor = parse(httpx.get(base_url + "/query").text).scripts
    assert {"/static/vendor/yasgui.min.js", "/static/vendor/yasgui.min.css",
            "/static/editor.js"} <= set(editor)


@pytest.mark.parametrize(("q", "first"), [
    ("sales man", "Sales Managers"),
    ("SALES", "Sales Managers"),
    ("channel mana", "Sales Managers"),  # a related title leads to its occupation
    ("speak", "Speaking"),
])
def test_search_api(base_url: str, q: str, first: str) -> None:
    hits = httpx.get(f"{base_url}/api/search", params={"q": q}).json()
    assert hits and hits[0]["name"] == first


def test_search_input_is_escaped(base_url: str) -> None:
    q = '<script>alert("x")</script> } UNION { ?s ?p ?o'
    r = httpx.get(f"{base_url}/search", params={"q": q})
    assert r.status_code == 200
    assert "<script>alert" not in r.text and "&lt;script&gt;" in r.text
    assert httpx.get(f"{base_url}/api/search", params={"q": q}).json() == []


def test_search_page(base_url: str) -> None:
    r = httpx.get(f"{base_url}/search", params={"q": "sales man"})
    hrefs = [h for h, _ in parse(r.text).links]
    assert "/doc/occupation/11-2022.00" in hrefs


def occupation_page(base_url: str) -> str:
    r = httpx.get(f"{base_url}/id/occupation/11-2022.00", headers=HTML, follow_redirects=True)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    return r.text


def test_occupation_page_renders_the_framework(base_url: str) -> None:
    page = occupation_page(base_url)
    mastery = page.split('id="mastery"', 1)[1].split("</section>", 1)[0]
    assert mastery.count('class="level ') == 4
    assert mastery.count('class="statement"') == 40
    for level, role in (("Emerging", "Entry / Apprentice"),
                        ("Developing", "Mid-level / Established"),
                        ("Proficient", "Senior / Expert IC"),
                        ("Advanced", "Lead / Principal / Executive")):
        assert level in mastery and role in mastery
    assert 'class="focus"' in mastery and "Customer complaint records" in mastery
    # Each statement can be linked to by its kind and key.
    assert '<li class="statement" id="mastery-customer-complaint-records">' in mastery
    for heading in ("AI use by mastery level", "Evidence pack", "Durable skills",
                    "Source anchors", "Related titles", "CIP"):
        assert heading in page
    assert "SOC 11-2022.00" in page and "Job Zone 4" in page
    assert "607" in page and "48.5 / 100" in page and "Q2_ai_augmented" in page
    durable = page.split('id="durable"', 1)[1].split("</section>", 1)[0]
    assert durable.count('class="domain"') == 10


def test_citation_chips_link_to_source_pages(base_url: str) -> None:
    page = occupation_page(base_url)
    chips = [(h, a) for h, a in parse(page).links if "chip" in (a.get("class") or "")]
    assert chips
    assert {h for h, _ in chips} >= {"/doc/source/aei"}
    source = httpx.get(base_url + "/doc/source/aei", headers=HTML)
    assert source.status_code == 200
    assert "Anthropic Economic Index" in source.text
    assert "Linked from" in source.text  # the statements citing it


@pytest.mark.parametrize("path", [
    "/doc/framework/11-2022.00/v.26.05/statement/mastery/customer-complaint-records",
    "/doc/framework/11-2022.00/v.26.05/statement/ai-use/pipeline-forecasting-support",
    "/doc/level/mastery/emerging",
    "/doc/element/2.A.1.d",
    "/doc/source/onet",
    "/doc/occupation/11-2022.00",
])
def test_every_page_links_to_its_rdf(base_url: str, path: str) -> None:
    r = httpx.get(base_url + path, headers=HTML)
    assert r.status_code == 200, path
    hrefs = [h for h, _ in parse(r.text).links]
    for ext in ("ttl", "nt", "jsonld", "rdf"):
        assert f"{path}.{ext}" in hrefs
    assert 'rel="alternate"' in r.text


def test_statement_page_shows_text_and_chips(base_url: str) -> None:
    r = httpx.get(base_url + "/doc/framework/11-2022.00/v.26.05/statement/ai-use/"
                             "pipeline-forecasting-support.html")
    assert "Pipeline forecasting support" in r.text
    chips = [h for h, a in parse(r.text).links if "chip" in (a.get("class") or "")]
    assert "/doc/source/aei" in chips


def test_task_page(base_url: str) -> None:
    hrefs = [h for h, _ in parse(occupation_page(base_url)).links if h.startswith("/doc/task/")]
    assert hrefs
    assert httpx.get(base_url + hrefs[0], headers=HTML).status_code == 200


def test_query_page_runs_a_query_without_javascript(base_url: str) -> None:
    query = ("PREFIX nsx: <https://w3id.org/nsxkg/def#> SELECT ?s WHERE { ?s a "
             "nsx:MasteryStatement } LIMIT 3")
    r = httpx.get(f"{base_url}/query", params={"query": query})
    assert r.status_code == 200
    assert r.text.count("/doc/framework/11-2022.00/v.26.05/statement/") >= 3
    assert "format=csv" in r.text  # download links
    bad = httpx.get(f"{base_url}/query", params={"query": "SELECT * WHERE { ?s ?p }"})
    assert bad.status_code == 400 and "syntax error" in bad.text


def test_query_page_lists_examples(base_url: str) -> None:
    r = httpx.get(f"{base_url}/query")
    assert r.text.count('<template id="example-') >= 1
    assert "<textarea" in r.text


# -- frameworks and their releases ------------------------------------------------------------


def test_home_lists_each_framework_once(base_url: str) -> None:
    home = httpx.get(base_url + "/", headers=HTML).text
    assert home.count(">Sales Managers</a>") == 1
    assert "/doc/framework/11-2022.00/v.26.05" in home


def test_framework_iri_leads_to_the_latest_release(base_url: str) -> None:
    r = httpx.get(base_url + "/id/framework/11-2022.00", headers=HTML)
    assert r.status_code == 303 and r.headers["location"] == "/doc/framework/11-2022.00"
    page = httpx.get(base_url + "/doc/framework/11-2022.00", headers=HTML).text
    assert "latest release" in page and "Entry / Apprentice" in page
    assert page.count('class="statement"') == 159
    turtle = httpx.get(base_url + "/doc/framework/11-2022.00.ttl").text
    assert "dcat:hasCurrentVersion" in turtle


def test_frameworks_index(base_url: str) -> None:
    page = httpx.get(base_url + "/frameworks", headers=HTML)
    assert page.status_code == 200 and "Sales Managers" in page.text
    listing = httpx.get(base_url + "/frameworks", headers={"Accept": "application/json"}).json()
    assert listing["total"] == 1 and listing["frameworks"][0]["current"] == "v.26.05"
    none = httpx.get(base_url + "/frameworks", params={"q": "astronaut"},
                     headers={"Accept": "application/json"}).json()
    assert none["total"] == 0
    assert httpx.get(base_url + "/frameworks?page=9", headers=HTML).status_code == 404
    assert httpx.get(base_url + "/frameworks?page=0", headers=HTML).status_code == 400
