"""Every private name of GX the gates' speed-ups touch, in one list, and the guard that
turns the speed-ups off when one of them is not where they expect it.

The gates use GX through its public extension points (custom expectations and metrics,
checkpoint actions, site builders and views named in the configuration). A few
speed-ups measured on the million-event hour need more: they override a private method
or replace a private part of GX. A GX release that renames one would make the override
silently stop being called (or, worse, be called with other arguments). So:

- each such name is listed in :data:`PRIVATE_NAMES` with the parameters the speed-up
  relies on; ``tests/pipeline/quality/test_gx_private.py`` fails when one moves, and also
  when the package touches a private name of GX that is not listed;
- :func:`intact` says whether every listed name is where it is expected; when it is not
  (or ``SPARKIFY_GX_SPEEDUPS=off``, to measure the gates without them), each speed-up
  steps aside and GX works as it ships: slower, with the same results.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import logging
import os
from dataclasses import dataclass

log = logging.getLogger(__name__)

SWITCH = "SPARKIFY_GX_SPEEDUPS"


@dataclass(frozen=True)
class PrivateName:
    """``attribute`` (dotted from ``module``) and the parameters the speed-up passes or
    receives, in order (None: not a function); ``speed_up`` is where it is used. An
    attribute GX sets on each instance (``on_instance``) is looked for on an instance of
    its class made without arguments."""

    module: str
    attribute: str
    parameters: tuple[str, ...] | None
    speed_up: str
    on_instance: bool = False

    @property
    def name(self) -> str:
        return f"{self.module}.{self.attribute}"

    def problem(self) -> str | None:
        """Why the name is not as expected, or None."""
        *owners, last = self.attribute.split(".")
        try:
            found = importlib.import_module(self.module)
            for part in owners:
                found = getattr(found, part)
            found = getattr(found() if self.on_instance else found, last)
        except (ImportError, AttributeError, TypeError) as error:
            return f"{self.name} is gone ({error})"
        if self.parameters is None:
            return None
        try:
            parameters = tuple(inspect.signature(found).parameters)
        except (TypeError, ValueError) as error:
            return f"{self.name} has no signature ({error})"
        if parameters != self.parameters:
            return f"{self.name} takes {parameters}, not {self.parameters}"
        return None


_ENGINE = "great_expectations.execution_engine.sqlalchemy_execution_engine"
PRIVATE_NAMES: tuple[PrivateName, ...] = (
    PrivateName(
        "great_expectations.datasource.fluent.sql_datasource",
        "TableAsset._fully_specified_batch_requests",
        ("self", "batch_request"),
        "sparkify.quality.hour_assets.HourTableAsset: an hour's batch without listing every hour",
    ),
    PrivateName(
        "great_expectations.datasource.fluent.sql_datasource",
        "_NoMatchDiagnostics",
        ("candidate_count", "offending_param"),
        "sparkify.quality.hour_assets.HourTableAsset",
    ),
    PrivateName(
        _ENGINE,
        "SqlAlchemyExecutionEngine._process_direct_and_bundled_metric_computation_configurations",
        ("self", "metric_fn_direct_configurations", "metric_fn_bundle_configurations"),
        "sparkify.quality.hour_assets.ConcurrentQueriesEngine: a suite's queries at once",
    ),
    PrivateName(
        _ENGINE,
        "SqlAlchemyExecutionEngine._build_direct_and_bundled_metric_computation_configurations",
        ("self", "metrics_to_resolve", "metrics", "runtime_configuration"),
        "sparkify.quality.hour_assets.ConcurrentQueriesEngine",
    ),
    PrivateName(
        "great_expectations.render.renderer.site_builder",
        "DefaultSiteIndexBuilder._add_validations_to_index_links",
        ("self", "index_links_dict", "validation_and_profiling_result_site_keys"),
        "sparkify.quality.docs_index.SummaryIndexBuilder: the index reads results as plain JSON",
    ),
    PrivateName(
        "great_expectations.checkpoint.actions",
        "UpdateDataDocsAction._build_data_docs",
        ("self", "site_names", "resource_identifiers"),
        "sparkify.quality.docs_action.UpdateDataDocs: one index rebuild a gate",
    ),
    PrivateName(
        "great_expectations.checkpoint.actions",
        "UpdateDataDocsAction._resolve_context",
        ("self",),
        "sparkify.quality.docs_action.UpdateDataDocs",
    ),
    PrivateName(
        "great_expectations.core.suite_parameters",
        "EXPR",
        None,
        "sparkify.quality.parameter_parser: a parser of suite parameters per thread (replaces this module global)",
    ),
    PrivateName(
        "great_expectations.core.suite_parameters",
        "SuiteParameterParser",
        (),
        "sparkify.quality.parameter_parser",
    ),
    PrivateName(
        "great_expectations.data_context.store.html_site_store",
        "HtmlSiteStore.copy_static_assets",
        ("self", "static_assets_source_dir"),
        "sparkify.quality.docs_site.AssetsOnceSiteBuilder: GX's assets copied once (replaced on the store)",
    ),
    PrivateName(
        "great_expectations.render.view",
        "DefaultJinjaPageView.env",
        None,
        "sparkify.quality.docs_views: page templates compiled once (the view's Jinja environment replaced)",
        on_instance=True,
    ),
)


def problems() -> list[str]:
    """What is not where the speed-ups expect it (empty when all is)."""
    return [problem for name in PRIVATE_NAMES if (problem := name.problem())]


@functools.cache
def intact() -> bool:
    """Whether the speed-ups may run: every private name is where they expect it, and
    ``SPARKIFY_GX_SPEEDUPS`` is not ``off``. Said once in the log when they may not."""
    if os.environ.get(SWITCH, "").lower() == "off":
        log.info("GX speed-ups off (%s=off): GX runs as it ships", SWITCH)
        return False
    found = problems()
    if found:
        log.warning("GX speed-ups off, GX runs as it ships (slower, same results): %s", "; ".join(found))
    return not found
