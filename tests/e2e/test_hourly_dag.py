"""End to end: the real DAG under ``airflow dags test`` on the real dataset, and the
README's demo command, against the embedded stack."""

from __future__ import annotations

import os
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from helpers import clean, rows, snapshot

from sparkify_lab import dataset, runner
from sparkify_lab.contract import (
    expected_artists,
    expected_songplays,
    expected_songs,
    expected_time,
    expected_users,
    hour_events,
    songs,
    utc_hour,
)
from sparkify.warehouse.schema import STAR_TABLES

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

PROJECT = Path(__file__).resolve().parents[2]
HOURS = [utc_hour("2018-11-15T16:00"), utc_hour("2018-11-15T17:00"), utc_hour("2018-11-15T18:00")]


@pytest.fixture(scope="module")
def loaded(stack, real_data, tmp_path_factory):
    clean(stack)
    dataset.upload(stack, real_data)
    runner.ensure_metadata_db(stack)
    logs = tmp_path_factory.mktemp("dags-test-logs")
    outcomes = [runner.run_hour(stack, hour, logs) for hour in HOURS]
    failed = [o.log for o in outcomes if not o.succeeded]
    assert not failed, f"airflow dags test failed; see {failed[0].read_text()[-5000:]}"
    return real_data


def window(sql_column: str) -> str:
    return f"{sql_column} >= '2018-11-15 16:00' and {sql_column} < '2018-11-15 19:00'"


def test_songplays_are_the_next_song_events_with_their_matching_songs(stack, loaded):
    events = [e for h in HOURS for e in hour_events(loaded, h)]
    expected = expected_songplays(events, songs(loaded))

    got = Counter(
        rows(
            stack,
            "select start_time, user_id, level, song_id, artist_id, session_id, location, user_agent "
            f"from songplays where {window('start_time')}",
        )
    )

    assert got == expected
    assert sum(expected.values()) > 100
    assert any(key[3] is not None for key in expected), "the window should contain plays that match a song"


def test_users_hold_each_users_latest_state(stack, loaded):
    events = [e for h in HOURS for e in hour_events(loaded, h)]

    got = {u: rest for u, *rest in rows(stack, "select user_id, first_name, last_name, gender, level from users")}

    assert got == {u: list(v) for u, v in expected_users(events).items()}


def test_time_has_one_row_per_play_start(stack, loaded):
    events = [e for h in HOURS for e in hour_events(loaded, h)]

    got = set(rows(stack, f"select start_time, hour, day, week, month, year, weekday from time where {window('start_time')}"))

    assert got == expected_time(events)


def test_songs_and_artists_hold_the_whole_catalogue(stack, loaded):
    catalogue = songs(loaded)

    got = {song: tuple(rest) for song, *rest in rows(stack, "select song_id, title, artist_id, year, duration from songs")}
    assert got == expected_songs(catalogue)
    assert rows(stack, "select count(*) from songs") == [(len(catalogue),)]
    got = {a: tuple(rest) for a, *rest in rows(stack, "select artist_id, name, location, latitude, longitude from artists")}
    assert got == expected_artists(catalogue)


def test_rerunning_an_hour_under_airflow_leaves_every_table_identical(stack, loaded, tmp_path):
    before = {t: snapshot(stack, t) for t in STAR_TABLES}

    outcome = runner.run_hour(stack, HOURS[1], tmp_path)

    assert outcome.succeeded, outcome.log.read_text()[-3000:]
    assert {t: snapshot(stack, t) for t in STAR_TABLES} == before


def readme_command(stack, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "SPARKIFY_HOME": str(stack.root),
        "SPARKIFY_PG_PORT": str(stack.pg_port),
        "SPARKIFY_S3_PORT": str(stack.s3_port),
        "SPARKIFY_DOCS_PORT": str(stack.docs_port),
    }
    return subprocess.run([str(PROJECT / "sparkify"), *args], env=env, capture_output=True, text=True, timeout=900)


def test_the_readme_demo_and_bad_hour_commands_run_on_synthetic_data(stack):
    clean(stack)

    demo = readme_command(stack, "demo", "--start", "2018-11-15T10", "--end", "2018-11-15T12")

    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    assert "2 hours run, 0 failed" in demo.stdout
    assert "2018-11-15T10   ok" in demo.stdout and "2018-11-15T11   ok" in demo.stdout
    assert f"Data Docs: {stack.data_docs_url}index.html" in demo.stdout
    [(songplays,)] = rows(stack, "select count(*) from songplays")
    assert songplays > 0
    query = readme_command(stack, "sql", "select count(*) as plays from songplays")
    assert query.stdout.split() == ["plays", str(songplays)]

    bad = readme_command(stack, "bad-hour", "--hour", "2018-11-15T11")

    assert bad.returncode == 0, bad.stdout[-3000:] + bad.stderr[-3000:]
    assert "Run of 2018-11-15T11: blocked" in bad.stdout
    assert "FAILED [critical] expect_column_values_to_be_in_set (level): unexpected 2" in bad.stdout
    assert "Slack (local stand-in webhook) received 1 message(s)" in bad.stdout
    assert "sparkify_hourly.validate_staging blocked the hour" in bad.stdout
    assert f"<{stack.data_docs_url}validations/staging_events/" in bad.stdout
    assert "Published tables unchanged by the blocked hour: yes" in bad.stdout
    assert "rerun of the hour: ok" in bad.stdout

    runs = readme_command(stack, "runs")

    assert runs.returncode == 0, runs.stderr[-3000:]
    # Newest first: the rerun, the blocked run, then the demo's two hours.
    statuses = [line.split()[:2] for line in runs.stdout.splitlines()[2:]]
    assert statuses == [
        ["2018-11-15T11", "published"],
        ["2018-11-15T11", "blocked"],
        ["2018-11-15T11", "published"],
        ["2018-11-15T10", "published"],
    ]
    blocked = runs.stdout.splitlines()[3]
    assert "validate_staging" in blocked and f"{stack.data_docs_url}validations/staging_events/" in blocked
    [(read, staged, quarantined, published)] = rows(
        stack,
        "select events_read, events_staged, events_quarantined, songplays_published from run_history "
        "where batch_hour = '2018-11-15 10:00' and status = 'published'",
    )
    [(plays,)] = rows(stack, "select count(*) from songplays where start_time < '2018-11-15 11:00'")
    # The day object holds every hour's events: the hour read them all and staged its own.
    assert read > staged > 0 and quarantined == 0 and published == plays


def test_each_gate_task_links_its_data_docs_page(stack, loaded):
    import json
    from urllib.request import urlopen

    from sparkify_lab import runner

    # The latest link of each gate task that validated something (an empty batch links nothing).
    links = dict(
        runner.metadata_rows(
            stack,
            "select task_id, value::text from xcom where key = '_link_DataDocsLink' and value::text <> '\"\"' order by timestamp",
        )
    )

    assert set(links) == {"validate_staging", "validate_warehouse"}
    for task_id, value in links.items():
        url = json.loads(value)
        assert url.startswith(stack.data_docs_url) and url.endswith(".html"), url
        with urlopen(url) as page:
            assert page.status == 200, f"{task_id} links a missing page {url}"
            # With no failure, a gate links its first suite's page.
            first_suite = {"validate_staging": "staging_events", "validate_warehouse": "songplays"}[task_id]
            assert first_suite in page.read().decode()
