"""The GX data source type ``sparkify_warehouse`` (``gx/great_expectations.yml``): GX's
SQL data source, whose table assets take a request that names every partition value as
the batch itself.

To find the batch a request names, GX's SQL table asset first lists every value of the
partition column (``SELECT DISTINCT batch_hour`` over the whole table) and keeps the one
asked for. That scan grows with the table's history and runs for every checkpoint of
every hour: 0.3 s for a table of one million-event hour, and the staging tables keep
every hour. A gate asks only for the hour it has checked holds rows
(``ValidateCheckpointOperator``), so the hour it names is the batch. A request that
leaves a partition value open is answered as GX answers it.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from great_expectations.datasource.fluent.interfaces import DataAsset
from great_expectations.datasource.fluent.sql_datasource import SQLDatasource, TableAsset, _NoMatchDiagnostics


class HourTableAsset(TableAsset):
    # The same name as GX's: each data source type has its own asset types.
    type: Literal["table"] = "table"

    def _fully_specified_batch_requests(self, batch_request):
        if batch_request.partitioner is not None:
            names = self.get_partitioner_implementation(batch_request.partitioner).param_names
            if all(batch_request.options.get(name) is not None for name in names):
                return [batch_request], _NoMatchDiagnostics(candidate_count=1, offending_param=None)
        return super()._fully_specified_batch_requests(batch_request)


class WarehouseDatasource(SQLDatasource):
    type: Literal["sparkify_warehouse"] = "sparkify_warehouse"
    asset_types: ClassVar[list[type[DataAsset]]] = [HourTableAsset]
    assets: list[HourTableAsset] = []
