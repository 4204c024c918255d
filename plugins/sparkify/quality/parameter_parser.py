"""GX's parser of suite parameters, one per thread, so a gate can validate two checkpoints
at once.

GX evaluates every ``{"$PARAMETER": ...}`` of a suite with one module-level parser
(``great_expectations.core.suite_parameters.EXPR``): a pyparsing grammar whose parse
actions push onto a stack kept on that one object, then evaluated and emptied. Two threads
parsing at once share the stack and pyparsing's first-call handling of the parse actions:
they fail ("push_first() missing 1 required positional argument: 'toks'", "pop from
empty list") and, worse, can evaluate another thread's expression and return a wrong
bound without an error (four threads parsing 200 times each did both, every run). Each
thread gets its own parser here: its own grammar and stack, the same code.
"""

from __future__ import annotations

import threading

from great_expectations.core import suite_parameters

from sparkify.quality import gx_private


class _ParserPerThread(threading.local):
    """Stands where GX keeps its one parser; every attribute is that of this thread's."""

    def __init__(self) -> None:
        self.parser = suite_parameters.SuiteParameterParser()

    def __getattr__(self, name: str):
        return getattr(self.parser, name)


def parse_parameters_per_thread() -> None:
    """Gives every thread its own GX parser of suite parameters (idempotent), unless GX's
    parser moved (:mod:`sparkify.quality.gx_private`): a gate then validates its
    checkpoints one at a time (:class:`sparkify.quality.checkpoint_group.CheckpointGroup`)."""
    if gx_private.intact() and not isinstance(suite_parameters.EXPR, _ParserPerThread):
        suite_parameters.EXPR = _ParserPerThread()
