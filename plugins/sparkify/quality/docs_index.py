"""GX's Data Docs index builder, reading of each live validation result only what the
index shows.

To list a validation, GX's ``DefaultSiteIndexBuilder`` loads the whole stored result
(every expectation's result, each through marshmallow's schema) and keeps its success,
its run and its asset's name. With the live hours of results (:data:`sparkify.quality.docs_window.LIVE_HOURS`)
that made each index build read about 48 results in full, and the part of an hour's cost
that grew while the live window filled. This builder reads each stored result as plain
JSON and takes those fields; the listing, its order and the page are GX's. The site
configuration (:meth:`sparkify.quality.data_docs.DataDocsSite.gx_site_config`) names it.
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict

from great_expectations.render.renderer.site_builder import FALSEY_YAML_STRINGS, DefaultSiteIndexBuilder
from great_expectations.render.util import resource_key_passes_run_name_filter

from sparkify.quality import gx_private

log = logging.getLogger(__name__)


class SummaryIndexBuilder(DefaultSiteIndexBuilder):
    # GX's private method (sparkify.quality.gx_private): when it moves, GX lists the results.
    def _add_validations_to_index_links(self, index_links_dict: OrderedDict, validation_and_profiling_result_site_keys: list) -> None:
        if not gx_private.intact():
            super()._add_validations_to_index_links(index_links_dict, validation_and_profiling_result_site_keys)
            return
        section = self.site_section_builders_config.get("validations", "None")
        if section in FALSEY_YAML_STRINGS:
            return
        run_name_filter = section["run_name_filter"]
        keys = sorted(
            (key for key in validation_and_profiling_result_site_keys if resource_key_passes_run_name_filter(key, run_name_filter)),
            key=lambda key: key.run_id.run_time,
            reverse=True,
        )
        if self.validation_results_limit:
            keys = keys[: self.validation_results_limit]
        store = self.data_context.stores[self.source_stores.get("validations") or self.data_context.validation_results_store_name]
        for key in keys:
            stored_key = store.key_to_tuple(key)
            if not store.store_backend.has_key(stored_key):
                log.warning("Validation result not found: %s - skipping", key.to_tuple())
                continue
            summary = json.loads(store.store_backend.get(stored_key))
            meta = summary.get("meta") or {}
            batch_kwargs, batch_spec = meta.get("batch_kwargs") or {}, meta.get("batch_spec") or {}
            self.add_resource_info_to_index_links_dict(
                index_links_dict=index_links_dict,
                expectation_suite_name=key.expectation_suite_identifier.name,
                section_name="validations",
                batch_identifier=key.batch_identifier,
                run_id=key.run_id,
                validation_success=summary.get("success"),
                run_time=key.run_id.run_time,
                run_name=key.run_id.run_name,
                asset_name=batch_kwargs.get("data_asset_name")
                or batch_spec.get("data_asset_name")
                or (meta.get("active_batch_definition") or {}).get("data_asset_name"),
                batch_kwargs=batch_kwargs,
                batch_spec=batch_spec,
            )
