"""The gates' GX engine sends the independent queries of a suite at once, on the real
local PostgreSQL, and keeps GX's results and errors."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from great_expectations.exceptions import MetricResolutionError
from great_expectations.execution_engine.execution_engine import MetricComputationConfiguration
from great_expectations.validator.metric_configuration import MetricConfiguration

from sparkify.quality.context import open_context
from sparkify.quality.hour_assets import QUERIES_AT_ONCE, ConcurrentQueriesEngine

pytestmark = pytest.mark.integration


@pytest.fixture
def engine(stack):
    engine = open_context("sparkify_warehouse").data_sources.get("warehouse").get_execution_engine()
    assert isinstance(engine, ConcurrentQueriesEngine)
    return engine


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


def resolve(engine, metrics):
    return engine._process_direct_and_bundled_metric_computation_configurations(
        metric_fn_direct_configurations=metrics, metric_fn_bundle_configurations=[]
    )


def test_the_queries_of_one_step_are_in_flight_at_the_same_time(engine):
    in_flight = threading.Barrier(QUERIES_AT_ONCE)
    metrics = [query_metric(engine, f"query.{n}", f"select {n} + 1", in_flight) for n in range(QUERIES_AT_ONCE)]

    resolved = resolve(engine, metrics)

    assert {m.metric_configuration.id: resolved[m.metric_configuration.id] for m in metrics} == {
        m.metric_configuration.id: n + 1 for n, m in enumerate(metrics)
    }


def test_a_failed_query_fails_its_metric_as_gx_reports_it(engine):
    metrics = [
        query_metric(engine, "query.fine", "select 1"),
        query_metric(engine, "query.broken", "select count(*) from no_such_table"),
        query_metric(engine, "query.also_fine", "select 2"),
    ]

    with pytest.raises(MetricResolutionError) as raised:
        resolve(engine, metrics)

    assert [m.metric_name for m in raised.value.failed_metrics] == ["query.broken"]
    assert "no_such_table" in str(raised.value)

