"""What a data steward sees in Data Docs after a blocked hour, rendered by headless
Chromium from the stack's Data Docs web server: the suite, the failed expectation and
its unexpected count, and no personal data anywhere in the site or the stored results."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from great_expectations_provider.common.errors import GXValidationFailed
from helpers import TEST_DAY_KEY, TEST_HOUR, event, event_lines, ms, put, run_hour_in_process
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

pytestmark = [pytest.mark.integration, pytest.mark.browser]

H = TEST_HOUR
# Personal data of the bad hour's listener: none of it may reach a page or a stored result.
PERSONAL = {"firstName": "Zebulon", "lastName": "Quixote-Ng", "location": "Xanadu-on-Sea, ZZ"}


@pytest.fixture
def blocked_hour(one_song, capsys):
    """An hour whose staging gate fails: 2 events at an unknown level, 1 NextSong with no
    user; every event carries the personal-data probe."""
    events = [event(ms(H, n), "7", itemInSession=n, **PERSONAL) for n in range(6)]
    events += [event(ms(H, 30 + n), "7", itemInSession=90 + n, level="gold", **PERSONAL) for n in range(2)]
    events += [event(ms(H, 40), "", itemInSession=99, **PERSONAL)]
    put(one_song, TEST_DAY_KEY, event_lines(events))
    with pytest.raises(GXValidationFailed):
        run_hour_in_process(H)
    log = capsys.readouterr().out
    [page] = [line.split("Data Docs: ")[1].split()[0] for line in log.splitlines() if "Suite staging_events" in line]
    return one_song, page


def text_of(browser, url: str) -> str:
    browser.get(url)
    WebDriverWait(browser, 30).until(expected_conditions.presence_of_element_located((By.TAG_NAME, "footer")))
    return browser.find_element(By.TAG_NAME, "body").text


def _settled(browser, read, missing: str):
    """What ``read(browser)`` returns, read again from the start while the page's script
    is replacing the elements it reads or has not yet put them in (GX's pages rebuild
    their tables after the footer is in place); ``missing`` says what never came."""
    wait = WebDriverWait(browser, 30, ignored_exceptions=(StaleElementReferenceException,))
    return wait.until(lambda b: [read(b)], f"{missing} on {browser.current_url}")[0]


def _row_element(browser, text: str):
    """The first table row holding ``text``; WebDriverWait waits through its absence."""
    rows = [row for row in browser.find_elements(By.CSS_SELECTOR, "tr") if text in row.text]
    if not rows:
        raise NoSuchElementException(f"no row with {text!r}")
    return rows[0]


def row_with(browser, text: str) -> tuple[str, bool]:
    """The first table row holding ``text``: its text, and whether it is marked failed."""

    def read(browser):
        row = _row_element(browser, text)
        return row.text, bool(row.find_elements(By.CSS_SELECTOR, ".fa-times.text-danger, .text-danger"))

    return _settled(browser, read, f"no row with {text!r}")


def test_the_index_lists_the_failed_validation_and_opens_it(browser, blocked_hour):
    stack, page = blocked_hour

    text_of(browser, f"{stack.data_docs_url}index.html")

    name = "warehouse-staging_events-batch_hour_2018-11-15 10:00:00"
    text, failed = row_with(browser, name)
    assert "staging_events" in text
    assert failed
    _settled(browser, lambda b: _row_element(b, name).click(), f"no row with {name!r} to click")
    WebDriverWait(browser, 30).until(lambda b: "/validations/staging_events/" in b.current_url)
    assert unquote(browser.current_url) == unquote(page)


def test_the_failed_validation_page_shows_suite_expectations_and_unexpected_counts(browser, blocked_hour):
    stack, page = blocked_hour

    text = text_of(browser, page)

    assert "Expectation Suite: staging_events" in text
    assert "Status: Failed" in text
    # 2 of the hour's 9 events have an unknown level.
    level, level_failed = row_with(browser, "values must belong to this set: free paid")
    assert level_failed
    assert "2 unexpected values found" in level and "of 9 total rows" in level
    # The steward's wording of the NextSong rule, with its 1 unexpected row.
    rule, rule_failed = row_with(browser, "Every NextSong event names its user")
    assert rule_failed
    assert rule.splitlines()[-1] == "1"
    _, length_failed = row_with(browser, "Every NextSong event has a positive song length")
    assert not length_failed


def test_no_personal_data_reaches_data_docs_or_stored_results(browser, blocked_hour):
    stack, page = blocked_hour

    shown = [text_of(browser, f"{stack.data_docs_url}index.html") + browser.page_source]
    shown.append(text_of(browser, page) + browser.page_source)
    stored = [
        path.read_text(errors="replace")
        for folder in (stack.data_docs_dir, stack.gx_results_dir)
        for path in folder.rglob("*")
        if path.is_file() and path.suffix in (".html", ".json")
    ]

    assert len(stored) >= 3
    for value in PERSONAL.values():
        assert not any(value in text for text in shown + stored), f"{value!r} is published"
