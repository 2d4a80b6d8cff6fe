"""Thread-count control shared by every parallel entry point."""

from __future__ import annotations

from collections.abc import Iterator
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
