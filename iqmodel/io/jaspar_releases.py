"""JASPAR releases and collections through ``pyjaspar`` (offline: it ships the sqlite files).

Names (case-insensitive), as accepted by :func:`iqmodel.io.load_motif_db`:

* ``jaspar2024``: the bundled file (CORE vertebrates, non-redundant; no pyjaspar needed);
* ``JASPAR<YEAR>`` for another release, e.g. ``JASPAR2026``: the same selection (CORE
  collection, vertebrates, latest version of each matrix) from that release;
* ``JASPAR<YEAR>:<COLLECTION>``, e.g. ``JASPAR2024:UNVALIDATED``: every tax group of a
  collection;
* ``JASPAR<YEAR>:<COLLECTION>:<TAX_GROUP>``, e.g. ``JASPAR2022:CORE:plants``.

Motifs are named by matrix ID (``MA0004.1``), unique within a release, with the TF name as
``alt_name`` (TF names repeat: a TF can have several matrices) and the selection's full name
as ``source``. Only the latest version of each matrix is kept, as in JASPAR's non-redundant
files. ``pip install iqmodel[jaspar]`` installs pyjaspar.
"""

from __future__ import annotations

import re
import warnings
from typing import NamedTuple

import numpy as np

from iqmodel.exceptions import IQModelWarning, MissingDependencyError, import_optional
from iqmodel.motifs import BASES, Motif

__all__ = [
    "JasparSelection",
    "jaspar_collections",
    "jaspar_releases",
    "load_jaspar",
    "parse_jaspar_name",
]

DEFAULT_COLLECTION = "CORE"
DEFAULT_TAX_GROUP = "vertebrates"
_NAME = re.compile(r"^jaspar(?P<year>\d{4})(?::(?P<collection>[^:]+)(?::(?P<tax>[^:]+))?)?$", re.I)


class JasparSelection(NamedTuple):
    """One selection of a JASPAR release.

    Attributes
    ----------
    release : str
        ``"JASPAR<YEAR>"``.
    collection : str
        Collection as named in the release (``"CORE"``, ``"UNVALIDATED"``...), upper case.
    tax_group : str or None
        Tax group (``"vertebrates"``...), lower case; None for every tax group.

    See Also
    --------
    parse_jaspar_name : Builds a selection from a name such as ``"JASPAR2024:CORE"``.

    Examples
    --------
    >>> from iqmodel.io.jaspar_releases import JasparSelection
    >>> JasparSelection("JASPAR2024", "CORE", "plants").name
    'JASPAR2024:CORE:plants'
    >>> JasparSelection("JASPAR2024", "UNVALIDATED", None).name  # every tax group
    'JASPAR2024:UNVALIDATED'
    """

    release: str
    collection: str
    tax_group: str | None

    @property
    def name(self) -> str:
        """The canonical name, e.g. ``"JASPAR2024:CORE:vertebrates"``."""
        parts = [self.release, self.collection] + ([self.tax_group] if self.tax_group else [])
        return ":".join(parts)


def parse_jaspar_name(name: str) -> JasparSelection | None:
    """The release, collection and tax group a JASPAR name asks for.

    Parameters
    ----------
    name : str
        ``JASPAR<YEAR>``, ``JASPAR<YEAR>:<COLLECTION>`` or
        ``JASPAR<YEAR>:<COLLECTION>:<TAX_GROUP>``, any case.

    Returns
    -------
    JasparSelection or None
        None when ``name`` does not have that form. A bare release means the CORE collection
        and vertebrates; a collection alone, every tax group. Whether the release exists is
        not checked here (see :func:`load_jaspar`).

    Examples
    --------
    >>> from iqmodel.io.jaspar_releases import parse_jaspar_name
    >>> parse_jaspar_name("jaspar2022")
    JasparSelection(release='JASPAR2022', collection='CORE', tax_group='vertebrates')
    >>> parse_jaspar_name("JASPAR2024:unvalidated").name
    'JASPAR2024:UNVALIDATED'
    >>> parse_jaspar_name("motifs.meme") is None
    True
    """
    match = _NAME.match(str(name).strip())
    if match is None:
        return None
    collection, tax = match["collection"], match["tax"]
    if collection is None:
        collection, tax = DEFAULT_COLLECTION, DEFAULT_TAX_GROUP
    return JasparSelection(
        f"JASPAR{match['year']}", collection.upper(), None if tax is None else tax.lower()
    )


def _pyjaspar():
    return import_optional("pyjaspar", "jaspar", "JASPAR releases other than the bundled one")


def jaspar_releases() -> list[str]:
    """The JASPAR releases pyjaspar ships, newest first; empty when it is not installed.

    Returns
    -------
    list of str
        E.g. ``["JASPAR2026", "JASPAR2024", ..., "JASPAR2014"]`` (pyjaspar 4).

    Examples
    --------
    >>> from iqmodel.io import jaspar_releases
    >>> releases = jaspar_releases()
    >>> "JASPAR2024" in releases, releases == sorted(releases, reverse=True)
    (True, True)
    """
    try:
        pyjaspar = _pyjaspar()
    except MissingDependencyError:
        return []
    return sorted(pyjaspar.jaspar_releases, reverse=True)


def _database(release: str):
    pyjaspar = _pyjaspar()
    available = jaspar_releases()
    if release not in available:
        raise ValueError(
            f"JASPAR release {release!r} is not available; pyjaspar "
            f"{getattr(pyjaspar, '__version__', '')} has {', '.join(available)} (a newer "
            "pyjaspar may have more: pip install -U pyjaspar)"
        )
    return pyjaspar.jaspardb(release=release)


def jaspar_collections(release: str) -> dict[str, list[str]]:
    """The collections of a JASPAR release and the tax groups of each.

    Parameters
    ----------
    release : str
        ``"JASPAR<YEAR>"``, one of :func:`jaspar_releases`.

    Returns
    -------
    dict of str to list of str
        Collection (upper case, sorted) -> its tax groups (sorted).

    Raises
    ------
    MissingDependencyError
        When pyjaspar is not installed (``pip install iqmodel[jaspar]``).
    ValueError
        When the release is not one pyjaspar ships (the message lists those).

    Examples
    --------
    >>> from iqmodel.io.jaspar_releases import jaspar_collections
    >>> collections = jaspar_collections("JASPAR2024")
    >>> sorted(collections)
    ['CORE', 'UNVALIDATED']
    >>> "vertebrates" in collections["CORE"], "plants" in collections["CORE"]
    (True, True)
    """
    database = _database(release)
    rows = database.conn.execute(
        "SELECT DISTINCT m.COLLECTION, a.VAL FROM MATRIX m JOIN MATRIX_ANNOTATION a "
        "ON m.ID = a.ID WHERE a.TAG = 'tax_group'"
    ).fetchall()
    collections: dict[str, list[str]] = {}
    for collection, tax in sorted(rows):
        collections.setdefault(str(collection).upper(), []).append(str(tax))
    return collections


def load_jaspar(name: str) -> list[Motif]:
    """Motifs of a JASPAR release, collection and tax group, read with pyjaspar (offline).

    Parameters
    ----------
    name : str
        ``JASPAR<YEAR>[:<COLLECTION>[:<TAX_GROUP>]]`` (see :func:`parse_jaspar_name`), e.g.
        ``"JASPAR2026"`` (CORE vertebrates), ``"JASPAR2024:CORE:plants"``,
        ``"JASPAR2022:UNVALIDATED"``.

    Returns
    -------
    list of Motif
        One per matrix (latest version of each), ordered by matrix ID; ``name`` the matrix
        ID (unique), ``alt_name`` the TF name, ``source`` the canonical selection name;
        probabilities are the counts divided by their column sums (as in JASPAR's MEME files);
        a position without any count (a few UNVALIDATED matrices) is made uniform, with an
        :class:`~iqmodel.exceptions.IQModelWarning` naming the matrices.

    Raises
    ------
    MissingDependencyError
        When pyjaspar is not installed (``pip install iqmodel[jaspar]``).
    ValueError
        When ``name`` is not a JASPAR name, or the release, collection or tax group does not
        exist (the message lists those that do), or the selection is empty.

    Examples
    --------
    A small selection (read offline from pyjaspar's database):

    >>> import numpy as np
    >>> from iqmodel.io import load_jaspar
    >>> motifs = load_jaspar("jaspar2024:core:urochordates")
    >>> motifs[0].source
    'JASPAR2024:CORE:urochordates'
    >>> motifs[0].name.startswith("MA"), len({m.name for m in motifs}) == len(motifs)
    (True, True)
    >>> bool(np.allclose(motifs[0].pwm.sum(axis=1), 1.0))  # probabilities per position
    True

    A tax group the collection does not have:

    >>> load_jaspar("JASPAR2024:CORE:martians")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: 'JASPAR2024:CORE:martians': the CORE collection of JASPAR2024 has no tax group ...
    """
    selection = parse_jaspar_name(name)
    if selection is None:
        raise ValueError(
            f"{name!r} is not a JASPAR name; use JASPAR<YEAR>[:<COLLECTION>[:<TAX_GROUP>]], "
            "e.g. JASPAR2024 or JASPAR2024:CORE:plants"
        )
    collections = jaspar_collections(selection.release)
    if selection.collection not in collections:
        raise ValueError(
            f"{name!r}: {selection.release} has no collection {selection.collection!r}; it has "
            f"{', '.join(collections)}"
        )
    taxa = collections[selection.collection]
    if selection.tax_group is not None and selection.tax_group not in taxa:
        raise ValueError(
            f"{name!r}: the {selection.collection} collection of {selection.release} has no tax "
            f"group {selection.tax_group!r}; it has {', '.join(taxa)} (or omit the tax group "
            "for all of them)"
        )
    database = _database(selection.release)
    found = database.fetch_motifs(
        collection=selection.collection,
        tax_group=None if selection.tax_group is None else [selection.tax_group],
    )
    motifs, patched = [], []
    for entry in sorted(found, key=lambda entry: _matrix_order(entry.matrix_id)):
        counts = np.column_stack(
            [np.asarray(entry.counts[base], dtype=np.float64) for base in BASES]
        )
        empty = counts.sum(axis=1) <= 0
        if empty.any():  # a few UNVALIDATED matrices have positions without any count
            counts[empty] = 1.0
            patched.append(str(entry.matrix_id))
        motifs.append(
            Motif.from_counts(
                str(entry.matrix_id),
                counts,
                alt_name=" ".join(str(entry.name).split()),
                source=selection.name,
            )
        )
    if not motifs:
        raise ValueError(f"{name!r}: no motifs in this selection")
    if patched:
        warnings.warn(
            f"{selection.name}: {len(patched)} matrix(es) have positions without any count "
            f"({', '.join(patched[:5])}{', ...' if len(patched) > 5 else ''}); those positions "
            "were made uniform (0.25 per base)",
            IQModelWarning,
            stacklevel=2,
        )
    return motifs


def _matrix_order(matrix_id: str) -> tuple[str, int, int]:
    """``MA0004.1`` -> ("MA", 4, 1): matrix IDs in numeric order."""
    base, _, version = str(matrix_id).partition(".")
    digits = re.search(r"\d+$", base)
    number = int(digits.group()) if digits else 0
    return base[: digits.start()] if digits else base, number, int(version or 0)
