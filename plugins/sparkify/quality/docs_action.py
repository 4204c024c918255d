"""The checkpoint action ``sparkify_update_data_docs`` (listed in each
``gx/checkpoints/*.json``): GX's ``update_data_docs``, whose index rebuild a gate can
leave to its last checkpoint.

GX rebuilds the site's index after every checkpoint, reading every live validation
result again; a gate runs up to five checkpoints in a row, and the index its first ones
would build is replaced moments later. Run on its own, a checkpoint builds its index.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Literal

from great_expectations.checkpoint.actions import UpdateDataDocsAction

from sparkify.quality import gx_private

# Not a field of the action: GX refuses to run a checkpoint whose actions differ from
# the stored ones.
_index_deferred: ContextVar[bool] = ContextVar("index_deferred", default=False)


@contextmanager
def index_deferred() -> Iterator[None]:
    """Checkpoints run inside build their pages but leave the index to a later one."""
    token = _index_deferred.set(True)
    try:
        yield
    finally:
        _index_deferred.reset(token)


class UpdateDataDocs(UpdateDataDocsAction):
    type: Literal["sparkify_update_data_docs"] = "sparkify_update_data_docs"

    # GX's private method (sparkify.quality.gx_private): when it moves, every checkpoint
    # builds the index, as GX's action does.
    def _build_data_docs(self, site_names: list[str] | None = None, resource_identifiers: list | None = None) -> dict:
        if not gx_private.intact():
            return super()._build_data_docs(site_names=site_names, resource_identifiers=resource_identifiers)
        return self._resolve_context().context.build_data_docs(
            site_names=site_names,
            resource_identifiers=resource_identifiers,
            dry_run=False,
            build_index=not _index_deferred.get(),
        )
