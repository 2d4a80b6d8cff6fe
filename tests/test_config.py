"""Config files and --set overrides."""

import pytest
import tomllib

from iqmodel.config import (
    model_params,
    parse_assignment,
    read_config,
    read_run_settings,
    validate_config_values,
    write_toml,
)
from iqmodel.model import IQModel
from iqmodel.parameters import InvalidParameterError


def test_config_file_merges_over_the_defaults(tmp_path):
    path = tmp_path / "run.toml"
    path.write_text('n_motifs = 12\n[model]\nglm_lambda = 1e-4\nmotif_db = "my.meme"\n')
    assert read_config(path) == {"n_motifs": 12, "glm_lambda": 1e-4, "motif_db": "my.meme"}
    params = model_params(path, ["n_motifs=7", "interactions=true", "solver=glum"])
    assert params["n_motifs"] == 7
    assert params["interactions"] is True
    assert params["solver"] == "glum"
    assert params["glm_lambda"] == 1e-4
    assert params["min_cor"] == IQModel().get_params()["min_cor"]
    IQModel(**params)  # every key is a parameter


def test_unknown_keys_get_a_did_you_mean_hint(tmp_path):
    path = tmp_path / "run.toml"
    path.write_text("n_motif = 12\n")
    with pytest.raises(ValueError, match=r"unknown parameter 'n_motif'.*did you mean 'n_motifs'"):
        read_config(path)
    with pytest.raises(ValueError, match=r"unknown parameter 'glm_lambd' in --set.*'glm_lambda'"):
        model_params(None, ["glm_lambd=0.1"])


def test_bad_files_and_assignments(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_config(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("n_motifs = = 3\n")
    with pytest.raises(ValueError, match="not valid TOML"):
        read_config(broken)
    both = tmp_path / "both.toml"
    both.write_text("n_motifs = 3\n[model]\nn_motifs = 4\n")
    with pytest.raises(ValueError, match="both at the top level and in"):
        read_config(both)
    with pytest.raises(ValueError, match="key=value"):
        parse_assignment("n_motifs")


def test_assignment_values_are_typed():
    assert parse_assignment("n_motifs=20") == ("n_motifs", 20)
    assert parse_assignment("glm_lambda = 1e-5") == ("glm_lambda", 1e-5)
    assert parse_assignment("filter=false") == ("filter", False)
    assert parse_assignment("motif_db=jaspar2024") == ("motif_db", "jaspar2024")
    assert parse_assignment('motif_db="a b.meme"') == ("motif_db", "a b.meme")


def test_write_toml_round_trips(tmp_path):
    sections = {
        "run": {"seed": 3, "start": "c1", "states": ["a", "b"], "skip": None},
        "model": {"glm_lambda": 1e-5, "filter": True, "motif_db": 'x"y.meme'},
        "odd": {"text": 'a\nb\t"q" \\ \x01 \x7f é 😀'},  # control characters are escaped
    }
    path = write_toml(sections, tmp_path / "config.toml")
    loaded = tomllib.loads(path.read_text())
    assert loaded == {
        "run": {"seed": 3, "start": "c1", "states": ["a", "b"]},
        "model": {"glm_lambda": 1e-5, "filter": True, "motif_db": 'x"y.meme'},
        "odd": sections["odd"],
    }
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]  # no temporary left


def _config_error(tmp_path, text: str) -> str:
    path = tmp_path / "run.toml"
    path.write_text(text)
    with pytest.raises(InvalidParameterError) as caught:
        read_config(path)
    message = str(caught.value)
    assert message.startswith(f"config file {str(path)!r}: The ")
    return message


def test_string_booleans_in_a_config_file_are_refused(tmp_path):
    # audit #253, #276: "false" and "no" are truthy strings, so they used to mean True
    message = _config_error(tmp_path, 'filter = "no"\n')
    assert message.endswith(
        "The 'filter' parameter of IQModel must be an instance of bool. Got 'no' instead; "
        "write filter = true or filter = false (TOML booleans: lower case, no quotes)"
    )
    message = _config_error(tmp_path, '[model]\ndistill = "false"\n')
    assert "'distill' parameter of IQModel must be an instance of bool. Got 'false'" in message
    assert "write distill = true or distill = false" in message
    assert "distill = false" in _config_error(tmp_path, "distill = 0\n")


def test_config_values_are_checked_with_the_parameter_table(tmp_path):
    message = _config_error(tmp_path, "n_motifs = 3.0\n")  # audit #274: no float -> int
    assert "must be an int in the range [1, inf). Got 3.0 instead." in message
    message = _config_error(tmp_path, 'glm_lambda = "0.001"\n')  # audit #275
    assert "must be 'cv' or a float in the range [0.0, inf). Got '0.001' instead" in message
    assert message.endswith("; write the number without quotes: glm_lambda = 0.001")
    message = _config_error(tmp_path, 'energy_mode = "sum"\n')
    assert message.endswith("must be a str among {'lse', 'max'}. Got 'sum' instead.")
    message = _config_error(tmp_path, "bits_threshold = nan\n")
    assert message.endswith("Got nan instead.")


def test_set_values_are_checked_with_the_parameter_table():
    with pytest.raises(InvalidParameterError) as caught:
        model_params(None, ["filter=off"])
    assert str(caught.value) == (
        "--set: The 'filter' parameter of IQModel must be an instance of bool. Got 'off' "
        "instead; write --set filter=true or --set filter=false (TOML booleans, lower case)"
    )
    with pytest.raises(InvalidParameterError, match=r"write --set distill=true or"):
        model_params(None, ["distill=0"])
    with pytest.raises(InvalidParameterError, match=r"Got '0\.001' instead; write the number"):
        model_params(None, ['glm_lambda="0.001"'])
    with pytest.raises(InvalidParameterError, match=r"'n_motifs' .* Got 0 instead\.$"):
        model_params(None, ["n_motifs=0"])
    with pytest.raises(InvalidParameterError, match=r"'random_state' .* Got -1 instead\.$"):
        model_params(None, ["random_state=-1"])


@pytest.mark.parametrize("spelling", ["False", "True", "FALSE", "TRUE"])
def test_python_booleans_in_set_are_refused(spelling):
    # audit #257: "--set distill=False" used to become the (truthy) string "False"
    with pytest.raises(ValueError) as caught:
        parse_assignment(f"distill={spelling}")
    assert str(caught.value) == (
        f"--set distill={spelling}: {spelling!r} is not a TOML boolean; write --set "
        f"distill={spelling.lower()} (booleans are true or false, lower case)"
    )


def test_yes_no_and_none_in_set_are_refused():
    with pytest.raises(ValueError, match=r"'no' is not a TOML boolean; write --set filter=false"):
        parse_assignment("filter=no")
    with pytest.raises(ValueError, match=r"TOML has no None; leave n_bins out to keep its"):
        parse_assignment("n_bins=None")
    assert parse_assignment("distill=true") == ("distill", True)


def test_a_run_record_is_a_config_file(tmp_path):
    # audit #328: the config.toml of a run (with [run] and [model]) is read back
    sections = {
        "run": {"iqmodel_version": "0.1.0", "seed": 3, "start": "c1", "end": "c3"},
        "model": {"n_motifs": 4, "filter": False, "random_state": 3, "motif_db": "db.meme"},
    }
    path = write_toml(sections, tmp_path / "config.toml")
    assert read_config(path) == sections["model"]
    assert read_run_settings(path) == sections["run"]
    assert model_params(path, ["n_motifs=5"])["n_motifs"] == 5
    plain = tmp_path / "plain.toml"
    plain.write_text("n_motifs = 4\n")
    assert read_run_settings(plain) == {}
    scalar = tmp_path / "scalar.toml"
    scalar.write_text("run = 3\n")  # not a table: an unknown parameter
    with pytest.raises(ValueError, match="unknown parameter 'run'"):
        read_config(scalar)
    assert read_run_settings(scalar) == {}
    with pytest.raises(FileNotFoundError):
        read_run_settings(tmp_path / "missing.toml")


def test_validate_config_values_names_the_source():
    validate_config_values({"n_motifs": 3, "filter": False}, "somewhere")
    with pytest.raises(InvalidParameterError, match=r"^somewhere: The 'n_motifs' parameter"):
        validate_config_values({"n_motifs": "3"}, "somewhere")
