"""Calls made from many threads at once, for tests of merged batches."""

import threading
import time
from collections.abc import Callable, Hashable


def call_together(calls: dict[Hashable, Callable[[], object]], gate: threading.Event) -> dict:
    """Run each call on a thread of its own while the batcher's first batch waits on `gate`, so the
    other calls queue up behind it; then release the gate and return each call's result by key."""
    results = {}
    threads = [threading.Thread(target=lambda k=k, call=call: results.__setitem__(k, call()))
               for k, call in calls.items()]
    for t in threads:
        t.start()
    time.sleep(0.2)
    gate.set()
    for t in threads:
        t.join()
    return results
