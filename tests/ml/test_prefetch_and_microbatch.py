"""The two pieces the throughput work stands on: a decoding thread ahead of detection, and merged batches."""

import threading
import time

import pytest

from ml.media.prefetch import prefetched
from ml.serving.microbatch import MicroBatcher
from tests.concurrency import call_together


def prefetch_threads():
    return [t for t in threading.enumerate() if t.name == "prefetch"]


def test_prefetched_yields_everything_in_order_then_raises_the_producers_error():
    def frames():
        yield from range(5)
        raise ValueError("the file stops early")

    got = []
    with pytest.raises(ValueError, match="stops early"):
        for item in prefetched(frames(), depth=2):
            got.append(item)
    assert got == [0, 1, 2, 3, 4]


def test_a_consumer_that_stops_early_stops_the_producer_and_its_cleanup_runs():
    released = threading.Event()

    def frames():
        try:
            for i in range(10_000):
                yield i
        finally:
            released.set()  # the decoder is released

    it = prefetched(frames(), depth=3)
    assert next(it) == 0
    it.close()
    assert released.wait(2) and not prefetch_threads()


def test_the_producer_runs_ahead_while_the_consumer_works():
    def slow_frames():
        for i in range(4):
            time.sleep(0.1)  # decoding
            yield i

    start = time.perf_counter()
    for _ in prefetched(slow_frames(), depth=4):
        time.sleep(0.1)  # detecting
    assert time.perf_counter() - start < 0.7  # overlapped: ~0.5 s, not the 0.8 s of one after the other


def test_concurrent_calls_are_merged_and_each_caller_gets_its_own_results():
    calls = []
    gate = threading.Event()

    def run(items, key):
        gate.wait(2)  # hold the first batch so the other callers queue up behind it
        calls.append(list(items))
        return [x * 10 for x in items]

    batcher = MicroBatcher(run, max_items=100)
    results = call_together({n: lambda n=n: batcher([n, n + 1]) for n in range(0, 40, 2)}, gate)
    assert results == {n: [n * 10, (n + 1) * 10] for n in range(0, 40, 2)}
    assert len(calls) < len(results)  # merged
    batcher.close()


def test_items_of_different_keys_are_never_mixed_and_batches_respect_the_limit():
    seen = []

    def run(items, key):
        seen.append((key, list(items)))  # checked below, in the test's thread: a failed assert here
        return items  # would only reach the batcher's callers, which run in threads of their own

    batcher = MicroBatcher(run, max_items=4)
    threads = [threading.Thread(target=batcher, args=([(k, i) for i in range(3)], k)) for k in "abab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(item[0] == key for key, items in seen for item in items)
    assert sum(len(items) for _, items in seen) == 12 and all(len(items) <= 4 for _, items in seen)
    batcher.close()


def test_an_error_reaches_every_caller_of_that_batch_and_the_batcher_goes_on():
    def run(items, key):
        if "bad" in items:
            raise RuntimeError("CUDA out of memory")
        return items

    batcher = MicroBatcher(run, max_items=8)
    with pytest.raises(RuntimeError, match="out of memory"):
        batcher(["bad"])
    assert batcher(["good"]) == ["good"]
    batcher.close()
    batcher._thread.join(2)
    assert not batcher._thread.is_alive()


def test_a_call_after_close_is_answered_not_left_waiting():
    """An analysis still running on a model's engines when a newly activated model replaces them
    (microbatch.shared_engines closes the old ones) gets its answers; it waited forever before."""
    batcher = MicroBatcher(lambda items, key: [x + 1 for x in items], max_items=8)
    batcher.close()
    batcher._thread.join(2)
    answer = []
    caller = threading.Thread(target=lambda: answer.append(batcher([1, 2])), daemon=True)
    caller.start()
    caller.join(5)
    assert answer == [[2, 3]]


def test_calls_racing_a_close_are_all_answered():
    batcher = MicroBatcher(lambda items, key: list(items), max_items=4)
    results = {}
    threads = [threading.Thread(target=lambda n=n: results.__setitem__(n, batcher([n])), daemon=True)
               for n in range(20)]
    for n, thread in enumerate(threads):
        thread.start()
        if n == 10:
            batcher.close()  # half the callers before the close, half after (some while it is read)
    for thread in threads:
        thread.join(5)
    assert results == {n: [n] for n in range(20)}
