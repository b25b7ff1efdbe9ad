"""The cyclic garbage collector paused while a batch is verified.

Verifying a reference list allocates tens of thousands of objects that live until its report is
made (parsed records, comparisons, results), and CPython's collector, triggered by allocations,
traverses them and every long-lived object of the process (the index's caches, the models, the
parsers) again and again: a sixth to a third of the time of `Verifier.verify` on the dev BibTeX
split. Those objects hold no reference cycles that need the collector (reference counting frees them
as the report is dropped), so it is paused for the call and resumed after it. (Verifying makes no
reference cycles on any dev set, `tests/test_structure.py`; any a call did make are collected by a
later collection.)

Resuming it plainly would undo much of the gain: everything the call allocated counts as young, so
the first allocation after it starts a collection that walks every object the call made and that is
still alive (its report: 30 ms after a pass over the 1,119 dev BibTeX entries, 4% of it). Instead,
those objects are moved to the oldest generation without being walked (`gc.freeze()` then
`gc.unfreeze()`, two list splices): they are freed by reference counting when the caller drops the
report, and a full collection would still see any cycle among them. Not when the process has frozen
objects of its own (a server that froze what it preloaded): unfreezing would thaw them, so there the
collector is resumed as it was.

Threads share one collector, so pauses nest: the first call to enter pauses it (if it was running)
and the last to leave resumes it. A collector the application disabled itself is left alone.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_paused"]

_lock = threading.Lock()
_depth = 0
_paused_by_us = False


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the block (see the module docstring)."""
    global _depth, _paused_by_us
    with _lock:
        if _depth == 0 and gc.isenabled():
            gc.disable()
            _paused_by_us = True
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _paused_by_us:
                _paused_by_us = False
                if gc.get_freeze_count() == 0:
                    gc.freeze()  # the call's objects (all objects) to the oldest generation, unwalked
                    gc.unfreeze()
                gc.enable()
