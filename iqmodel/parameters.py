"""Declarative validation of estimator parameters, in the style of scikit-learn.

Every parameter gets a list of constraints; a value is valid when it satisfies at least one of
them. :func:`validate_params` checks a whole parameter dict before any work starts and names
the parameter, every accepted alternative and the value it got::

    The 'filter' parameter of IQModel must be an instance of bool. Got 'no' instead.
    The 'n_motifs' parameter of IQModel must be an int in the range [1, inf). Got 0 instead.

Constraints are objects (:class:`Interval`, :class:`Options`, :class:`Boolean`,
:class:`InstancesOf`, :class:`MotifDatabase`), ``None`` (the value ``None``) or one of the
names ``"boolean"``, ``"random_state"``, ``"verbose"`` and ``"motif_db"``. Numbers are strict:
a bool is never an int or a float, NaN and infinities are in no interval, and a float such as
``3.0`` is not an int. :data:`IQMODEL_PARAMETERS` is the table of every
:class:`~iqmodel.model.IQModel` parameter.
"""

from __future__ import annotations

import abc
import math
import numbers
import os
from collections.abc import Iterable, Mapping
from types import MappingProxyType

import numpy as np

__all__ = [
    "IQMODEL_PARAMETERS",
    "Boolean",
    "InstancesOf",
    "Interval",
    "InvalidParameterError",
    "MotifDatabase",
    "Options",
    "make_constraints",
    "validate_params",
]

_MAX_REPR = 80
_SEED_MAX = 2**32 - 1  # numpy's legacy seeds (RandomState) are uint32


class InvalidParameterError(ValueError, TypeError):
    """A parameter has a value of the wrong type or outside its range.

    A subclass of both :class:`ValueError` and :class:`TypeError` (as scikit-learn's), so
    callers catching either see it. It takes the message as its only argument.

    Examples
    --------
    >>> try:
    ...     validate_params({"n_motifs": [Interval(int, 1, None)]}, {"n_motifs": 0}, "IQModel")
    ... except InvalidParameterError as error:
    ...     print(isinstance(error, ValueError), isinstance(error, TypeError))
    ...     print(error)
    True True
    The 'n_motifs' parameter of IQModel must be an int in the range [1, inf). Got 0 instead.
    """


def _is_bool(value) -> bool:
    return isinstance(value, (bool, np.bool_))


def _short_repr(value) -> str:
    text = repr(value)
    return text if len(text) <= _MAX_REPR else text[: _MAX_REPR - 3] + "..."


def _type_name(kind: type) -> str:
    module = kind.__module__
    if module in ("builtins", "") or module is None:
        return kind.__qualname__
    if module.startswith("numpy"):
        module = "numpy.random" if module.startswith("numpy.random") else "numpy"
    return f"{module}.{kind.__qualname__}"


class Constraint(abc.ABC):
    """Base class of a constraint: a set of accepted values with a readable description."""

    @abc.abstractmethod
    def is_satisfied_by(self, value) -> bool:
        """Whether ``value`` is accepted."""

    def describe(self, value) -> str | None:
        """Why a value of the right kind is refused (the "Got ... instead" part), or None."""
        return None

    @abc.abstractmethod
    def __str__(self) -> str:
        """The accepted values in words, e.g. ``"an int in the range [1, inf)"``."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self}>"


class _NoneConstraint(Constraint):
    def is_satisfied_by(self, value) -> bool:
        return value is None

    def __str__(self) -> str:
        return "None"


class InstancesOf(Constraint):
    """Instances of a type (or a tuple of types).

    Parameters
    ----------
    kind : type or tuple of type
        The accepted type(s); subclasses are accepted too.

    Examples
    --------
    >>> constraint = InstancesOf((list, tuple))
    >>> constraint.is_satisfied_by((1, 2)), constraint.is_satisfied_by("ab")
    (True, False)
    >>> str(constraint)
    'an instance of list or an instance of tuple'
    """

    def __init__(self, kind: type | tuple[type, ...]):
        self.kind = kind

    def is_satisfied_by(self, value) -> bool:
        """Whether ``value`` is an instance of ``kind``.

        Parameters
        ----------
        value : object
            The value to check.

        Returns
        -------
        bool
            ``isinstance(value, kind)``.
        """
        return isinstance(value, self.kind)

    def __str__(self) -> str:
        kinds = self.kind if isinstance(self.kind, tuple) else (self.kind,)
        return " or ".join(f"an instance of {_type_name(k)}" for k in kinds)


class Boolean(Constraint):
    """``True`` or ``False`` (Python's bool or ``numpy.bool_``); never an int or a string.

    Examples
    --------
    >>> import numpy as np
    >>> [Boolean().is_satisfied_by(value) for value in (True, np.False_, 1, "yes")]
    [True, True, False, False]
    """

    def is_satisfied_by(self, value) -> bool:
        """Whether ``value`` is a bool.

        Parameters
        ----------
        value : object
            The value to check.

        Returns
        -------
        bool
            True for ``bool`` and ``numpy.bool_`` values only.
        """
        return _is_bool(value)

    def __str__(self) -> str:
        return "an instance of bool"


class Interval(Constraint):
    """Numbers of one kind in an interval.

    Parameters
    ----------
    kind : {numbers.Integral, numbers.Real, int, float}
        ``Integral`` (or ``int``): integers only (numpy integers included), never a bool or a
        float; ``Real`` (or ``float``): any finite real number, integers included, never a
        bool.
    left, right : number or None
        Bounds; None means unbounded on that side. NaN and infinities are in no interval.
    closed : {"left", "right", "both", "neither"}, default "left"
        Which bounds belong to the interval.

    Raises
    ------
    ValueError
        For another ``kind`` or ``closed``, or ``left > right``.

    Examples
    --------
    >>> str(Interval(numbers.Integral, 1, None))
    'an int in the range [1, inf)'
    >>> unit = Interval(numbers.Real, 0, 1, closed="right")
    >>> str(unit)
    'a float in the range (0.0, 1.0]'
    >>> [unit.is_satisfied_by(value) for value in (0, 0.5, 1, True, float("nan"))]
    [False, True, True, False, False]
    """

    _CLOSED = ("left", "right", "both", "neither")

    def __init__(self, kind, left, right, *, closed: str = "left"):
        kinds = {int: numbers.Integral, float: numbers.Real}
        kind = kinds.get(kind, kind)
        if kind not in (numbers.Integral, numbers.Real):
            raise ValueError(f"kind must be numbers.Integral or numbers.Real, got {kind!r}")
        if closed not in self._CLOSED:
            raise ValueError(f"closed must be one of {self._CLOSED}, got {closed!r}")
        if left is not None and right is not None and left > right:
            raise ValueError(f"left bound {left} is greater than right bound {right}")
        self.kind = kind
        self.left = left
        self.right = right
        self.closed = closed

    def is_satisfied_by(self, value) -> bool:
        """Whether ``value`` is a number of the right kind inside the interval.

        Parameters
        ----------
        value : object
            The value to check.

        Returns
        -------
        bool
            False for bools, NaN, infinities and (for an integer interval) floats.
        """
        if _is_bool(value) or not isinstance(value, self.kind):
            return False
        if not isinstance(value, numbers.Integral) and not math.isfinite(value):
            return False
        if self.left is not None:
            if value < self.left or (value == self.left and self.closed in ("right", "neither")):
                return False
        if self.right is not None:
            if value > self.right or (value == self.right and self.closed in ("left", "neither")):
                return False
        return True

    def _bound(self, bound, infinity: str) -> str:
        if bound is None:
            return infinity
        return str(float(bound)) if self.kind is numbers.Real else str(bound)

    def __str__(self) -> str:
        kind = "an int" if self.kind is numbers.Integral else "a float"
        opening = "[" if self.closed in ("left", "both") and self.left is not None else "("
        closing = "]" if self.closed in ("right", "both") and self.right is not None else ")"
        left = self._bound(self.left, "-inf")
        right = self._bound(self.right, "inf")
        return f"{kind} in the range {opening}{left}, {right}{closing}"


class Options(Constraint):
    """One of a set of values of one type (e.g. strings; case-sensitive).

    Parameters
    ----------
    kind : type
        Type the value must have (a bool is accepted only when ``kind`` is bool).
    options : iterable
        The accepted values.

    Raises
    ------
    ValueError
        When ``options`` is empty.

    Examples
    --------
    >>> mode = Options(str, {"lse", "max"})
    >>> str(mode), mode.is_satisfied_by("max"), mode.is_satisfied_by("MAX")
    ("a str among {'lse', 'max'}", True, False)
    """

    def __init__(self, kind: type, options: Iterable):
        self.kind = kind
        self.options = frozenset(options)
        if not self.options:
            raise ValueError("options must not be empty")

    def is_satisfied_by(self, value) -> bool:
        """Whether ``value`` is of type ``kind`` and one of the options.

        Parameters
        ----------
        value : object
            The value to check.

        Returns
        -------
        bool
            True when ``value`` is an instance of ``kind`` and among ``options``.
        """
        if _is_bool(value) and self.kind is not bool:
            return False
        if not isinstance(value, self.kind):
            return False
        try:
            return value in self.options
        except TypeError:  # unhashable
            return False

    def __str__(self) -> str:
        shown = sorted(self.options, key=repr)
        if len(shown) == 1:
            return repr(shown[0])
        return f"a {_type_name(self.kind)} among {{{', '.join(repr(o) for o in shown)}}}"


class MotifDatabase(Constraint):
    """A motif database: a database name or file path, or a list of motifs.

    Accepted: a non-empty ``str`` (bundled name or path), an :class:`os.PathLike`, or a
    non-empty list or tuple of :class:`iqmodel.motifs.Motif` whose names are unique (the names
    become the model's feature names).

    Examples
    --------
    >>> from iqmodel.motifs import Motif
    >>> motif = Motif("A", [[1, 0, 0, 0]])
    >>> database = MotifDatabase()
    >>> database.is_satisfied_by("jaspar2024"), database.is_satisfied_by([motif])
    (True, True)
    >>> database.describe([motif, motif])
    "a list of 2 motifs with repeated names: 'A' (2 times)"
    """

    def _problem(self, value) -> str | None:
        from iqmodel.motifs import Motif

        if isinstance(value, str):
            return None if value.strip() else _short_repr(value)
        if isinstance(value, os.PathLike):
            return None
        if not isinstance(value, (list, tuple)):
            return _short_repr(value)
        kind = type(value).__name__
        if not value:
            return f"an empty {kind}"
        for i, item in enumerate(value):
            if not isinstance(item, Motif):
                return f"a {kind} whose item {i} is a {type(item).__name__} ({_short_repr(item)})"
        counts: dict[str, int] = {}
        for motif in value:
            counts[motif.name] = counts.get(motif.name, 0) + 1
        repeated = [f"{name!r} ({n} times)" for name, n in counts.items() if n > 1]
        if repeated:
            shown = ", ".join(repeated[:10])
            if len(repeated) > 10:
                shown += f", ... ({len(repeated)} names in total)"
            return f"a {kind} of {len(value)} motifs with repeated names: {shown}"
        return None

    def is_satisfied_by(self, value) -> bool:
        """Whether ``value`` is a usable motif database.

        Parameters
        ----------
        value : object
            The value to check.

        Returns
        -------
        bool
            True for a non-empty str, a path, or a non-empty list or tuple of uniquely
            named motifs.
        """
        return self._problem(value) is None

    def describe(self, value) -> str | None:
        """What is wrong with ``value``, for the "Got ... instead" part of the message.

        Parameters
        ----------
        value : object
            The value to check.

        Returns
        -------
        str or None
            A short description of the problem (e.g. repeated motif names), or None when
            ``value`` is accepted.
        """
        return self._problem(value)

    def __str__(self) -> str:
        return (
            "a non-empty str, an instance of os.PathLike or a non-empty list or tuple of "
            "iqmodel.motifs.Motif with unique names"
        )


def _named(name: str) -> list[Constraint]:
    if name == "boolean":
        return [Boolean()]
    if name == "verbose":
        return [Interval(numbers.Integral, 0, None, closed="left"), Boolean()]
    if name == "random_state":
        return [
            Interval(numbers.Integral, 0, _SEED_MAX, closed="both"),
            InstancesOf(np.random.Generator),
            InstancesOf(np.random.RandomState),
            _NoneConstraint(),
        ]
    if name == "motif_db":
        return [MotifDatabase()]
    raise ValueError(
        f"unknown constraint name {name!r}; known: 'boolean', 'motif_db', 'random_state', "
        "'verbose' (for a string option use Options(str, {...}))"
    )


def make_constraints(spec) -> list[Constraint]:
    """Constraint objects of one table entry.

    Parameters
    ----------
    spec : list
        Items: :class:`Constraint` objects, ``None`` (the value None), a type (its instances)
        or one of the names ``"boolean"``, ``"verbose"``, ``"random_state"``, ``"motif_db"``.

    Returns
    -------
    list of Constraint
        One constraint per item; a name may expand to several (``"random_state"``: an int
        seed, a Generator, a RandomState or None).

    Raises
    ------
    ValueError
        For an unknown constraint name.
    TypeError
        For an item of another kind.

    Examples
    --------
    >>> [str(c) for c in make_constraints(["verbose", None])]
    ['an int in the range [0, inf)', 'an instance of bool', 'None']
    """
    constraints: list[Constraint] = []
    for item in spec:
        if isinstance(item, Constraint):
            constraints.append(item)
        elif item is None:
            constraints.append(_NoneConstraint())
        elif isinstance(item, str):
            constraints.extend(_named(item))
        elif isinstance(item, type):
            constraints.append(InstancesOf(item))
        else:
            raise TypeError(f"cannot make a constraint of {item!r}")
    return constraints


def _alternatives(constraints: list[Constraint]) -> str:
    ordered = [c for c in constraints if not isinstance(c, _NoneConstraint)]
    ordered += [c for c in constraints if isinstance(c, _NoneConstraint)]  # None last
    texts = [str(c) for c in ordered]
    if len(texts) == 1:
        return texts[0]
    return f"{', '.join(texts[:-1])} or {texts[-1]}"


def validate_params(constraints: Mapping, params: Mapping, owner: str) -> None:
    """Check parameter values against a constraint table.

    Parameters
    ----------
    constraints : mapping of str to list
        Parameter name -> list of constraints (see :func:`make_constraints`); a value is valid
        when it satisfies at least one. The string ``"no_validation"`` instead of a list skips
        the parameter.
    params : mapping of str to object
        The values, e.g. ``estimator.get_params()``. Names without an entry in
        ``constraints`` are not checked, and entries without a value are ignored.
    owner : str
        Who the parameters belong to, for messages (e.g. ``"IQModel"``).

    Raises
    ------
    InvalidParameterError
        (A ValueError and a TypeError) for the first invalid value, e.g. "The 'n_motifs'
        parameter of IQModel must be an int in the range [1, inf). Got 0 instead."

    Examples
    --------
    >>> validate_params(IQMODEL_PARAMETERS, {"n_motifs": 20, "glm_lambda": "cv"}, "IQModel")
    >>> try:
    ...     validate_params(IQMODEL_PARAMETERS, {"energy_mode": "sum"}, "IQModel")
    ... except InvalidParameterError as error:
    ...     print(error)
    The 'energy_mode' parameter of IQModel must be a str among {'lse', 'max'}. Got 'sum' instead.
    """
    for name, value in params.items():
        spec = constraints.get(name)
        if spec is None or spec == "no_validation":
            continue
        checks = make_constraints(spec)
        if any(check.is_satisfied_by(value) for check in checks):
            continue
        details = [d for d in (check.describe(value) for check in checks) if d is not None]
        got = details[0] if details else _short_repr(value)
        raise InvalidParameterError(
            f"The {name!r} parameter of {owner} must be {_alternatives(checks)}. Got {got} instead."
        )


_POSITIVE_INT = Interval(numbers.Integral, 1, None, closed="left")
_NON_NEGATIVE = Interval(numbers.Real, 0, None, closed="left")
_UNIT = Interval(numbers.Real, 0, 1, closed="both")

IQMODEL_PARAMETERS: Mapping[str, list] = MappingProxyType(
    {
        "motif_db": ["motif_db"],
        "n_motifs": [_POSITIVE_INT],
        "min_cor": [_UNIT],
        "selection_beta": [_NON_NEGATIVE],
        "motif_length": [_POSITIVE_INT],
        "n_bins": [_POSITIVE_INT, None],
        "bin_size": [_POSITIVE_INT, None],
        "kmer_sequence_length": [_POSITIVE_INT, None],
        "distill": ["boolean"],
        "response_bases": ["boolean"],
        "energy_mode": [Options(str, {"lse", "max"})],
        "sequence_features": ["boolean"],
        "filter": ["boolean"],
        "r2_threshold": [_NON_NEGATIVE],
        "bits_threshold": [Interval(numbers.Real, 0, 2, closed="both")],
        "filter_sample_frac": [Interval(numbers.Real, 0, 1, closed="right")],
        "interactions": ["boolean"],
        "interaction_threshold": [_NON_NEGATIVE],
        "max_interactions": [_POSITIVE_INT, None],
        "glm_lambda": [Options(str, {"cv"}), _NON_NEGATIVE],
        "solver": [Options(str, {"auto", "glmnet", "glum"})],
        "random_state": ["random_state"],
        # as iqmodel._parallel.resolve_n_jobs: None or -1 all threads, -2 all but one, ...
        "n_jobs": [_POSITIVE_INT, Interval(numbers.Integral, None, -1, closed="right"), None],
        "verbose": ["verbose"],
        "rename_motifs": ["boolean"],
        "rename_min_similarity": [_UNIT],
    }
)
"""Constraints of every :class:`~iqmodel.model.IQModel` parameter, for :func:`validate_params`.

Integers: ``n_motifs``, ``motif_length`` >= 1; ``n_bins``, ``bin_size``,
``kmer_sequence_length``, ``max_interactions`` >= 1 or None; ``n_jobs`` a non-zero int or
None; ``verbose`` an int >= 0 or a bool. Floats (finite, never a bool): ``min_cor`` and
``rename_min_similarity`` in [0, 1]; ``selection_beta``, ``r2_threshold``,
``interaction_threshold`` >= 0; ``bits_threshold`` in [0, 2]; ``filter_sample_frac`` in
(0, 1]; ``glm_lambda`` >= 0 or ``"cv"``. Booleans (bool only): ``distill``,
``response_bases``, ``sequence_features``, ``filter``, ``interactions``, ``rename_motifs``.
"""
