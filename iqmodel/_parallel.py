"""Thread-count control shared by every parallel entry point, and the Dask dispatch.

Work goes to a Dask cluster when the user activates joblib's Dask backend, the convention of
scikit-learn-style libraries::

    from dask.distributed import Client
    import joblib

    client = Client("tcp://scheduler:8786")
    with joblib.parallel_config(backend="dask"):
        model.fit(seqs, dap)

:func:`map_tiles` then sends independent tiles of work to the workers through
:class:`joblib.Parallel`; without that backend everything runs here on numba threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager


def resolve_n_jobs(n_jobs: int | None) -> int:
    """Number of threads for ``n_jobs`` (None or -1: all available; -2: all but one; ...)."""
    import numba

    available = numba.config.NUMBA_NUM_THREADS
    if n_jobs is None:
        return available
    if not isinstance(n_jobs, (int,)) or isinstance(n_jobs, bool) or n_jobs == 0:
        raise ValueError(f"n_jobs must be a non-zero integer or None, got {n_jobs!r}")
    if n_jobs < 0:
        return max(1, available + 1 + n_jobs)
    return min(n_jobs, available)


@contextmanager
def thread_limit(n_jobs: int | None) -> Iterator[int]:
    """Run numba parallel code with ``n_jobs`` threads, restoring the previous setting after."""
    import numba

    previous = numba.get_num_threads()
    n_threads = resolve_n_jobs(n_jobs)
    numba.set_num_threads(n_threads)
    try:
        yield n_threads
    finally:
        numba.set_num_threads(previous)


# numba's default "workqueue" threading layer must not be entered by two threads of one
# process at once: tiles in a multi-threaded Dask worker take turns, each with all of the
# worker's threads
_KERNEL_LOCK = threading.Lock()


def dask_backend_active() -> bool:
    """Whether work should go to a Dask cluster: joblib's Dask backend is active here and this
    process is not itself a Dask worker (a worker computes its tiles locally)."""
    from joblib.parallel import get_active_backend

    backend, _ = get_active_backend()
    if type(backend).__name__ != "DaskDistributedBackend":
        return False
    return _worker_threads() is None


def _worker_threads() -> int | None:
    """Threads of the Dask worker running this code, or None outside a worker."""
    try:
        from distributed import get_worker

        return int(get_worker().state.nthreads)
    except (ImportError, ValueError):
        return None


def map_tiles(task: Callable, arguments: Sequence[tuple], shared: tuple = ()) -> list:
    """``[task(*shared, *args) for args in arguments]``, each call a task on the Dask cluster.

    Each task runs its numba kernels with the threads its worker declares
    (``--nthreads``), one task per worker process at a time, so worker processes x threads
    never oversubscribe the cores. ``task`` must be a module-level function. Each large
    object in ``shared`` travels to the cluster once (joblib scatters it), not with every
    task.
    """
    from joblib import Parallel, delayed

    return Parallel(batch_size=1)(delayed(_run_tile)(task, args, *shared) for args in arguments)


def _run_tile(task: Callable, args: tuple, *shared):
    with _KERNEL_LOCK, thread_limit(_worker_threads() or 1):
        return task(*shared, *args)
