"""The quality page a steward opens beside Data Docs, rendered by headless Chromium from
the stack's Data Docs web server after three hours: one clean, one with a warning, one
blocked. It shows the grid of hours by suite, the failed cell links to that hour's Data
Docs page, and the hourly volume is plotted against its warning bounds."""

from __future__ import annotations

from datetime import timedelta

import pytest
from great_expectations_provider.common.errors import GXValidationFailed
from helpers import TEST_DAY_KEY, TEST_HOUR, event, event_lines, ms, put, run_hour_in_process
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

pytestmark = [pytest.mark.integration, pytest.mark.browser]

H = TEST_HOUR
SUITES = ["staging_events", "staging_songs", "stage_reconciliation", "songplays", "users", "songs", "artists", "time"]


@pytest.fixture
def three_hours(one_song):
    clean = [event(ms(H, n), "7", itemInSession=n) for n in range(6)]
    quiet = [event(ms(H + timedelta(hours=1), 1), "7")]
    blocked = [event(ms(H + timedelta(hours=2), n), "7", itemInSession=n, level="gold" if n < 2 else "free") for n in range(6)]
    put(one_song, TEST_DAY_KEY, event_lines(clean + quiet + blocked))
    run_hour_in_process(H)
    run_hour_in_process(H + timedelta(hours=1))
    with pytest.raises(GXValidationFailed):
        run_hour_in_process(H + timedelta(hours=2))
    return one_song


def cell(browser, hour: str, suite: str):
    return browser.find_element(By.CSS_SELECTOR, f'#heatmap tr[data-hour="{hour}"] td[data-suite="{suite}"]')


def test_the_quality_page_shows_the_grid_a_failed_cell_and_its_data_docs_page(browser, three_hours):
    browser.get(f"{three_hours.data_docs_url}quality.html")

    assert "Hours passed: 1 · with warnings: 1 · blocked: 1 · not validated: 0" in browser.find_element(By.ID, "summary").text
    headers = [th.text for th in browser.find_elements(By.CSS_SELECTOR, "#heatmap thead th")]
    assert headers == ["hour (UTC)", *SUITES]
    hours = [tr.get_attribute("data-hour") for tr in browser.find_elements(By.CSS_SELECTOR, "#heatmap tbody tr")]
    assert hours == ["2018-11-15T12", "2018-11-15T11", "2018-11-15T10"], "newest hour first"
    assert {cell(browser, "2018-11-15T10", s).get_attribute("class") for s in SUITES} == {"passed"}
    assert cell(browser, "2018-11-15T11", "staging_events").get_attribute("class") == "warning"
    assert cell(browser, "2018-11-15T12", "users").get_attribute("class") == "none", "a blocked hour never reaches the warehouse gate"
    failed = cell(browser, "2018-11-15T12", "staging_events")
    assert failed.get_attribute("class") == "critical"
    # What the cell looks like: the critical colour, not the default.
    assert failed.value_of_css_property("background-color") == "rgba(232, 117, 107, 1)"
    link = failed.find_element(By.TAG_NAME, "a")
    assert "staging_events, 2018-11-15T12: critical, 1 of 31 expectations failed" == link.get_attribute("title")

    worst = [tr.text for tr in browser.find_elements(By.CSS_SELECTOR, "#worst tbody tr")]
    assert worst[0].startswith("staging_events expect_column_values_to_be_in_set level critical 1 of 3 2018-11-15T12 2")
    assert worst[1].startswith("staging_events expect_table_row_count_to_be_between")
    volume = browser.find_element(By.ID, "volume")
    [line] = volume.find_elements(By.CSS_SELECTOR, "polyline.volume")
    assert len(line.get_attribute("points").split()) == 3, "one point per validated hour"
    assert volume.find_elements(By.CSS_SELECTOR, "polygon.band"), "the warning bounds are drawn"
    [outlier] = volume.find_elements(By.CSS_SELECTOR, "circle.outlier")
    assert outlier.find_element(By.TAG_NAME, "title").get_attribute("textContent") == "2018-11-15T11: 1 events"

    link.click()
    WebDriverWait(browser, 30).until(expected_conditions.presence_of_element_located((By.TAG_NAME, "footer")))
    assert "/validations/staging_events/" in browser.current_url and "20181115T120000" in browser.current_url
    page = browser.find_element(By.TAG_NAME, "body").text
    assert "expect_column_values_to_be_in_set" in page or "values must belong to this set" in page
