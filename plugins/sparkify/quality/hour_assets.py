"""The GX data source type ``sparkify_warehouse`` (``gx/great_expectations.yml``): GX's
SQL data source, whose table assets take a request that names every partition value as
the batch itself, and whose engine sends a suite's independent queries at once
(:class:`ConcurrentQueriesEngine`).

To find the batch a request names, GX's SQL table asset first lists every value of the
partition column (``SELECT DISTINCT batch_hour`` over the whole table) and keeps the one
asked for. That scan grows with the table's history and runs for every checkpoint of
every hour: 0.3 s for a table of one million-event hour, and the staging tables keep
every hour. A gate asks only for the hour it has checked holds rows
(``ValidateCheckpointOperator``), so the hour it names is the batch. A request that
leaves a partition value open is answered as GX answers it.
"""

from __future__ import annotations

import contextvars
from concurrent.futures import ThreadPoolExecutor
from typing import ClassVar, Literal

from great_expectations.datasource.fluent.interfaces import DataAsset
from great_expectations.datasource.fluent.sql_datasource import SQLDatasource, TableAsset, _NoMatchDiagnostics
from great_expectations.execution_engine import SqlAlchemyExecutionEngine

# Queries of one suite sent at once: the local server has two cores, and a gate runs two
# suites at once (ValidateCheckpointOperator).
QUERIES_AT_ONCE = 2


class HourTableAsset(TableAsset):
    # The same name as GX's: each data source type has its own asset types.
    type: Literal["table"] = "table"

    def _fully_specified_batch_requests(self, batch_request):
        if batch_request.partitioner is not None:
            names = self.get_partitioner_implementation(batch_request.partitioner).param_names
            if all(batch_request.options.get(name) is not None for name in names):
                return [batch_request], _NoMatchDiagnostics(candidate_count=1, offending_param=None)
        return super()._fully_specified_batch_requests(batch_request)


class ConcurrentQueriesEngine(SqlAlchemyExecutionEngine):
    """GX's SQL execution engine, sending the queries of one step of a suite's metric
    graph at once, each on its own connection of the engine's pool.

    GX resolves a suite's metrics in steps (a metric waits for those it depends on) and
    sends a step's queries one after another; the suite waits for each. On a million-row
    hour the staging suite's duplicate check takes most of a second while three more
    checks of the same step wait behind it. The queries of a step are independent by
    construction, so each is resolved by GX's own code (results, errors and cache as
    GX has them), only not in turn.
    """

    def _process_direct_and_bundled_metric_computation_configurations(
        self, metric_fn_direct_configurations, metric_fn_bundle_configurations
    ):
        resolve = super()._process_direct_and_bundled_metric_computation_configurations
        if len(metric_fn_direct_configurations) + bool(metric_fn_bundle_configurations) <= 1:
            return resolve(metric_fn_direct_configurations, metric_fn_bundle_configurations)
        with ThreadPoolExecutor(QUERIES_AT_ONCE, thread_name_prefix="gx-metric") as pool:
            resolving = [pool.submit(contextvars.copy_context().run, resolve, [c], []) for c in metric_fn_direct_configurations]
            if metric_fn_bundle_configurations:
                resolving.append(pool.submit(contextvars.copy_context().run, resolve, [], metric_fn_bundle_configurations))
            resolved = {}
            # In order: the first failed metric is the one raised, as GX raises it.
            for metric in resolving:
                resolved.update(metric.result())
        return resolved


class WarehouseDatasource(SQLDatasource):
    type: Literal["sparkify_warehouse"] = "sparkify_warehouse"
    asset_types: ClassVar[list[type[DataAsset]]] = [HourTableAsset]
    assets: list[HourTableAsset] = []

    @property
    def execution_engine_type(self) -> type[SqlAlchemyExecutionEngine]:
        return ConcurrentQueriesEngine
