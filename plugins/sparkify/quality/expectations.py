"""GX's ``unexpected_rows_expectation``, registered again under its own name, so the
committed suites load this class once it is imported (:func:`sparkify.quality.context.open_context`
imports it before any suite).

GX's class runs its query twice on every validation: once to count the rows, once to
fetch up to 200 of them. Only the COMPLETE result format shows those rows; the gates
validate with SUMMARY, so the second run was a full query whose answer was dropped (at a
million events an hour, 3.5 s of the gates' 8 s of SQL). This class counts, and fetches
the rows only for COMPLETE.

A query that only filters the batch by a condition on each row
(``select * from {batch} where <condition>``) is counted as one more aggregate of the
table's bundled query (``sum(case when <condition> then 1 else 0 end)``), which GX
sends with the table's row count: the hour is read once for all of them, not once
more per check. On the million-event hour the staging suite's two NextSong checks cost
0.40 s of the server's time as queries of their own and 0.07 s in the bundle;
``validate_staging`` took 1.54 s instead of 1.69 s (medians of 12 runs, alternated). Any
other query (joins, windows, a second ``{batch}``) is counted by GX's query. Success, the
observed value and Data Docs are GX's.

GX's ``expect_column_values_to_be_unique`` counts the rows whose value another row shares
with a window over the whole column (on the million-event hour 0.36 s of the server's time
for ``songplay_id``, 0.28 s for ``time.start_time``, each query alone). Here it first asks
whether any value repeats at all, ``count(column) - count(distinct column)``, which sorts
the values alone (0.18 and 0.14 s); only when some value does, GX's own queries count and
list the rows that share one. Either way the result is GX's: no repeat means no row shares
a value.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from great_expectations.compatibility.sqlalchemy import sqlalchemy as sa
from great_expectations.core.metric_domain_types import MetricDomainTypes
from great_expectations.core.metric_function_types import MetricPartialFunctionTypes
from great_expectations.core.result_format import ResultFormat
from great_expectations.execution_engine import SqlAlchemyExecutionEngine
from great_expectations.expectations import ExpectColumnValuesToBeUnique as GXExpectColumnValuesToBeUnique
from great_expectations.expectations import UnexpectedRowsExpectation as GXUnexpectedRowsExpectation
from great_expectations.expectations.metrics.column_aggregate_metric_provider import (
    ColumnAggregateMetricProvider,
    column_aggregate_partial,
)
from great_expectations.expectations.metrics.metric_provider import metric_partial
from great_expectations.expectations.metrics.table_metric_provider import TableMetricProvider
from great_expectations.expectations.registry import get_metric_kwargs
from great_expectations.validator.metric_configuration import MetricConfiguration
from great_expectations.validator.metrics_calculator import MetricsCalculator

ROW_COUNT = "unexpected_rows_query.row_count"
ROWS = "unexpected_rows_query.table"
ROWS_WHERE_COUNT = "table.rows_where.count"
REPEATED_VALUES = "column.repeated_values.count"
UNIQUE_VALUES = "column_values.unique"

# The whole query is the batch's rows filtered by one condition on each row. A condition
# with a comment or a statement's end is left to GX's query: inside the bundle's select
# list it would end more than the condition.
_ROWS_WHERE = re.compile(
    r"\s*select\s+\*\s+from\s+\{batch\}\s+where\s+(?P<condition>(?:(?!--|/\*)[^{};])+?)\s*;?\s*", re.IGNORECASE | re.DOTALL
)


def row_condition(query) -> str | None:
    """The condition of a query that only filters the batch's rows, else None."""
    match = _ROWS_WHERE.fullmatch(query) if isinstance(query, str) else None
    return match["condition"] if match else None


class TableRowsWhereCount(TableMetricProvider):
    """The rows of a batch for which a SQL condition holds, as an aggregate that GX
    bundles with the other aggregates of the table (its row count, its columns' checks)."""

    metric_name = ROWS_WHERE_COUNT
    value_keys = ("condition",)

    @metric_partial(
        engine=SqlAlchemyExecutionEngine,
        partial_fn_type=MetricPartialFunctionTypes.AGGREGATE_FN,
        domain_type=MetricDomainTypes.TABLE,
    )
    def _sqlalchemy(cls, execution_engine, metric_domain_kwargs, metric_value_kwargs, metrics, runtime_configuration):
        condition = sa.text(f"({metric_value_kwargs['condition']})")
        # sum() of no rows is null; a count is 0.
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0), metric_domain_kwargs, {}


class UnexpectedRowsExpectation(GXUnexpectedRowsExpectation):
    """GX's expectation that a query returns no rows, asking for the rows themselves only
    where the result shows them, and counting a filter of the batch in the table's bundle."""

    metric_dependencies: ClassVar[tuple[str, ...]] = (ROW_COUNT,)

    def get_validation_dependencies(self, execution_engine=None, runtime_configuration: dict | None = None):
        dependencies = super().get_validation_dependencies(
            execution_engine=execution_engine, runtime_configuration=runtime_configuration
        )
        if dependencies.result_format.get("result_format") == ResultFormat.COMPLETE:
            kwargs = get_metric_kwargs(ROWS, configuration=self.configuration, runtime_configuration=runtime_configuration)
            dependencies.set_metric_configuration(
                ROWS,
                MetricConfiguration(ROWS, kwargs["metric_domain_kwargs"], kwargs["metric_value_kwargs"]),
            )
            return dependencies
        count = dependencies.get_metric_configuration(ROW_COUNT)
        condition = row_condition(count.metric_value_kwargs["unexpected_rows_query"])
        if condition is not None and isinstance(execution_engine, SqlAlchemyExecutionEngine):
            # The table's domain as its row count has it, so that GX bundles the two.
            kwargs = get_metric_kwargs(ROWS_WHERE_COUNT, configuration=self.configuration, runtime_configuration=runtime_configuration)
            dependencies.remove_metric_configuration(ROW_COUNT)
            dependencies.set_metric_configuration(
                ROWS_WHERE_COUNT,
                MetricConfiguration(ROWS_WHERE_COUNT, kwargs["metric_domain_kwargs"], {"condition": condition}),
            )
        return dependencies

    def _validate(self, metrics: dict, runtime_configuration: dict | None = None, execution_engine=None) -> dict[str, Any]:
        if ROWS in metrics:
            return super()._validate(metrics, runtime_configuration, execution_engine)
        count = metrics[ROW_COUNT] if ROW_COUNT in metrics else metrics[ROWS_WHERE_COUNT]
        # As GX resolves it: the run's result format, else the expectation's own.
        result_format = (runtime_configuration or {}).get("result_format", self.result_format)
        if isinstance(result_format, dict):
            result_format = result_format.get("result_format", ResultFormat.SUMMARY)
        if result_format == ResultFormat.BOOLEAN_ONLY:
            return {"success": count == 0}
        return {"success": count == 0, "result": {"observed_value": count}}


class ColumnRepeatedValuesCount(ColumnAggregateMetricProvider):
    """The non-null values of a column that repeat an earlier one: none when every value is
    distinct."""

    metric_name = REPEATED_VALUES

    @column_aggregate_partial(engine=SqlAlchemyExecutionEngine)
    def _sqlalchemy(cls, column, **kwargs):
        return sa.func.count(column) - sa.func.count(sa.distinct(column))


class ExpectColumnValuesToBeUnique(GXExpectColumnValuesToBeUnique):
    """GX's expectation that a column's values are unique, which counts and lists the rows
    sharing a value only when some value repeats (see the module docstring)."""

    def get_validation_dependencies(self, execution_engine=None, runtime_configuration: dict | None = None, **kwargs):
        dependencies = super().get_validation_dependencies(
            execution_engine=execution_engine, runtime_configuration=runtime_configuration
        )
        if not _repeats_first(dependencies, execution_engine):
            return dependencies
        for name in _window_metrics(dependencies):
            dependencies.remove_metric_configuration(name)
        kwargs = get_metric_kwargs(REPEATED_VALUES, configuration=self.configuration, runtime_configuration=runtime_configuration)
        dependencies.set_metric_configuration(
            REPEATED_VALUES,
            MetricConfiguration(REPEATED_VALUES, kwargs["metric_domain_kwargs"], kwargs["metric_value_kwargs"]),
        )
        return dependencies

    def _validate(self, metrics: dict, runtime_configuration: dict | None = None, execution_engine=None) -> dict[str, Any]:
        if REPEATED_VALUES in metrics:
            windowed = super().get_validation_dependencies(
                execution_engine=execution_engine, runtime_configuration=runtime_configuration
            )
            wanted = {name: windowed.get_metric_configuration(name) for name in _window_metrics(windowed)}
            if metrics[REPEATED_VALUES]:
                # GX's own queries: the rows that share a value, counted and listed.
                found = MetricsCalculator(execution_engine, show_progress_bars=False).get_metrics(wanted)
            else:
                found = {name: 0 if name.endswith(".unexpected_count") else [] for name in wanted}
            metrics = {**metrics, **found}
        return super()._validate(metrics, runtime_configuration, execution_engine)


def _window_metrics(dependencies) -> list[str]:
    return [name for name in dependencies.get_metric_names() if name.startswith(f"{UNIQUE_VALUES}.")]


def _repeats_first(dependencies, execution_engine) -> bool:
    """Whether the result needs no more than the count and values of the rows that share a
    value (the rows themselves, their indexes or GX's query for them are GX's to find)."""
    result_format = dependencies.result_format
    return (
        isinstance(execution_engine, SqlAlchemyExecutionEngine)
        and result_format.get("result_format") in (ResultFormat.BASIC, ResultFormat.SUMMARY)
        and not result_format.get("include_unexpected_rows")
        and not result_format.get("return_unexpected_index_query")
        and not result_format.get("unexpected_index_column_names")
    )
