"""What a data steward sees in Data Docs after a blocked hour, rendered by headless
Chromium from the stack's Data Docs web server: the suite, the failed expectation and
its unexpected count, and no personal data anywhere in the site or the stored results."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from great_expectations_provider.common.errors import GXValidationFailed
from helpers import TEST_DAY_KEY, TEST_HOUR, event, event_lines, ms, put, run_hour_in_process
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
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


def row_with(browser, text: str):
    # The page's script rebuilds its tables after the footer is in place; a row read
    # while that happens goes stale, and the search starts again.
    def first_row(browser):
        return next((row for row in browser.find_elements(By.CSS_SELECTOR, "tr") if text in row.text), False)

    try:
        return WebDriverWait(browser, 30, ignored_exceptions=(StaleElementReferenceException,)).until(first_row)
    except TimeoutException:
        raise AssertionError(f"no row with {text!r} on {browser.current_url}") from None


def is_marked_failed(row) -> bool:
    return bool(row.find_elements(By.CSS_SELECTOR, ".fa-times.text-danger, .text-danger"))


def test_the_index_lists_the_failed_validation_and_opens_it(browser, blocked_hour):
    stack, page = blocked_hour

    text_of(browser, f"{stack.data_docs_url}index.html")

    row = row_with(browser, "warehouse-staging_events-batch_hour_2018-11-15 10:00:00")
    assert "staging_events" in row.text
    assert is_marked_failed(row)
    row.click()
    WebDriverWait(browser, 30).until(lambda b: "/validations/staging_events/" in b.current_url)
    assert unquote(browser.current_url) == unquote(page)


def test_the_failed_validation_page_shows_suite_expectations_and_unexpected_counts(browser, blocked_hour):
    stack, page = blocked_hour

    text = text_of(browser, page)

    assert "Expectation Suite: staging_events" in text
    assert "Status: Failed" in text
    # 2 of the hour's 9 events have an unknown level.
    level = row_with(browser, "values must belong to this set: free paid")
    assert is_marked_failed(level)
    assert "2 unexpected values found" in level.text and "of 9 total rows" in level.text
    # The steward's wording of the NextSong rule, with its 1 unexpected row.
    rule = row_with(browser, "Every NextSong event names its user")
    assert is_marked_failed(rule)
    assert rule.text.splitlines()[-1] == "1"
    assert not is_marked_failed(row_with(browser, "Every NextSong event has a positive song length"))


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
