"""Warning classes of iqmodel (errors are the standard ValueError, TypeError, OSError)."""

from __future__ import annotations

__all__ = ["IQModelWarning"]


class IQModelWarning(UserWarning):
    """Something worked but deserves attention: a degenerate model, a solver fallback, rows or
    records left out, an index rebuilt. Filter it with ``warnings.simplefilter``."""
