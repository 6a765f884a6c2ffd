"""A billing run's database work in background threads, so that PostgreSQL writes one batch (and
reads the next) while Python prices the current one: on two cores the two overlap.

`Background` runs jobs one after another in one thread. With `shared=True` the thread uses the
caller's connection, hence its transaction (one run stays one transaction): the caller then makes no
query while jobs are queued — it only computes between `submit` and `Future.result()`. The
connection is shared the way Django's live test server shares one (`connections[alias] = wrapper`
in the thread, thread sharing allowed). With `shared=False` the thread has a connection of its own
(read-only work on committed data), closed at the end.

Without `threaded` (SQLite, MariaDB: the embedded and the small set-ups) a job runs at `submit`.
"""

import sys
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from django.db import DEFAULT_DB_ALIAS, connections

# While the run's threads hand the GIL back and forth, a thread whose query has returned should not
# wait the default 5 ms for the pricing thread to let it go.
SWITCH_INTERVAL = 0.0005


def pipelined(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether a run works in the background: on PostgreSQL (where the large organisations are)."""
    return connections[using].vendor == "postgresql"


class Background:
    def __init__(self, *, threaded: bool, shared: bool = True, using: str = DEFAULT_DB_ALIAS):
        self.using = using
        self.threaded = threaded
        self.shared = shared
        self._executor: ThreadPoolExecutor | None = None
        self._submitted: list[Future] = []

    def __enter__(self) -> "Background":
        if self.threaded:
            self._interval = sys.getswitchinterval()
            sys.setswitchinterval(min(self._interval, SWITCH_INTERVAL))
            if self.shared:
                wrapper = connections[self.using]
                wrapper.inc_thread_sharing()
                self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="billing-db",
                                                    initializer=self._adopt, initargs=(wrapper,))
            else:
                self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="billing-read")
        return self

    def _adopt(self, wrapper) -> None:
        connections[self.using] = wrapper  # this thread's `connection` is the caller's

    def submit(self, job: Callable, *args) -> Future:
        """`job(*args)` after the jobs submitted before it (in the thread, or now)."""
        if self._executor is not None:
            self._submitted = [f for f in self._submitted if not f.done()]
            self._submitted.append(self._executor.submit(job, *args))
            return self._submitted[-1]
        future = Future()
        try:
            future.set_result(job(*args))
        except BaseException as exc:  # noqa: BLE001 - handed to whoever asks for the result
            future.set_exception(exc)
        return future

    def __exit__(self, exc_type, exc, tb) -> None:
        if self._executor is None:
            return
        try:
            if exc_type is not None:
                # The caller failed: jobs not started are dropped, the running one finishes before
                # the transaction is rolled back on the connection.
                for future in self._submitted:
                    future.cancel()
            self._executor.submit(self._release).result()
        finally:
            self._executor.shutdown(wait=True)
            if self.shared:
                connections[self.using].dec_thread_sharing()
            sys.setswitchinterval(self._interval)

    def _release(self) -> None:
        if self.shared:
            del connections[self.using]  # forget the borrowed wrapper: nothing here may close it
        else:
            connections[self.using].close()
