"""Sequence logos of motifs (logomaker), in bits or probability."""

from __future__ import annotations

import logomaker
import matplotlib.pyplot as plt
import pandas as pd

from iqmodel.motifs import Motif

__all__ = ["BASE_COLORS", "logo"]

BASE_COLORS = {"A": "#109648", "C": "#255C99", "G": "#F7B32B", "T": "#D62839"}
"""Colour of each base in logos and sequence letters (green A, blue C, yellow G, red T)."""

_KINDS = ("bits", "probability")


def logo(motif: Motif, *, ax=None, kind: str = "bits", title: str | None = None):
    """Draw the sequence logo of a motif.

    Parameters
    ----------
    motif : Motif
        The motif; one stack of letters per position, coloured by :data:`BASE_COLORS`.
    ax : matplotlib Axes, optional
        Axes to draw on; a new pyplot figure is made when omitted.
    kind : {"bits", "probability"}, default "bits"
        Letter heights: probability times the position's information content (bits, y in
        [0, 2]) or the probability itself (y in [0, 1]).
    title : str, optional
        Axes title; default the motif name (with its ``alt_name`` in brackets).

    Returns
    -------
    matplotlib Axes
        The axes drawn on: y limits [0, 2] (bits) or [0, 1] (probability), y label ``kind``,
        no x ticks.

    Raises
    ------
    TypeError
        When ``motif`` is not a Motif.
    ValueError
        For an unknown ``kind``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from iqmodel.motifs import Motif
    >>> from iqmodel.plot import logo
    >>> gata = Motif(
    ...     "MA0035.5", [[0, 0, 1, 0], [1, 0, 0, 0], [0, 0, 0, 1], [0.25] * 4], alt_name="GATA1"
    ... )
    >>> ax = logo(gata)
    >>> ax.get_title(), ax.get_ylabel(), [float(y) for y in ax.get_ylim()]
    ('MA0035.5 (GATA1)', 'bits', [0.0, 2.0])
    >>> fig, axes = plt.subplots(1, 2)
    >>> ax = logo(gata, ax=axes[1], kind="probability", title="")
    >>> ax is axes[1], [float(y) for y in ax.get_ylim()]
    (True, [0.0, 1.0])
    >>> plt.close("all")
    """
    if not isinstance(motif, Motif):
        raise TypeError(f"motif must be a Motif, got {type(motif).__name__}")
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {_KINDS}, got {kind!r}")
    if ax is None:
        _, ax = plt.subplots(figsize=(max(2.0, 0.3 * motif.length), 1.5))
    heights = motif.pwm / motif.pwm.sum(axis=1, keepdims=True)
    if kind == "bits":
        heights = heights * motif.information_content(prior=0.0)[:, None]
    table = pd.DataFrame(heights, columns=list("ACGT"))
    logomaker.Logo(table, ax=ax, color_scheme=BASE_COLORS, show_spines=False)
    ax.set_ylim(0, 2 if kind == "bits" else 1)
    ax.set_ylabel(kind)
    ax.set_xticks([])
    if title is None:
        title = motif.label
    ax.set_title(title, fontsize="small")
    return ax
