"""Headless Chromium (Debian's chromium + chromedriver, driven by Selenium) against a server
on 127.0.0.1: search, the occupation page, a citation chip, the query page.

`make test` installs chromium and chromium-driver when /usr/bin/chromium is missing
(the `browser-deps` target); run alone without them, these tests are skipped.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

pytestmark = pytest.mark.skipif(not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
                                reason="Debian chromium/chromium-driver not installed "
                                       "(make browser-deps)")

# These flags keep Chromium off the network it cannot reach here and out of the way.
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1280,1000"]


def chromium() -> Iterator[object]:
    """A fresh headless Chromium session (its own profile), recording its network requests."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="nsxkg-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in [*FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    yield from chromium()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the page screenshots go: $NSXKG_SCREENSHOTS to keep them, else a temp dir."""
    kept = os.environ.get("NSXKG_SCREENSHOTS")
    folder = Path(kept) if kept else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def wait_for(driver: object, condition: object, timeout: float = 10) -> object:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(condition)  # type: ignore[arg-type]


def test_search_occupation_and_citation(browser: object, base_url: str,
                                        screenshots: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    d = browser
    d.get(base_url + "/")  # type: ignore[attr-defined]
    box = d.find_element(By.ID, "home-search")  # type: ignore[attr-defined]
    box.send_keys("sales man")
    suggestion = wait_for(d, ec.element_to_be_clickable(
        (By.XPATH, "//ul[contains(@class,'suggest')]//a[starts-with(normalize-space(.),"
                   "'Sales Managers')]")))
    suggestion.click()  # type: ignore[attr-defined]
    wait_for(d, ec.presence_of_element_located((By.ID, "mastery")))
    assert d.find_element(By.TAG_NAME, "h1").text == "Sales Managers"  # type: ignore[attr-defined]
    levels = d.find_elements(By.CSS_SELECTOR, "#mastery .level")  # type: ignore[attr-defined]
    statements = d.find_elements(By.CSS_SELECTOR, "#mastery li.statement")  # type: ignore[attr-defined]
    assert len(levels) == 4
    assert len(statements) == 40
    d.save_screenshot(str(screenshots / "occupation.png"))  # type: ignore[attr-defined]
    chip = d.find_element(By.CSS_SELECTOR, "#ai-use a.chip")  # type: ignore[attr-defined]
    label = chip.text
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", chip)  # type: ignore[attr-defined]
    chip.click()
    wait_for(d, ec.url_contains("/doc/source/"))
    assert d.find_element(By.TAG_NAME, "h1").text == label  # type: ignore[attr-defined]


def requested(driver: object) -> set[str]:
    """Every URL the page asked for since the last call (from Chromium's performance log)."""
    urls = set()
    for entry in driver.get_log("performance"):  # type: ignore[attr-defined]
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.add(message["params"]["request"]["url"])
    return urls


def visible_rows(driver: object) -> list[str]:
    from selenium.webdriver.common.by import By

    return [r.text for r in driver.find_elements(  # type: ignore[attr-defined]
        By.CSS_SELECTOR, "#yasr table.dataTable tbody tr")]


def type_into_editor(driver: object, text: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).send_keys(text).perform()  # type: ignore[arg-type]


def accept_completion(driver: object, wanted: str) -> None:
    """Wait for the completion list to offer ``wanted`` and pick it."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    hint = wait_for(driver, ec.element_to_be_clickable(
        (By.XPATH, f"//ul[contains(@class,'CodeMirror-hints')]/li[starts-with(normalize-space(.),"
                   f"'{wanted}')]")))
    hint.click()  # type: ignore[attr-defined]
    wait_for(driver, lambda drv: not drv.find_elements(By.CSS_SELECTOR, ".CodeMirror-hints")
             and drv.execute_script("return nsxkgEditor.yasqe.getValue()").endswith(wanted))
    driver.execute_script("nsxkgEditor.yasqe.focus()")  # type: ignore[attr-defined]


def test_query_editor_completes_runs_pages_and_shares(browser: object, base_url: str,
                                                      screenshots: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    d = browser
    requested(d)
    d.get(base_url + "/query")  # type: ignore[attr-defined]
    wait_for(d, lambda drv: drv.execute_script("return !!window.nsxkgEditor"))
    d.execute_script("nsxkgEditor.yasqe.setValue(''); nsxkgEditor.yasqe.focus()")  # type: ignore[attr-defined]
    # Typing nsx: adds its PREFIX line; the class and the property come from completion.
    type_into_editor(d, "SELECT ?s ?text WHERE { ?s a nsx:MasterySt")
    accept_completion(d, "nsx:MasteryStatement")
    type_into_editor(d, " ; nsx:statementTe")
    accept_completion(d, "nsx:statementText")
    type_into_editor(d, " ?text }")
    text = d.execute_script("return nsxkgEditor.yasqe.getValue()")  # type: ignore[attr-defined]
    assert text.startswith("PREFIX nsx: <https://w3id.org/nsxkg/def#>")
    assert "?s a nsx:MasteryStatement ; nsx:statementText ?text }" in text
    d.find_element(By.ID, "run").click()  # type: ignore[attr-defined]
    wait_for(d, ec.text_to_be_present_in_element((By.ID, "status"), "40 rows"))
    downloads = [a.get_attribute("href") or "" for a in d.find_elements(  # type: ignore[attr-defined]
        By.CSS_SELECTOR, "#downloads a")]
    assert {f"format={f}" for f in ("csv", "tsv", "json")} <= {
        "format=" + h.rsplit("format=", 1)[1] for h in downloads}
    # Ten rows a page, sorted by text (descending), then the third page.
    Select = __import__("selenium.webdriver.support.select", fromlist=["Select"]).Select
    Select(d.find_element(By.CSS_SELECTOR, "#yasr .pageSizeWrapper select")).select_by_value("10")  # type: ignore[attr-defined]
    header = d.find_element(By.XPATH, "//div[@id='yasr']//th[normalize-space(.)='text']")  # type: ignore[attr-defined]
    header.click()
    header = d.find_element(By.XPATH, "//div[@id='yasr']//th[normalize-space(.)='text']")  # type: ignore[attr-defined]
    header.click()
    # The sort's redraw may land after a page is chosen and reset it: choose until it holds,
    # that is until a poll finds the page still chosen from the poll before.
    wait_for(d, lambda drv: drv.execute_script(
        "const t = nsxkgEditor.yasr.plugins.table.dataTable; "
        "if (t.page.info().page === 2) return true; t.page(2).draw('page'); return false"))
    info = d.execute_script("return nsxkgEditor.yasr.plugins.table.dataTable.page.info()")  # type: ignore[attr-defined]
    assert (info["page"], info["length"], info["pages"]) == (2, 10, 4)
    shown = visible_rows(d)
    assert len(shown) == 10
    d.save_screenshot(str(screenshots / "query.png"))  # type: ignore[attr-defined]
    link = d.find_element(By.ID, "share").get_attribute("href")  # type: ignore[attr-defined]
    assert link.startswith(base_url + "/query#query=") and "page=3" in link
    first = requested(d)

    # The share link in another browser session: the same query, page, order and rows.
    for other in chromium():
        other.get(link)  # type: ignore[attr-defined]
        wait_for(other, lambda drv: len(visible_rows(drv)) == 10
                 and drv.execute_script("return nsxkgEditor.yasr.plugins.table.dataTable"
                                        ".page.info().page") == 2)
        assert visible_rows(other) == shown
        assert other.execute_script("return nsxkgEditor.yasqe.getValue()") == text  # type: ignore[attr-defined]
        second = requested(other)
    # Everything came from this server: no CDN, no prefix or vocabulary service.
    # (chrome:// pages are the browser's own new-tab page, not the network.)
    outside = {u for u in first | second
               if u.startswith(("http:", "https:", "ws:", "wss:", "//"))
               and not u.startswith(base_url)}
    assert not outside, outside
    assert any(u.startswith(base_url + "/api/terms?") for u in first)
    assert any(u.endswith("/static/vendor/yasgui.min.js") for u in second)


def test_query_editor_marks_syntax_errors_and_loads_examples(browser: object,
                                                             base_url: str) -> None:
    from selenium.webdriver.common.by import By

    d = browser
    d.get(base_url + "/query")  # type: ignore[attr-defined]
    wait_for(d, lambda drv: drv.execute_script("return !!window.nsxkgEditor"))
    d.execute_script("nsxkgEditor.yasqe.setValue('SELECT * WHERE { ?s ?p }')")  # type: ignore[attr-defined]
    wait_for(d, lambda drv: drv.find_elements(By.CSS_SELECTOR, ".CodeMirror .parseErrorIcon"))
    d.find_element(By.CSS_SELECTOR, "#examples option[value='0']").click()  # type: ignore[attr-defined]
    assert "SELECT" in d.execute_script("return nsxkgEditor.yasqe.getValue()")  # type: ignore[attr-defined]


def test_release_switcher_and_diff(browser: object, releases_url: str,
                                   screenshots: Path) -> None:
    """From the latest release to the earlier one by the switcher, then to the diff, whose
    form compares the other way round."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select

    d = browser
    d.get(releases_url + "/id/framework/15-1252.00")  # type: ignore[attr-defined]
    wait_for(d, ec.presence_of_element_located((By.ID, "changes")))
    changes = d.find_element(By.ID, "changes").text  # type: ignore[attr-defined]
    assert "Changes since v.0.1" in changes and "pair-programming" in changes
    d.save_screenshot(str(screenshots / "framework-release.png"))  # type: ignore[attr-defined]
    d.find_element(By.LINK_TEXT, "v.0.1").click()  # type: ignore[attr-defined]
    wait_for(d, ec.url_contains("/doc/framework/15-1252.00/v.0.1"))
    current = d.find_element(By.CSS_SELECTOR, ".releases .current").text  # type: ignore[attr-defined]
    assert current == "v.0.1"
    d.find_element(By.LINK_TEXT, "compare releases").click()  # type: ignore[attr-defined]
    wait_for(d, ec.url_contains("/frameworks/15-1252.00/diff"))
    Select(d.find_element(By.NAME, "from")).select_by_visible_text("v.0.2")  # type: ignore[attr-defined]
    Select(d.find_element(By.NAME, "to")).select_by_visible_text("v.0.1")  # type: ignore[attr-defined]
    d.find_element(By.CSS_SELECTOR, ".diff-form button").click()  # type: ignore[attr-defined]
    wait_for(d, ec.url_contains("from=v.0.2"))
    kinds = [e.text for e in d.find_elements(By.CSS_SELECTOR, ".change-kind")]  # type: ignore[attr-defined]
    assert sorted(kinds) == ["added", "moved", "removed", "reworded"]
    d.save_screenshot(str(screenshots / "framework-diff.png"))  # type: ignore[attr-defined]
