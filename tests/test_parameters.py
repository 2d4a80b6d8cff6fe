"""Declarative parameter validation (iqmodel.parameters) and the IQModel constraint table."""

from __future__ import annotations

import math
import numbers
import re
from pathlib import Path

import numpy as np
import pytest

from iqmodel.model import IQModel
from iqmodel.motifs import Motif
from iqmodel.parameters import (
    IQMODEL_PARAMETERS,
    Boolean,
    InstancesOf,
    Interval,
    InvalidParameterError,
    MotifDatabase,
    Options,
    make_constraints,
    validate_params,
)

NEW_PARAMETERS = {"rename_motifs": True, "rename_min_similarity": 0.7}  # being added to IQModel


def _defaults() -> dict:
    """IQModel's defaults, plus the two parameters the model is gaining."""
    return {**NEW_PARAMETERS, **IQModel().get_params()}


def _motif(name: str) -> Motif:
    return Motif(name, np.full((6, 4), 0.25))


# what each parameter accepts, as the messages list it
POSITIVE_INT = "an int in the range [1, inf)"
OPTIONAL_POSITIVE_INT = "an int in the range [1, inf) or None"
NON_NEGATIVE = "a float in the range [0.0, inf)"
UNIT = "a float in the range [0.0, 1.0]"
BOOL = "an instance of bool"
ACCEPTS = {
    "n_motifs": POSITIVE_INT,
    "min_cor": UNIT,
    "selection_beta": NON_NEGATIVE,
    "n_bins": OPTIONAL_POSITIVE_INT,
    "bin_size": OPTIONAL_POSITIVE_INT,
    "energy_mode": "a str among {'lse', 'max'}",
    "r2_threshold": NON_NEGATIVE,
    "filter_sample_frac": "a float in the range (0.0, 1.0]",
    "interaction_threshold": NON_NEGATIVE,
    "max_interactions": OPTIONAL_POSITIVE_INT,
    "glm_lambda": "'cv' or a float in the range [0.0, inf)",
    "solver": "a str among {'auto', 'glmnet', 'glum'}",
    "random_state": "an int in the range [0, 4294967295], an instance of "
    "numpy.random.Generator, an instance of numpy.random.RandomState or None",
    "n_jobs": "an int in the range [1, inf), an int in the range (-inf, -1] or None",
    "verbose": "an int in the range [0, inf) or an instance of bool",
    "motif_length": POSITIVE_INT,
    "kmer_sequence_length": OPTIONAL_POSITIVE_INT,
    "distill": BOOL,
    "response_bases": BOOL,
    "sequence_features": BOOL,
    "filter": BOOL,
    "interactions": BOOL,
    "bits_threshold": "a float in the range [0.0, 2.0]",
    "rename_motifs": BOOL,
    "rename_min_similarity": UNIT,
    "motif_db": "a non-empty str, an instance of os.PathLike or a non-empty list or tuple of "
    "iqmodel.motifs.Motif with unique names",
}

# every refused value of the audit's "4 parameters" category (audit #113-#174), by case number
AUDIT_CASES = [
    (113, "n_motifs", 0),
    (114, "n_motifs", -1),
    (115, "n_motifs", 2.5),
    (116, "n_motifs", "x"),
    (117, "n_motifs", True),
    (118, "min_cor", -0.1),
    (119, "min_cor", "x"),
    (120, "min_cor", math.nan),
    (121, "min_cor", 2.0),
    (122, "selection_beta", -1),
    (123, "selection_beta", None),
    (124, "n_bins", 0),
    (125, "n_bins", -2),
    (126, "n_bins", "x"),
    (127, "bin_size", 0),
    (128, "bin_size", -5),
    (130, "energy_mode", "sum"),
    (131, "energy_mode", None),
    (132, "r2_threshold", -1),
    (133, "r2_threshold", "x"),
    (134, "filter_sample_frac", 0),
    (135, "filter_sample_frac", 1.5),
    (136, "filter_sample_frac", "x"),
    (137, "filter_sample_frac", None),
    (138, "interaction_threshold", "x"),
    (139, "interaction_threshold", -1),
    (140, "max_interactions", -1),
    (141, "max_interactions", "x"),
    (142, "max_interactions", 0),
    (143, "glm_lambda", -1),
    (144, "glm_lambda", "x"),
    (145, "glm_lambda", math.nan),
    (146, "glm_lambda", math.inf),
    (147, "glm_lambda", True),
    (148, "glm_lambda", "CV"),
    (149, "solver", "nope"),
    (150, "solver", None),
    (151, "random_state", "x"),
    (152, "random_state", -1),
    (153, "random_state", 2.5),
    (154, "n_jobs", 0),
    (156, "n_jobs", "x"),
    (157, "verbose", "x"),
    (160, "motif_length", 0),
    (161, "motif_length", -3),
    (162, "motif_length", "x"),
    (163, "motif_length", 2.5),
    (165, "kmer_sequence_length", 0),
    (166, "kmer_sequence_length", -1),
    (167, "kmer_sequence_length", "x"),
    (168, "distill", "no"),
    (168, "response_bases", "no"),
    (168, "sequence_features", "no"),
    (168, "filter", "no"),
    (168, "interactions", "yes"),
    (169, "distill", 0),  # an int is not a bool, even a falsy one
    (170, "bits_threshold", "x"),
    (171, "bits_threshold", -5),
    (172, "bits_threshold", math.nan),
    (173, "verbose", -1),
    # the two new parameters
    (None, "rename_motifs", "no"),
    (None, "rename_motifs", 1),
    (None, "rename_min_similarity", -0.1),
    (None, "rename_min_similarity", 1.5),
    (None, "rename_min_similarity", "0.7"),
    (None, "rename_min_similarity", math.nan),
    # motif databases (audit #105, #109)
    (105, "motif_db", None),
    (None, "motif_db", ""),
    (None, "motif_db", 3),
]


@pytest.mark.parametrize(
    ("case", "name", "value"),
    AUDIT_CASES,
    ids=[f"{case or 'new'}-{name}={value!r}" for case, name, value in AUDIT_CASES],
)
def test_every_refused_value_gets_a_message_naming_parameter_range_and_value(case, name, value):
    params = {**_defaults(), name: value}
    expected = f"The {name!r} parameter of IQModel must be {ACCEPTS[name]}. Got {value!r} instead."
    with pytest.raises(InvalidParameterError) as caught:
        validate_params(IQMODEL_PARAMETERS, params, "IQModel")
    assert str(caught.value) == expected


# accepted by the audit and still accepted: n_jobs=-1 (#155, all threads), n_jobs=10**6
# (#174, clamped); bin_size=10**6 (#129) and motif_length=10**5 (#164) are only wrong for
# sequences shorter than that, which fit has to check against the data
ACCEPTED = [
    ("n_jobs", -1),
    ("n_jobs", -2),
    ("n_jobs", 1_000_000),
    ("n_jobs", None),
    ("bin_size", 1_000_000),
    ("motif_length", 100_000),
    ("n_motifs", np.int64(3)),
    ("min_cor", 0),
    ("min_cor", 1),
    ("min_cor", np.float32(0.1)),
    ("filter", np.bool_(False)),
    ("glm_lambda", 0),
    ("glm_lambda", 1e-5),
    ("glm_lambda", "cv"),
    ("bits_threshold", 2),
    ("filter_sample_frac", 1),
    ("random_state", 0),
    ("random_state", 2**32 - 1),
    ("random_state", np.random.default_rng(0)),
    ("random_state", np.random.RandomState(0)),
    ("verbose", 0),
    ("verbose", 2),
    ("verbose", False),
    ("kmer_sequence_length", None),
    ("motif_db", "jaspar2024"),
    ("motif_db", Path("motifs.meme")),
    ("motif_db", (_motif("a"), _motif("b"))),
    ("rename_min_similarity", 0.0),
]


@pytest.mark.parametrize(("name", "value"), ACCEPTED, ids=[f"{n}={v!r}" for n, v in ACCEPTED])
def test_accepted_values(name, value):
    validate_params(IQMODEL_PARAMETERS, {**_defaults(), name: value}, "IQModel")


def test_the_table_covers_every_iqmodel_parameter_and_the_defaults_pass():
    assert set(IQMODEL_PARAMETERS) == set(_defaults())
    assert set(ACCEPTS) == set(IQMODEL_PARAMETERS)
    validate_params(IQMODEL_PARAMETERS, _defaults(), "IQModel")


def test_the_table_is_read_only():
    with pytest.raises(TypeError):
        IQMODEL_PARAMETERS["n_motifs"] = []


def test_the_error_is_both_a_value_error_and_a_type_error():
    for kind in (ValueError, TypeError):
        with pytest.raises(kind):
            validate_params(IQMODEL_PARAMETERS, {"filter": "no"}, "IQModel")


def test_duplicate_motif_names_are_named():
    database = [_motif("same"), _motif("other"), _motif("same"), _motif("same"), _motif("x")]
    database += [_motif("x")]
    with pytest.raises(InvalidParameterError) as caught:
        validate_params(IQMODEL_PARAMETERS, {"motif_db": database}, "IQModel")
    assert str(caught.value).endswith(
        "with unique names. Got a list of 6 motifs with repeated names: 'same' (3 times), "
        "'x' (2 times) instead."
    )


def test_motif_lists_are_described_not_printed():
    cases = {
        "an empty list": [],
        "an empty tuple": (),
        "a list whose item 1 is a str ('ACGT')": [_motif("a"), "ACGT"],
    }
    for got, value in cases.items():
        with pytest.raises(InvalidParameterError, match=re.escape(f"Got {got} instead.") + "$"):
            validate_params(IQMODEL_PARAMETERS, {"motif_db": value}, "IQModel")


def test_long_values_are_shortened():
    with pytest.raises(InvalidParameterError) as caught:
        validate_params(IQMODEL_PARAMETERS, {"solver": "x" * 500}, "IQModel")
    assert len(str(caught.value)) < 200 and "..." in str(caught.value)


def test_intervals():
    positive = Interval(numbers.Integral, 1, None)
    assert str(positive) == "an int in the range [1, inf)"
    assert positive.is_satisfied_by(1) and positive.is_satisfied_by(np.uint8(7))
    assert positive.is_satisfied_by(10**100)
    for value in (0, True, np.bool_(True), 1.0, "1", None, [1]):
        assert not positive.is_satisfied_by(value), value
    unit = Interval(float, 0, 1, closed="neither")
    assert str(unit) == "a float in the range (0.0, 1.0)"
    assert unit.is_satisfied_by(0.5) and unit.is_satisfied_by(np.float16(0.5))
    for value in (0, 1, 0.0, math.nan, True, "0.5"):
        assert not unit.is_satisfied_by(value), value
    anything = Interval(float, None, None)
    assert str(anything) == "a float in the range (-inf, inf)"
    assert anything.is_satisfied_by(-1e300) and anything.is_satisfied_by(10**400)
    assert not anything.is_satisfied_by(math.inf) and not anything.is_satisfied_by(-math.inf)
    assert str(Interval(int, None, 5, closed="both")) == "an int in the range (-inf, 5]"
    with pytest.raises(ValueError, match="closed must be"):
        Interval(int, 0, 1, closed="open")
    with pytest.raises(ValueError, match="greater than"):
        Interval(int, 2, 1)
    with pytest.raises(ValueError, match="kind must be"):
        Interval(str, 0, 1)


def test_options_booleans_and_instances():
    options = Options(str, {"b", "a"})
    assert str(options) == "a str among {'a', 'b'}"
    assert options.is_satisfied_by("a") and not options.is_satisfied_by("A")
    assert not options.is_satisfied_by(["a"])  # unhashable
    assert str(Options(str, {"cv"})) == "'cv'"
    assert not Options(int, {0, 1}).is_satisfied_by(False)
    with pytest.raises(ValueError, match="empty"):
        Options(str, ())
    assert Boolean().is_satisfied_by(True) and Boolean().is_satisfied_by(np.bool_(False))
    for value in (0, 1, "true", "False", None, 1.0):
        assert not Boolean().is_satisfied_by(value)
    instances = InstancesOf(np.random.Generator)
    assert str(instances) == "an instance of numpy.random.Generator"
    assert instances.is_satisfied_by(np.random.default_rng())
    assert str(InstancesOf((int, Path))) == "an instance of int or an instance of pathlib.Path"


def test_make_constraints():
    made = make_constraints([None, "boolean", int, MotifDatabase()])
    assert [str(c) for c in made][:3] == ["None", "an instance of bool", "an instance of int"]
    assert len(make_constraints(["random_state"])) == 4
    with pytest.raises(ValueError, match=r"unknown constraint name 'cv'.*Options"):
        make_constraints(["cv"])
    with pytest.raises(TypeError, match="cannot make a constraint"):
        make_constraints([3])


def test_validate_params_skips_unlisted_and_unvalidated_parameters():
    table = {"a": [Interval(int, 0, None)], "b": "no_validation"}
    validate_params(table, {"a": 1, "b": object(), "c": "anything"}, "Thing")
    with pytest.raises(InvalidParameterError, match=r"^The 'a' parameter of Thing must be"):
        validate_params(table, {"a": -1}, "Thing")


def test_none_is_listed_last():
    table = {"a": [None, Options(str, {"x"}), Boolean()]}
    with pytest.raises(InvalidParameterError) as caught:
        validate_params(table, {"a": 2}, "Thing")
    assert "must be 'x', an instance of bool or None. Got 2 instead." in str(caught.value)


def test_constraint_is_abstract():
    from iqmodel.parameters import Constraint

    with pytest.raises(TypeError, match="abstract"):
        Constraint()
