"""Warning classes of iqmodel, and the error for a missing optional dependency (other errors
are the standard ValueError, TypeError, OSError)."""

from __future__ import annotations

__all__ = ["IQModelWarning", "MissingDependencyError", "import_optional"]


class IQModelWarning(UserWarning):
    """Something worked but deserves attention: a degenerate model, a solver fallback, rows or
    records left out, an index rebuilt. Filter it with ``warnings.simplefilter``."""


class MissingDependencyError(ImportError, RuntimeError):
    """An optional package is not installed; the message names the ``pip install`` to run.

    An :class:`ImportError` (and a :class:`RuntimeError`, so the command line reports it as
    a one-line error).
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
    """
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise MissingDependencyError(
            f"{purpose} needs the {module} package, which is not installed ({error}); "
            f"pip install 'iqmodel[{extra}]' (or pip install {module})"
        ) from None
