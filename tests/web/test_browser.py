"""Headless Chromium (Debian's chromium + chromedriver, driven by Selenium) against a server
on 127.0.0.1: search, the occupation page, a citation chip, the query page.

`make test` installs chromium and chromium-driver when /usr/bin/chromium is missing
(the `browser-deps` target); run alone without them, these tests are skipped.
"""

from __future__ import annotations

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


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="nsxkg-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in [*FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


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


def test_query_page_shows_rows(browser: object, base_url: str, screenshots: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    d = browser
    d.get(base_url + "/query")  # type: ignore[attr-defined]
    editor = d.find_element(By.ID, "query")  # type: ignore[attr-defined]
    editor.clear()
    editor.send_keys("PREFIX nsx: <https://w3id.org/nsxkg/def#>\n"
                     "SELECT ?s WHERE { ?s a nsx:MasteryStatement } LIMIT 7")
    d.find_element(By.ID, "run").click()  # type: ignore[attr-defined]
    wait_for(d, ec.presence_of_element_located((By.CSS_SELECTOR, "#results table tbody tr")))
    rows = d.find_elements(By.CSS_SELECTOR, "#results table tbody tr")  # type: ignore[attr-defined]
    assert len(rows) == 7
    assert "7 rows" in d.find_element(By.ID, "status").text  # type: ignore[attr-defined]
    downloads = d.find_elements(By.CSS_SELECTOR, "#downloads a")  # type: ignore[attr-defined]
    assert any("format=csv" in (a.get_attribute("href") or "") for a in downloads)
    d.save_screenshot(str(screenshots / "query.png"))  # type: ignore[attr-defined]
    # An example from the list replaces the editor's text and runs too.
    d.find_element(By.CSS_SELECTOR, "#examples option[value='0']").click()  # type: ignore[attr-defined]
    assert "SELECT" in d.find_element(By.ID, "query").get_attribute("value")  # type: ignore[attr-defined]


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
