"""A gate runs two checkpoints at once and its last (the Data Docs index's) after them,
each thread evaluating suite parameters with its own GX parser, and its GX engine sends
a suite's queries as soon as each can be sent, keeping GX's results, errors and bundled
queries; a check that only filters the hour's rows is counted in the query of the table's
row count: real checkpoints from gx/ on the real local PostgreSQL."""

from __future__ import annotations

import json
import threading
import time

import pytest
import sqlalchemy as sa
from great_expectations.checkpoint.checkpoint import Checkpoint
from great_expectations.core.suite_parameters import parse_suite_parameter
from great_expectations.exceptions import MetricResolutionError
from great_expectations_provider.common.errors import GXValidationFailed
from helpers import TEST_DAY_KEY, TEST_HOUR, event, event_lines, ms, put, put_songs, rows, run_hour_in_process, song
from great_expectations.execution_engine.execution_engine import MetricComputationConfiguration
from great_expectations.validator.metric_configuration import MetricConfiguration

from sparkify.quality.context import GX_DIR, open_context
from sparkify.quality.expectations import row_condition
from sparkify.quality.hour_assets import QUERIES_AT_ONCE, ConcurrentQueriesEngine, MetricsInFlight
from sparkify_lab.warehouse_admin import run_query

pytestmark = pytest.mark.integration


@pytest.fixture
def engine(stack):
    engine = open_context("sparkify_warehouse").data_sources.get("warehouse").get_execution_engine()
    assert isinstance(engine, ConcurrentQueriesEngine)
    return engine


@pytest.fixture
def sent(monkeypatch) -> list[str]:
    """The SQL of each query the gates' GX engine sends, in order."""
    queries: list[str] = []
    real_execute = ConcurrentQueriesEngine.execute_query

    def recorded_execute(engine, selectable):
        queries.append(str(selectable))
        return real_execute(engine, selectable)

    monkeypatch.setattr(ConcurrentQueriesEngine, "execute_query", recorded_execute)
    return queries


def query_metric(engine, name: str, sql: str, in_flight: threading.Barrier | None = None) -> MetricComputationConfiguration:
    def metric_fn():
        value = engine.execute_query(sa.text(sql)).scalar()
        if in_flight is not None:
            # Passes only once every metric of the step has run its query: resolved
            # one after another, the first would wait here for good.
            in_flight.wait(timeout=30)
        return value

    return MetricComputationConfiguration(
        metric_configuration=MetricConfiguration(name, metric_domain_kwargs={}),
        metric_fn=metric_fn,
        metric_provider_kwargs={},
    )


def resolve_all(engine, metrics) -> tuple[dict, list[MetricResolutionError]]:
    """Resolves ``metrics`` as GX's graph asks for them: again and again until none runs."""
    in_flight = MetricsInFlight(engine._process_direct_and_bundled_metric_computation_configurations)
    resolved, failures = {}, []
    while True:
        try:
            resolved.update(in_flight.resolve(metrics, []))
        except MetricResolutionError as failure:
            failures.append(failure)
        metrics = []
        if not in_flight:
            return resolved, failures


def test_the_gates_queries_on_postgresql_run_without_parallel_workers(engine):
    # The gate's own concurrent queries fill the cores; workers would add processor time.
    with engine.engine.connect() as connection:
        assert connection.exec_driver_sql("show max_parallel_workers_per_gather").scalar() == "0"


def test_the_plays_and_time_rows_of_the_hour_are_matched_by_merging_sorted_lists(one_song):
    suite = json.loads((GX_DIR / "expectations" / "songplays.json").read_text())
    [query] = [e["kwargs"]["unexpected_rows_query"] for e in suite["expectations"] if "full join" in e["kwargs"].get("unexpected_rows_query", "")]
    batch = f"(select * from audit_songplays where batch_hour = '{TEST_HOUR:%Y-%m-%d %H:%M:%S}')"
    plans = []
    put(one_song, TEST_DAY_KEY, event_lines([event(ms(TEST_HOUR, n), "8", itemInSession=n) for n in range(6)]))

    run_hour_in_process(TEST_HOUR, before_warehouse_gate=lambda: plans.append(rows(one_song, "explain " + query.replace("{batch}", batch))))

    # Hashing the time rows is PostgreSQL's choice for the query without its sorted inputs.
    assert any("Merge Full Join" in line for (line,) in plans[0]), plans[0]


def test_queries_of_a_suite_are_in_flight_at_the_same_time(engine):
    in_flight = threading.Barrier(QUERIES_AT_ONCE)
    metrics = [query_metric(engine, f"query.{n}", f"select {n} + 1", in_flight) for n in range(QUERIES_AT_ONCE)]

    resolved, failures = resolve_all(engine, metrics)

    assert failures == []
    assert {m.metric_configuration.id: resolved[m.metric_configuration.id] for m in metrics} == {
        m.metric_configuration.id: n + 1 for n, m in enumerate(metrics)
    }


def test_a_slow_query_does_not_hold_back_what_is_done(engine):
    released = threading.Event()

    def slow_fn():
        released.wait(timeout=30)
        return engine.execute_query(sa.text("select 'slow'")).scalar()

    slow = MetricComputationConfiguration(
        metric_configuration=MetricConfiguration("query.slow", metric_domain_kwargs={}), metric_fn=slow_fn, metric_provider_kwargs={}
    )
    fast = query_metric(engine, "query.fast", "select 'fast'")
    in_flight = MetricsInFlight(engine._process_direct_and_bundled_metric_computation_configurations)

    first = in_flight.resolve([slow, fast], [])
    released.set()
    then = in_flight.resolve([], [])

    assert first == {fast.metric_configuration.id: "fast"}
    assert then == {slow.metric_configuration.id: "slow"}
    assert not in_flight


def test_a_failed_query_fails_its_metric_as_gx_reports_it_and_the_others_are_kept(engine):
    metrics = [
        query_metric(engine, "query.fine", "select 1"),
        query_metric(engine, "query.broken", "select count(*) from no_such_table"),
        query_metric(engine, "query.also_fine", "select 2"),
    ]

    resolved, failures = resolve_all(engine, metrics)

    assert [[m.metric_name for m in failure.failed_metrics] for failure in failures] == [["query.broken"]]
    assert "no_such_table" in str(failures[0])
    assert resolved == {metrics[0].metric_configuration.id: 1, metrics[2].metric_configuration.id: 2}


def test_the_staging_suite_checks_its_columns_in_one_query_as_gx_bundles_them(one_song, sent):
    put(one_song, TEST_DAY_KEY, event_lines([event(ms(TEST_HOUR, n), "8", itemInSession=n) for n in range(6)]))

    run_hour_in_process(TEST_HOUR)

    column_checks = [sql for sql in sent if "column_values.in_set.unexpected_count" in sql and "staging_events" in sql]
    assert len(column_checks) == 1
    assert all(f'"column_values.{check}.unexpected_count' in column_checks[0] for check in ("nonnull", "in_set", "between"))


def test_only_a_query_that_filters_the_batch_row_by_row_is_counted_as_a_condition():
    assert row_condition("select * from {batch} where page = 'NextSong' and length > 0") == "page = 'NextSong' and length > 0"
    assert row_condition("SELECT *\nFROM {batch}\nWHERE year < 1900;") == "year < 1900"
    # Reads across rows, joins, or reads the batch again: GX's query counts it.
    assert row_condition("select * from (select *, count(*) over (partition by ts) as copies from {batch}) as keyed where copies > 1") is None
    assert row_condition("select * from {batch} as play join users using (user_id) where users.level is null") is None
    assert row_condition("select * from {batch} where not exists (select 1 from t where t.h = (select h from {batch} limit 1))") is None
    # A comment or a second statement would end more than the condition inside the bundle.
    assert row_condition("select * from {batch} where year < 1900 -- unknown years are 0") is None
    assert row_condition("select * from {batch} where year < 1900; select 1") is None
    assert row_condition({"$PARAMETER": "query"}) is None


def test_checks_that_filter_the_hour_are_counted_in_the_query_of_its_row_count(one_song, sent):
    put(one_song, TEST_DAY_KEY, event_lines([event(ms(TEST_HOUR, n), "8", itemInSession=n) for n in range(6)]))

    run_hour_in_process(TEST_HOUR)

    staging = [sql for sql in sent if "FROM staging_events" in sql]
    nextsong_checks = [sql for sql in staging if "NextSong" in sql]
    assert len(nextsong_checks) == 1
    assert '"table.row_count"' in nextsong_checks[0]
    assert "coalesce(user_id, '') = ''" in nextsong_checks[0] and "not coalesce(length > 0, false)" in nextsong_checks[0]
    # The duplicate check reads across rows: a query of its own, as GX sends it.
    assert len([sql for sql in staging if "partition by ts, session_id" in sql]) == 1


def test_the_warehouse_gate_runs_its_two_largest_checkpoints_at_once_and_its_last_after_all(one_song, monkeypatch):
    plays = [event(ms(TEST_HOUR, n), "8", itemInSession=n, song="Title SOONE", artist="Artist SOONE") for n in range(6)]
    put(one_song, TEST_DAY_KEY, event_lines(plays))
    put_songs(one_song, [song("SOTWO")])
    spans: dict[str, list[float]] = {}
    # Passes only once both are running: run one after the other, the first would wait
    # here for good and the gate would fail.
    both_running = threading.Barrier(2)
    real_run = Checkpoint.run

    def watched_run(checkpoint, **kwargs):
        spans[checkpoint.name] = [time.monotonic()]
        if checkpoint.name in ("warehouse_songplays_hour", "warehouse_time_hour"):
            both_running.wait(timeout=30)
        try:
            return real_run(checkpoint, **kwargs)
        finally:
            spans[checkpoint.name].append(time.monotonic())

    monkeypatch.setattr(Checkpoint, "run", watched_run)

    run_hour_in_process(TEST_HOUR)

    warehouse = [name for name in spans if name.startswith("warehouse_")]
    assert sorted(warehouse) == sorted(f"warehouse_{t}_hour" for t in ("songplays", "time", "users", "songs", "artists"))
    last_start = spans["warehouse_artists_hour"][0]
    assert all(spans[name][1] <= last_start for name in warehouse if name != "warehouse_artists_hour")
    assert rows(one_song, "select count(*) from songplays where user_id = '8'") == [(6,)]


def test_suite_parameters_evaluated_on_several_threads_at_once_are_each_their_own(stack):
    open_context("sparkify_warehouse")
    threads, parses = 4, 200
    all_started = threading.Barrier(threads)
    outcomes: dict[int, list] = {}

    def evaluate(thread: int) -> None:
        all_started.wait(timeout=30)
        outcomes[thread] = []
        for n in range(parses):
            try:
                outcomes[thread].append(parse_suite_parameter("plays + hours * 2", {"plays": thread, "hours": n}))
            except Exception as error:  # GX's one parser fails some of them
                outcomes[thread].append(repr(error))

    running = [threading.Thread(target=evaluate, args=(thread,)) for thread in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join()

    assert outcomes == {thread: [thread + n * 2 for n in range(parses)] for thread in range(threads)}


def test_a_unique_column_is_checked_by_counting_its_distinct_values_while_none_repeats(one_song, sent):
    put(one_song, TEST_DAY_KEY, event_lines([event(ms(TEST_HOUR, n), "8", itemInSession=n) for n in range(6)]))

    run_hour_in_process(TEST_HOUR)

    for table, column in (("songplays", "songplay_id"), ("time", "start_time"), ("users", "user_id")):
        assert [sql for sql in sent if f"count(DISTINCT {column})" in sql and f"FROM audit_{table}" in sql]
    # GX's window, which counts the rows that share a value, is not needed.
    assert not [sql for sql in sent if "PARTITION BY" in sql and "audit_" in sql]


def test_when_values_repeat_gx_counts_the_rows_that_share_them(one_song, sent):
    put(one_song, TEST_DAY_KEY, event_lines([event(ms(TEST_HOUR, n), "8", itemInSession=n) for n in range(6)]))

    with pytest.raises(GXValidationFailed):
        run_hour_in_process(
            TEST_HOUR,
            before_warehouse_gate=lambda: run_query(one_song, "update audit_songplays set songplay_id = 'one id for two'"
            " where songplay_id in (select songplay_id from audit_songplays order by start_time limit 2)"),
        )

    assert rows(
        one_song,
        "select success, unexpected_count from validation_results"
        " where suite = 'songplays' and expectation_type = 'expect_column_values_to_be_unique'",
    ) == [(False, 2)]
    assert [sql for sql in sent if "PARTITION BY songplay_id" in sql]
