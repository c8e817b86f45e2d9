"""What the apps above do when a worker dies: each registers a function that is given the dead workers' ids.

The workers app sits low in the layers and knows no app's jobs; an app whose rows follow a task's run (the import
jobs of chizai.exchange) registers here from its AppConfig.ready, as a lock the lower layer must respect would.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

WorkerDeathHandler = Callable[[Collection[str]], object]

_handlers: list[WorkerDeathHandler] = []


def on_worker_death(handler: WorkerDeathHandler) -> WorkerDeathHandler:
    """Register `handler(worker_ids)`; it runs inside the transaction that declares those workers dead."""
    if handler not in _handlers:
        _handlers.append(handler)
    return handler


def worker_death_handlers() -> list[WorkerDeathHandler]:
    return list(_handlers)
