"""What the apps above do when a worker starts, and when one dies: each registers a function here.

The workers app sits low in the layers and knows no app's jobs; an app whose rows follow a task's run (the import
jobs of chizai.exchange) registers here from its AppConfig.ready, as a lock the lower layer must respect would.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

WorkerDeathHandler = Callable[[Collection[str]], object]
WorkerStartHandler = Callable[[], object]

_handlers: list[WorkerDeathHandler] = []
_start_handlers: list[WorkerStartHandler] = []


def on_worker_start(handler: WorkerStartHandler) -> WorkerStartHandler:
    """Register `handler()`; a worker process runs it once, before it takes its first task (e.g. to get ready
    what its first task would otherwise wait for)."""
    if handler not in _start_handlers:
        _start_handlers.append(handler)
    return handler


def worker_start_handlers() -> list[WorkerStartHandler]:
    return list(_start_handlers)


def on_worker_death(handler: WorkerDeathHandler) -> WorkerDeathHandler:
    """Register `handler(worker_ids)`; it runs inside the transaction that declares those workers dead."""
    if handler not in _handlers:
        _handlers.append(handler)
    return handler


def worker_death_handlers() -> list[WorkerDeathHandler]:
    return list(_handlers)
