"""Config files and --set overrides."""

import pytest
import tomllib

from iqmodel.config import model_params, parse_assignment, read_config, write_toml
from iqmodel.model import IQModel


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
    }
    path = write_toml(sections, tmp_path / "config.toml")
    loaded = tomllib.loads(path.read_text())
    assert loaded == {
        "run": {"seed": 3, "start": "c1", "states": ["a", "b"]},
        "model": {"glm_lambda": 1e-5, "filter": True, "motif_db": 'x"y.meme'},
    }
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]  # no temporary left
