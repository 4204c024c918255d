"""The Airflow UI as a user sees it after a blocked hour, in headless Chromium: the
DAG's graph (stage, gates, builds, publish) with the failed gate, and the gate task's
"Data Docs" extra link leading to its failed validation page."""

from __future__ import annotations

import json
import time
import urllib.parse
import urllib.request

import pytest
from helpers import TEST_DAY_KEY, TEST_HOUR, event, event_lines, ms, put
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from sparkify_lab import runner
from sparkify_lab.airflow_services import AirflowServices
from sparkify_lab.stack import free_port

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.browser]

H = TEST_HOUR
GATE = "validate_staging"


@pytest.fixture(scope="module")
def blocked_run(stack, tmp_path_factory):
    """One hour through `airflow dags test` whose staging gate fails (2 events at an unknown level)."""
    from helpers import clean, put_songs, song

    clean(stack)
    put_songs(stack, [song("SOONE")])
    events = [event(ms(H, n), "7", itemInSession=n) for n in range(6)]
    events += [event(ms(H, 30 + n), "7", itemInSession=90 + n, level="gold") for n in range(2)]
    put(stack, TEST_DAY_KEY, event_lines(events))
    runner.ensure_metadata_db(stack)
    outcome = runner.run_hour(stack, H, tmp_path_factory.mktemp("dags-test-logs"))
    assert not outcome.succeeded, "the bad hour should have been blocked"
    return outcome


@pytest.fixture(scope="module")
def airflow_ui(stack, blocked_run):
    """`airflow api-server` (UI and REST API) on a free loopback port, as ./sparkify ui
    starts it, stopped afterwards."""
    log = stack.log_dir / "api-server.log"
    with AirflowServices(stack, free_port(), log, ("api-server",)) as services:
        base = services.url.rstrip("/")
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/v2/version", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or services.processes[0].poll() is not None:
                    pytest.fail(f"airflow api-server did not come up on {base}; see {log}")
                time.sleep(0.5)
        yield base


def api(base: str, path: str) -> dict:
    with urllib.request.urlopen(f"{base}/api/v2/{path}") as response:
        return json.load(response)


@pytest.fixture(scope="module")
def run_path(airflow_ui):
    [run] = [
        r
        for r in api(airflow_ui, "dags/sparkify_hourly/dagRuns?limit=100")["dag_runs"]
        if r["data_interval_start"] == H.strftime("%Y-%m-%dT%H:%M:%SZ")
    ]
    assert run["state"] == "failed"
    return f"{airflow_ui}/dags/sparkify_hourly/runs/{urllib.parse.quote(run['dag_run_id'], safe='')}"


def wait_for(browser, css: str, seconds: float = 60):
    return WebDriverWait(browser, seconds).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css)))


def test_the_graph_shows_the_write_audit_publish_shape_and_the_failed_gate(browser, run_path):
    browser.get(run_path)
    wait_for(browser, "button[aria-label^='Show Graph']").click()
    wait_for(browser, ".react-flow__node[data-id='publish']")

    nodes = {n.get_attribute("data-id"): n.text.splitlines() for n in browser.find_elements(By.CSS_SELECTOR, ".react-flow__node")}

    tasks = ["create_tables", "stage_events", "stage_songs", "validate_staging", "build_audit", "validate_warehouse", "publish"]
    assert set(nodes) == set(tasks)
    assert "failed" in nodes["validate_staging"]
    assert "upstream_failed" in nodes["build_audit"]
    assert "upstream_failed" in nodes["publish"]
    edges = browser.find_elements(By.CSS_SELECTOR, ".react-flow__edge")
    assert len(edges) == 7


def test_the_gate_task_links_its_failed_validation_page(browser, stack, run_path):
    browser.get(f"{run_path}/tasks/{GATE}/details")
    link = WebDriverWait(browser, 60).until(
        expected_conditions.presence_of_element_located((By.XPATH, "//a[normalize-space()='Data Docs']"))
    )

    href = link.get_attribute("href")

    assert href.startswith(stack.data_docs_url + "validations/staging_events/")
    browser.get(href)
    wait_for(browser, "footer")
    text = browser.find_element(By.TAG_NAME, "body").text
    assert "Expectation Suite: staging_events" in text
    assert "Status: Failed" in text
