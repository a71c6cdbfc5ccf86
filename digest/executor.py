"""Where the per-document work runs: in the build's own process, in a pool of worker
processes on this machine, or on the workers of a Dask cluster.

One seam, :meth:`Executor.map`: a picklable function over a list, results in input
order, so a briefing is the same bytes wherever each part ran. On workers, work starts
when ``map`` is called, not when its results are read, so the caller can go on with
something else meanwhile (in the build's own process it runs when read). Nothing is
started before the first ``map``: a run that stops early (nothing new) or reads a
handful of documents pays for no pool, and a cluster is contacted only when there is
work for it.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor as _Pool
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar, cast

from .errors import DigestError

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from distributed import Client

T = TypeVar("T")
R = TypeVar("R")

# Below this many units of work (documents) a pool costs more than it saves: starting two
# forked workers, a task each and shutting them down took 26 ms on the 2-core machine,
# reading one document 1-3 ms, and the results' trip back adds a fifth; break-even is
# about 45 documents (bench/README.md, issue 16). Dask is not subject to it: its
# operator chose the cluster.
POOL_MIN_ITEMS = 100


class ExecutorError(DigestError):
    """The cluster could not be reached, or lost the work for good."""


class Executor(Protocol):
    """Runs a function over items; see the module's docstring."""

    @property
    def workers(self) -> int:
        """How many processes share the work (1: it all runs here)."""

    def map(
        self, func: Callable[[T], R], items: Sequence[T], *, units: int | None = None
    ) -> Iterator[R]:
        """``func`` over ``items``, results in input order; on workers, started at once.
        ``units``: how much work the items hold (the documents in batches), if not one
        each."""

    def aside(self, func: Callable[..., R], *args: Any, **kwargs: Any) -> Callable[[], R]:
        """``func(*args, **kwargs)`` started now beside the caller, which reads the result
        by calling what this returns (once). For a stage that only reads what the build's
        process holds: a forked copy of the process runs it, so nothing is sent but the
        result. Where there is no pool (one job, a small build, a cluster), it runs
        when its result is read."""


@dataclass(frozen=True)
class Settings:
    """Which executor a build uses: ``build`` in the config, ``--jobs`` over it."""

    jobs: int = 1
    kind: Literal["local", "dask"] = "local"
    scheduler: str | None = None  # the Dask scheduler's address, tcp://host:8786
    connect_timeout: float = 10.0  # seconds to reach the scheduler


def cores() -> int:
    """The cores this process may run on (its affinity, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


class Inline:
    """Everything in the build's own process, in order: ``--jobs 1``. Each result is
    made when it is read: with no one to work meanwhile, a stage sent ahead (the who's
    who) runs where it always ran, after the stages that free what they read."""

    workers = 1

    def map(
        self, func: Callable[[T], R], items: Sequence[T], *, units: int | None = None
    ) -> Iterator[R]:
        return (func(item) for item in items)

    def aside(self, func: Callable[..., R], *args: Any, **kwargs: Any) -> Callable[[], R]:
        return lambda: func(*args, **kwargs)


class Pool:
    """Worker processes on this machine, started by the first ``map`` that has enough
    items for them (``POOL_MIN_ITEMS``); a smaller one runs here."""

    def __init__(self, jobs: int) -> None:
        self.workers = jobs
        self._pool: _Pool | None = None
        self._asides: list[multiprocessing.process.BaseProcess] = []

    def map(
        self, func: Callable[[T], R], items: Sequence[T], *, units: int | None = None
    ) -> Iterator[R]:
        if self._pool is None and (len(items) if units is None else units) < POOL_MIN_ITEMS:
            return Inline().map(func, items)
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.workers, mp_context=_context(), initializer=_worker_start
            )
        return _unbroken(self._pool.map(func, items))

    def aside(self, func: Callable[..., R], *args: Any, **kwargs: Any) -> Callable[[], R]:
        """Forked only once the build was large enough for the pool, and where fork is
        the platform's way (Linux): the child shares the build's memory as it stands."""
        if self._pool is None or sys.platform != "linux":
            return Inline().aside(func, *args, **kwargs)
        context = multiprocessing.get_context("fork")
        receive, send = context.Pipe(duplex=False)
        child = context.Process(target=_aside, args=(send, func, args, kwargs), daemon=True)
        child.start()
        send.close()
        self._asides.append(child)

        def result() -> R:
            try:
                outcome: tuple[bool, Any] | None = receive.recv()
            except EOFError:
                outcome = None  # it died before it could answer
            finally:
                receive.close()
            child.join()
            self._asides.remove(child)
            if outcome is None:
                raise ExecutorError(
                    f"a worker process died (exit code {child.exitcode}; out of memory? "
                    "try --jobs 1)"
                )
            done, value = outcome
            if not done:
                raise value
            return cast(R, value)

        return result

    def close(self) -> None:
        for child in self._asides:  # a result nobody read: the build failed meanwhile
            child.kill()
            child.join()
        self._asides.clear()
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None


def _aside(send: Connection, func: Callable[..., Any], args: Any, kwargs: Any) -> None:
    """In the forked child: run, and send back the result or the error it raised."""
    try:
        outcome: tuple[bool, Any] = (True, func(*args, **kwargs))
    except Exception as exc:
        outcome = (False, exc)
    try:
        send.send(outcome)
    except Exception as exc:  # an error that cannot be pickled: say what it was
        send.send((False, ExecutorError(f"{type(exc).__name__}: {exc}")))


def _unbroken(results: Iterator[R]) -> Iterator[R]:
    """The results, or the library's error if a worker died (killed: out of memory?)."""
    try:
        yield from results
    except BrokenProcessPool as exc:
        raise ExecutorError(f"a worker process died: {exc} (out of memory? try --jobs 1)") from None


def _context() -> Any:
    """Fork where it is safe and cheap (Linux): a worker starts with every module the
    build has imported and none of the import time; elsewhere the platform's default.
    The build forks once the sources are fetched, when no fetch is left running (to
    parse the feeds, from a thread that runs no event loop), or when it first reads."""
    if sys.platform == "linux":
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()  # pragma: no cover


def _worker_start() -> None:
    """A worker as it would be forked inside the analysis, wherever it was forked: the
    cyclic collector paused (build._collector_paused: the analysis makes no cycles), and
    Ctrl-C handled as Python does, not by the event loop of the sources' fetching, which
    a worker forked during it inherits with no loop to run it."""
    gc.disable()
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.set_wakeup_fd(-1)


class Dask:
    """The workers of a Dask cluster (``build.executor: dask``). Dask schedules, moves
    the data and sends again the tasks of a worker that died; this class only connects,
    submits and gathers."""

    def __init__(self, scheduler: str, timeout: float) -> None:
        self.scheduler = scheduler
        self.timeout = timeout
        self._client: Client | None = None

    @property
    def workers(self) -> int:
        return max(1, len(self._connect().scheduler_info().get("workers", {})))

    def _connect(self) -> Client:
        if self._client is None:
            from distributed import Client

            try:
                self._client = Client(self.scheduler, timeout=self.timeout, set_as_default=False)
            except (OSError, TimeoutError) as exc:
                raise ExecutorError(
                    f"cannot reach the Dask scheduler at {self.scheduler} (build.scheduler): {exc}"
                ) from None
        return self._client

    def aside(self, func: Callable[..., R], *args: Any, **kwargs: Any) -> Callable[[], R]:
        return Inline().aside(func, *args, **kwargs)  # it reads this process's memory

    def map(
        self, func: Callable[[T], R], items: Sequence[T], *, units: int | None = None
    ) -> Iterator[R]:
        client = self._connect()
        futures = client.map(func, list(items), pure=False)

        def gathered() -> Iterator[R]:
            from distributed import KilledWorker
            from distributed.client import FutureCancelledError

            try:
                for future in futures:
                    yield future.result()
            except KilledWorker as exc:  # its workers died with it, again and again
                raise ExecutorError(f"the Dask cluster gave up on a task: {exc}") from None
            except (FutureCancelledError, OSError, TimeoutError) as exc:
                raise ExecutorError(f"the Dask cluster lost the work: {exc}") from None
            finally:
                for future in futures:
                    future.release()

        return gathered()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


@contextmanager
def running(settings: Settings) -> Iterator[Executor]:
    """The executor the settings name, closed (its workers stopped, the client
    disconnected) when the build is done, however it ends."""
    chosen: Inline | Pool | Dask
    if settings.kind == "dask":
        if not settings.scheduler:
            raise ExecutorError("build.executor is dask but build.scheduler is not set")
        chosen = Dask(settings.scheduler, settings.connect_timeout)
    elif settings.jobs > 1:
        chosen = Pool(settings.jobs)
    else:
        chosen = Inline()
    try:
        yield chosen
    finally:
        if not isinstance(chosen, Inline):
            chosen.close()


Job = tuple[Callable[..., R], tuple[Any, ...], dict[str, Any]]


def call(job: Job[R]) -> R:
    """``func(*args, **kwargs)``: a whole stage as one task, so that it runs on a worker
    while the build's process goes on with the stages that do not wait for it."""
    func, args, kwargs = job
    return func(*args, **kwargs)


def batches(items: Sequence[T], workers: int, *, size: int = 64) -> list[Sequence[T]]:
    """``items`` cut into runs to send as one task each: at most ``size`` (a task is
    worth its round trip, a lost worker costs little), and at least four a worker
    while there are items enough, so that no worker waits on a slow last batch."""
    if not items:
        return []
    per = max(1, min(size, -(-len(items) // (4 * max(1, workers)))))
    return [items[i : i + per] for i in range(0, len(items), per)]
