"""Warning classes of iqmodel, and the error for a missing optional dependency (other errors
are the standard ValueError, TypeError, OSError)."""

from __future__ import annotations

__all__ = [
    "IQModelWarning",
    "InsufficientMemoryError",
    "MissingDependencyError",
    "check_memory",
    "import_optional",
]


class IQModelWarning(UserWarning):
    """Something worked but deserves attention: a degenerate model, a solver fallback, rows or
    records left out, an index rebuilt. Filter it with ``warnings.simplefilter``.

    A subclass of :class:`UserWarning`; it takes the message as its only argument.

    Examples
    --------
    Regional normalisation against a "regional" signal equal to the peak signal has no
    background, and says so:

    >>> import warnings
    >>> import pandas as pd
    >>> from iqmodel.ap import regional_normalize
    >>> peak = pd.DataFrame({"a": [1.0, 3.0], "b": [2.0, 2.0]})
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     result = regional_normalize(peak, regional=peak)
    >>> [issubclass(w.category, IQModelWarning) for w in caught], result.guard
    ([True], 'all_zero')
    """


class MissingDependencyError(ImportError, RuntimeError):
    """An optional package is not installed; the message names the ``pip install`` to run.

    An :class:`ImportError` (and a :class:`RuntimeError`, so the command line reports it as
    a one-line error). It takes the message as its only argument.

    See Also
    --------
    import_optional : Raises it.

    Examples
    --------
    >>> try:
    ...     import_optional("iqmodel_no_such_package", "extra", "this example")
    ... except MissingDependencyError as error:
    ...     print(isinstance(error, ImportError), "iqmodel[extra]" in str(error))
    True True
    """


def import_optional(module: str, extra: str, purpose: str):
    """Import an optional dependency, or say which extra of iqmodel installs it.

    Parameters
    ----------
    module : str
        Module to import, e.g. ``"anndata"``.
    extra : str
        The iqmodel extra that installs it, e.g. ``"anndata"`` (``pip install
        iqmodel[anndata]``).
    purpose : str
        What needs it, for the message (e.g. ``"reading .h5ad files"``).

    Returns
    -------
    module
        The imported module.

    Raises
    ------
    MissingDependencyError
        When the module cannot be imported.

    Examples
    --------
    >>> import_optional("json", "core", "an example").dumps([1, 2])
    '[1, 2]'
    >>> import_optional("no_such_package", "extra", "reading X")
    Traceback (most recent call last):
    ...
    iqmodel.exceptions.MissingDependencyError: reading X needs the no_such_package package, ...
    """
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise MissingDependencyError(
            f"{purpose} needs the {module} package, which is not installed ({error}); "
            f"pip install 'iqmodel[{extra}]' (or pip install {module})"
        ) from None


class InsufficientMemoryError(MemoryError, RuntimeError):
    """A stage would need more memory than the machine has available; raised before the
    stage starts, with the estimate and the options that lower it in the message.

    A :class:`MemoryError` (and a :class:`RuntimeError`, so the command line reports it as a
    one-line error). It takes the message as its only argument.

    Examples
    --------
    >>> raise InsufficientMemoryError("the screen needs 31.2 GB; 7.9 GB are available")
    Traceback (most recent call last):
    ...
    iqmodel.exceptions.InsufficientMemoryError: the screen needs 31.2 GB; 7.9 GB are available
    """


def available_memory() -> int | None:
    """Bytes of memory available for new allocations (``MemAvailable`` of ``/proc/meminfo``),
    or None where the system does not say (not Linux).

    Examples
    --------
    >>> available = available_memory()
    >>> available is None or available > 0
    True
    """
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def check_memory(needed: float, what: str, fix: str) -> None:
    """Raise :class:`InsufficientMemoryError` when ``needed`` bytes exceed the available memory.

    Parameters
    ----------
    needed : float
        Estimated bytes the stage will allocate.
    what : str
        The stage and its shapes, for the message (e.g. ``"the database screen of 80,000
        peaks"``).
    fix : str
        The options that lower the need, for the message.

    Raises
    ------
    InsufficientMemoryError
        When the estimate exceeds :func:`available_memory` (never where that is unknown).

    Examples
    --------
    >>> check_memory(1024, "a tiny stage", "nothing")  # fits anywhere
    >>> check_memory(2**70, "a huge stage", "use fewer peaks")
    Traceback (most recent call last):
    ...
    iqmodel.exceptions.InsufficientMemoryError: a huge stage needs about ... of memory but ...
    """
    available = available_memory()
    if available is not None and needed > available:
        raise InsufficientMemoryError(
            f"{what} needs about {_bytes(needed)} of memory but {_bytes(available)} are "
            f"available; {fix}"
        )


def _bytes(n: float) -> str:
    """``n`` bytes in GB, MB or kB (``"1.4 GB"``)."""
    for unit, size in (("GB", 1e9), ("MB", 1e6)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n / 1e3:.1f} kB"
