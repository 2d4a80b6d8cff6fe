"""JASPAR releases through pyjaspar: names, the bundled file, errors, `motifs list`."""

import sys

import numpy as np
import pytest

from iqmodel.cli import main
from iqmodel.exceptions import IQModelWarning, MissingDependencyError
from iqmodel.io import load_motif_db
from iqmodel.io.jaspar_releases import (
    JasparSelection,
    jaspar_collections,
    jaspar_releases,
    parse_jaspar_name,
)

pytest.importorskip("pyjaspar")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("JASPAR2026", ("JASPAR2026", "CORE", "vertebrates")),
        ("jaspar2022:core", ("JASPAR2022", "CORE", None)),
        ("JASPAR2024:Unvalidated:Plants", ("JASPAR2024", "UNVALIDATED", "plants")),
        ("motifs.meme", None),
        ("JASPAR24", None),
        ("JASPAR2024:CORE:plants:extra", None),
    ],
)
def test_parse_jaspar_name(name, expected):
    parsed = parse_jaspar_name(name)
    assert parsed == (None if expected is None else JasparSelection(*expected))


def test_pyjaspar_ships_the_releases_offline():
    releases = jaspar_releases()
    assert {"JASPAR2024", "JASPAR2022", "JASPAR2020"} <= set(releases)
    assert releases == sorted(releases, reverse=True)
    collections = jaspar_collections("JASPAR2024")
    assert "CORE" in collections and "vertebrates" in collections["CORE"]


def test_release_through_pyjaspar_equals_the_bundled_file():
    bundled = {m.name: m for m in load_motif_db("jaspar2024")}
    assert {m.name: m for m in load_motif_db("JASPAR2024")}.keys() == bundled.keys()
    assert load_motif_db("JASPAR2024")[0].source == "JASPAR2024"  # the bundled name: the file
    released = load_motif_db("JASPAR2024:CORE:vertebrates")
    assert len(released) == len(bundled) == 879
    assert {m.source for m in released} == {"JASPAR2024:CORE:vertebrates"}
    for motif in released:
        twin = bundled[motif.name]
        assert motif.alt_name == twin.alt_name
        np.testing.assert_allclose(motif.pwm, twin.pwm, atol=1e-5)


def test_collections_and_tax_groups():
    diatoms = load_motif_db("JASPAR2024:CORE:diatoms")
    assert len(diatoms) >= 1 and all(m.name.startswith("MA") for m in diatoms)
    with pytest.warns(IQModelWarning, match=r"positions without any count \(UN"):
        unvalidated = load_motif_db("jaspar2022:unvalidated")
    assert all(m.name.startswith("UN") for m in unvalidated)
    names = [m.name for m in unvalidated]
    assert len(names) == len(set(names))  # matrix IDs, unique; TF names go to alt_name
    assert {m.source for m in unvalidated} == {"JASPAR2022:UNVALIDATED"}
    patched = next(m for m in unvalidated if m.name == "UN0498.1")
    assert np.isclose(patched.pwm, 0.25).all(axis=1).any()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "JASPAR2031",
            r"'JASPAR2031' is not available; pyjaspar .* has JASPAR20\d\d, .*JASPAR2024",
        ),
        ("JASPAR2024:FOO", r"JASPAR2024 has no collection 'FOO'; it has CORE, UNVALIDATED"),
        ("JASPAR2024:CORE:mammals", r"no tax group 'mammals'; it has .*vertebrates"),
        ("hocomoco", r"neither a bundled database .*JASPAR<YEAR>"),
    ],
)
def test_unknown_release_collection_or_tax_group(name, message):
    with pytest.raises(ValueError, match=message):
        load_motif_db(name)


def test_without_pyjaspar(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "pyjaspar", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'iqmodel\[jaspar\]'"):
        load_motif_db("JASPAR2022")
    assert len(load_motif_db("jaspar2024")) == 879  # the bundled file needs no pyjaspar
    assert jaspar_releases() == []
    assert main(["motifs", "list", "--available"]) == 0
    out = capsys.readouterr().out
    assert "jaspar2024\tbundled" in out and "pip install 'iqmodel[jaspar]'" in out
    assert main(["motifs", "list", "JASPAR2022"]) == 1
    assert "pip install 'iqmodel[jaspar]'" in capsys.readouterr().err


def test_motifs_list_available_and_a_release(capsys):
    assert main(["motifs", "list", "--available"]) == 0
    lines = capsys.readouterr().out.splitlines()
    names = [line.split("\t")[0] for line in lines]
    assert names[0] == "jaspar2024" and "JASPAR2024" not in names  # bundled name: the file
    assert {"JASPAR2022", "JASPAR2024:CORE", "JASPAR2024:UNVALIDATED"} <= set(names)
    assert main(["motifs", "list", "JASPAR2024:CORE:diatoms"]) == 0
    rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert rows and all(row[0].startswith("MA") and len(row) == 4 for row in rows)
