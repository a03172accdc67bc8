"""Run an iterator on a background thread, a few items ahead of its consumer.

Decoding a video (FFmpeg inside OpenCV) and finding faces (MTCNN in torch) both release the GIL for
their heavy parts, so a decoding thread keeps the next frames coming while the current ones are being
searched: the analysis then takes about as long as the slower of the two, not their sum.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
_POLL_S = 0.1  # how often a blocked producer checks whether its consumer has gone


class _End:
    def __init__(self, error: BaseException | None = None):
        self.error = error


def prefetched(items: Iterable[T], depth: int = 4) -> Iterator[T]:
    """Yield what `items` yields, produced on another thread at most `depth` items ahead.

    An exception raised by `items` is raised here, after the items produced before it. A consumer
    that stops early (an error, or `close()`) stops the producer too, so no thread outlives it.
    """
    buffer: queue.Queue = queue.Queue(maxsize=max(1, depth))
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                buffer.put(item, timeout=_POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def produce():
        try:
            for item in items:
                if not put(item):
                    return
            put(_End())
        except BaseException as error:  # handed to the consumer, which raises it in its own thread
            put(_End(error))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()  # a generator's `finally` (releasing the decoder) runs on its own thread

    thread = threading.Thread(target=produce, name="prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item = buffer.get()
            if isinstance(item, _End):
                if item.error is not None:
                    raise item.error
                return
            yield item
    finally:
        stop.set()
        thread.join()
