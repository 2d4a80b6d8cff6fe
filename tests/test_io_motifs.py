"""Tests for iqmodel.io.motif_files: readers, writers, round trips and bad input."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest

from iqmodel.io import (
    load_motif_db,
    motifs_from_table,
    motifs_to_table,
    read_homer,
    read_jaspar,
    read_meme,
    read_motif_table,
    read_motifs,
    write_homer,
    write_jaspar,
    write_meme,
    write_motif_table,
    write_motifs,
)
from iqmodel.motifs import Motif

JASPAR_MEME = "jaspar/JASPAR2024_CORE_vertebrates_nonredundant.meme.gz"
ROUND_TRIP_EXTENSIONS = [
    "meme",
    "meme.gz",
    "jaspar",
    "pfm",
    "motif",
    "homer.gz",
    "tsv",
    "tsv.gz",
    "csv",
    "parquet",
]
KEEPS_ALT_NAME = ("meme", "meme.gz", "jaspar", "pfm")
MEME_PREAMBLE = "MEME version 4\n\nALPHABET= ACGT\n\n"  # 4 lines; a body starts on line 5


@pytest.fixture(scope="module")
def jaspar(shared_data) -> list[Motif]:
    return read_motifs(shared_data / JASPAR_MEME)


def assert_same_motifs(
    read: list[Motif], expected: list[Motif], *, alt_names: bool = True, atol: float = 1e-6
):
    assert [m.name for m in read] == [m.name for m in expected]
    if alt_names:
        assert [m.alt_name for m in read] == [m.alt_name for m in expected]
    assert [m.length for m in read] == [m.length for m in expected]
    got, want = (np.vstack([m.pwm for m in motifs]) for motifs in (read, expected))
    np.testing.assert_allclose(got, want, rtol=0, atol=atol)


def write_text(path, text: str):
    path.write_text(text)
    return path


# ----------------------------------------------------------------------------- real files


def test_read_jaspar2024_meme(jaspar):
    assert len(jaspar) == 879
    first = jaspar[0]
    assert (first.name, first.alt_name, first.length) == ("MA0004.1", "Arnt", 6)
    assert first.source == "JASPAR2024_CORE_vertebrates_nonredundant.meme.gz"
    np.testing.assert_allclose(first.pwm[0], [0.2, 0.8, 0, 0])


@pytest.mark.parametrize(
    ("relative", "count", "names"),
    [
        ("tanaylab/prego_HOMER_motifs.meme.gz", 311, ["AP_1", "AP_2gamma"]),
        ("gimmemotifs/gimme.vertebrate.v5.0.meme.gz", 1796, ["GM.5.0.Sox.0001"]),
        (
            "tanaylab/iceqream_motif_db_scenic_clusters.tsv.gz",
            1615,
            ["SCENIC.kznf__ZNF264_Imbeault2017_OM_RCADE"],
        ),
        ("tanaylab/iceqream_motif_db.parquet", 21862, ["JASPAR.GATA2", "HOMER.AP_1"]),
    ],
)
def test_read_real_motif_files(shared_data, relative, count, names):
    motifs = read_motifs(shared_data / relative)
    assert len(motifs) == count
    assert len({m.name for m in motifs}) == count
    assert set(names) <= {m.name for m in motifs}
    assert motifs[0].source == (shared_data / relative).name


def test_table_rows_follow_pos_whatever_its_base(shared_data):
    """SCENIC rows are 1-based, the others 0-based; the same motif reads the same from MEME."""
    folder = shared_data / "tanaylab"
    from_table = read_motifs(folder / "iceqream_motif_db_scenic_clusters.tsv.gz")
    from_meme = read_motifs(folder / "iceqream_motif_db_scenic_clusters.meme.gz")
    # the MEME copy is printed with 6 decimals
    assert_same_motifs(from_table, from_meme, alt_names=False, atol=1e-5)


@pytest.mark.parametrize("extension", ROUND_TRIP_EXTENSIONS)
def test_round_trip_jaspar2024(jaspar, tmp_path, extension):
    path = tmp_path / f"motifs.{extension}"
    write_motifs(jaspar, path)
    assert_same_motifs(read_motifs(path), jaspar, alt_names=extension in KEEPS_ALT_NAME)


@pytest.mark.parametrize(
    ("relative", "writer", "reader", "name"),
    [
        ("tanaylab/prego_HOMER_motifs.meme.gz", write_homer, read_homer, "out.motif"),
        ("gimmemotifs/gimme.vertebrate.v5.0.meme.gz", write_jaspar, read_jaspar, "out.pfm"),
        ("tanaylab/iceqream_motif_db_scenic_clusters.tsv.gz", write_meme, read_meme, "o.meme"),
        ("tanaylab/iceqream_motif_db.parquet", write_motif_table, read_motif_table, "o.parquet"),
    ],
)
def test_round_trip_real_files(shared_data, tmp_path, relative, writer, reader, name):
    motifs = read_motifs(shared_data / relative)
    writer(motifs, tmp_path / name)
    back = reader(tmp_path / name)
    assert_same_motifs(back, motifs)
    assert {m.source for m in back} == {name}


def test_load_motif_db(shared_data, tmp_path):
    bundled = load_motif_db("jaspar2024")
    assert len(bundled) == 879
    assert {m.source for m in bundled} == {"JASPAR2024"}
    assert_same_motifs(bundled, read_motifs(shared_data / JASPAR_MEME))
    write_meme(bundled[:3], tmp_path / "few.meme")
    assert load_motif_db(tmp_path / "few.meme")[2].name == bundled[2].name
    with pytest.raises(ValueError, match=r"unknown motif database 'hocomoco'.*\(jaspar2024\)"):
        load_motif_db("hocomoco")


# ----------------------------------------------------------------------------- MEME


def test_read_meme_variants(tmp_path):
    text = (
        MEME_PREAMBLE + "MOTIF one\nletter-probability matrix: alength= 4\n"
        "25 25 25 25\n10 20 30 40\n\n"
        "MOTIF two  Some   TF\n\nletter-probability matrix: alength= 4 w= 1 nsites= 9 E= 0\n"
        "0.2 0.8 0 0\nURL http://example.org\n"
    )
    path = tmp_path / "x.meme.gz"
    with gzip.open(path, "wt") as handle:
        handle.write(text)
    one, two = read_meme(path, source="mine")
    np.testing.assert_allclose(one.pwm, [[0.25] * 4, [0.1, 0.2, 0.3, 0.4]])
    assert (two.name, two.alt_name, two.length, two.source) == ("two", "Some TF", 1, "mine")


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ("MOTIF a\nletter-probability matrix: w= 2\n0.1 0.2 0.7\n", r"line 7: expected 4 values"),
        ("MOTIF a\nletter-probability matrix:\n0.1 x 0.2 0.7\n", r"line 7: non-numeric value"),
        ("MOTIF a\nletter-probability matrix: w= 3\n1 0 0 0\n0 1 0 0\n", r"expected w= 3"),
        ("MOTIF a\nletter-probability matrix: w= 0\n\n", r"line 5: motif 'a' has no matrix rows"),
        ("MOTIF a\nletter-probability matrix:\n\nMOTIF b\n", "motif 'a' has no matrix rows"),
        ("MOTIF a\nMOTIF b\n", r"line 5: motif 'a' has no letter-probability matrix"),
        ("MOTIF a\n", r"line 5: motif 'a' has no letter-probability matrix"),
        ("MOTIF\n", "MOTIF line without a motif name"),
        ("letter-probability matrix:\n1 0 0 0\n", "before any MOTIF line"),
        ("MOTIF a\nletter-probability matrix: alength= 20\n", r"alength= 20; only DNA"),
        ("MOTIF a\nletter-probability matrix: w= x\n", "w= must be a number"),
        ("MOTIF a\nletter-probability matrix:\n1 0 0 0\n0 0 0 0\n", "row 1 of counts is all zero"),
        ("MOTIF a\nletter-probability matrix:\n1 -1 0 0\n", r"line 5: Motif 'a': row 0"),
        ("", "no motifs found; is this a MEME motif file"),
    ],
)
def test_read_meme_errors(tmp_path, body, match):
    path = write_text(tmp_path / "bad.meme", MEME_PREAMBLE + body)
    with pytest.raises(ValueError, match=match):
        read_meme(path)


def test_read_meme_rejects_other_alphabets(tmp_path):
    path = write_text(tmp_path / "rna.meme", "MEME version 4\n\nALPHABET= ACGU\n")
    with pytest.raises(ValueError, match=r"rna.meme, line 3: alphabet 'ACGU' is not supported"):
        read_meme(path)


def test_empty_file_names_the_file(tmp_path):
    path = write_text(tmp_path / "empty.meme", "")
    with pytest.raises(ValueError, match=r"empty\.meme: no motifs found"):
        read_motifs(path)


# ----------------------------------------------------------------------------- JASPAR / PFM


def test_read_jaspar_counts_and_layouts(tmp_path):
    path = write_text(
        tmp_path / "x.jaspar",
        ">MA0004.1\tArnt\nA  [ 4 19 ]\nC  [16  0 ]\nG  [ 0  1 ]\nT  [ 0  0 ]\n"
        ">unlabelled\n1 3\n1 0\n1 0\n1 1\n"
        ">labels_shuffled\nT [1]\nA [3]\nG [0]\nC [0]\n"
        ">rows_of_four\n0.1 0.2 0.3 0.4\n1 0 0 0\n0 1 0 0\n",
    )
    arnt, unlabelled, shuffled, rows = read_jaspar(path)
    assert (arnt.name, arnt.alt_name) == ("MA0004.1", "Arnt")
    np.testing.assert_allclose(arnt.pwm, [[0.2, 0.8, 0, 0], [0.95, 0, 0.05, 0]])
    np.testing.assert_allclose(unlabelled.pwm, [[0.25] * 4, [0.75, 0, 0, 0.25]])
    np.testing.assert_allclose(shuffled.pwm, [[0.75, 0, 0, 0.25]])
    np.testing.assert_allclose(rows.pwm, [[0.1, 0.2, 0.3, 0.4], [1, 0, 0, 0], [0, 1, 0, 0]])


def test_read_headerless_pfm_is_named_after_the_file(tmp_path):
    plain = read_jaspar(write_text(tmp_path / "MA0001.pfm", "1 2 3\n1 0 0\n0 0 0\n2 2 1\n"))
    assert [m.name for m in plain] == ["MA0001"]
    np.testing.assert_allclose(plain[0].pwm[2], [0.75, 0, 0, 0.25])
    transposed = read_motifs(
        write_text(tmp_path / "SOX2.pfm", "1 2 3 4\n5 5 0 0\n4 0 0 0\n0 0 0 4\n0 0 0 4\n")
    )
    assert transposed[0].name == "SOX2" and transposed[0].length == 5


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (">m\nA [1 2]\nC [1 2]\nG [1]\nT [1 2]\n", r"line 4: base row has 1 values"),
        (">m\nA [1 2]\nC [1 2]\nG [1 2]\n", "one row per base labelled A, C, G, T"),
        (">m\nA [1 2]\nC [1 2]\nG [1 2]\nA [1 2]\n", "one row per base labelled"),
        (">m\n1 2 3\n1 2 3\n1 2 3\n", r"line 2: expected 4 values per row"),
        (">m\nA [1 two]\n", r"line 2: non-numeric value"),
        (">m\n>n\n1 0 0 0\n", r"line 1: motif 'm' has no matrix rows"),
        (">\n1 0 0 0\n", "header line without a motif name"),
        ("# only a comment\n", "no motifs found; is this a JASPAR motif file"),
    ],
)
def test_read_jaspar_errors(tmp_path, text, match):
    with pytest.raises(ValueError, match=match):
        read_jaspar(write_text(tmp_path / "bad.jaspar", text))


# ----------------------------------------------------------------------------- HOMER


def test_read_homer(tmp_path):
    path = write_text(
        tmp_path / "x.motif",
        ">TGASTCA\tAP-1(bZIP)/ThioMac-PU.1-ChIP-Seq(GSE21512)/Homer\t6.049\n"
        "0.419 0.275 0.277 0.028\n0.001 0.001 0.001 0.997\n\n>ONLY_CONSENSUS\n1 0 0 0\n",
    )
    ap1, single = read_homer(path)
    assert ap1.name == "AP-1(bZIP)/ThioMac-PU.1-ChIP-Seq(GSE21512)/Homer" and ap1.length == 2
    assert single.name == "ONLY_CONSENSUS"


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("0.1 0.2 0.3 0.4\n", r"line 1: matrix row before any '>' header"),
        (">A\tname\t5\n0.1 0.2 0.7\n", r"line 2: expected 4 values"),
        (">A\tname\t5\n0.1 0.2 0.7 NA\n", r"line 2: non-numeric value"),
        (">A\tname\t5\n>B\tother\t5\n1 0 0 0\n", r"line 1: motif 'name' has no matrix rows"),
    ],
)
def test_read_homer_errors(tmp_path, text, match):
    with pytest.raises(ValueError, match=match):
        read_homer(write_text(tmp_path / "bad.motif", text))


def test_write_homer_header(tmp_path):
    motif = Motif("AP 1", [[0.5, 0.5, 0, 0], [0.1, 0.1, 0.1, 0.7], [0.25] * 4])
    write_homer([motif], tmp_path / "x.motif", threshold_fraction=0.5)
    header = (tmp_path / "x.motif").read_text().splitlines()[0]
    expected = 0.5 * np.log(4 * 0.5) + 0.5 * np.log(4 * 0.7) + 0.5 * np.log(1.0)
    assert header == f">CT\tAP 1\t{expected:.6f}"
    with pytest.raises(ValueError, match=r"threshold_fraction must be in \[0, 1\]"):
        write_homer([motif], tmp_path / "y.motif", threshold_fraction=2)


# ----------------------------------------------------------------------------- tables


def test_motifs_from_table_columns_order_and_extras():
    frame = pd.DataFrame(
        {
            "Motif": ["b", "a", "b", "a", "b"],
            "POS": [3, 1, 1, 2, 2],
            "a": [1, 1, 0, 0, 0],
            "c": [0, 0, 1, 1, 0],
            "g": [0, 0, 0, 0, 1],
            "t": [0, 0, 0, 0, 0],
            "dataset": "x",
        }
    )
    b, a = motifs_from_table(frame, source="frame")
    assert (b.name, a.name, b.source) == ("b", "a", "frame")
    assert b.consensus() == "CGA" and a.consensus() == "AC"
    without_pos = motifs_from_table(frame.drop(columns="POS"))
    assert without_pos[0].consensus() == "ACG"


def test_motifs_to_table_round_trip(jaspar):
    table = motifs_to_table(jaspar[:5])
    assert list(table.columns) == ["motif", "pos", "A", "C", "G", "T"]
    assert table["pos"].tolist()[:7] == [0, 1, 2, 3, 4, 5, 0]
    assert_same_motifs(motifs_from_table(table), jaspar[:5], alt_names=False)


@pytest.mark.parametrize(
    ("frame", "match"),
    [
        (pd.DataFrame({"motif": ["a"], "A": [1], "c": [0]}), r"missing column\(s\) G, T"),
        (pd.DataFrame({"name": ["a"], "A": [1], "C": [0], "G": [0], "T": [0]}), r"\(s\) motif;"),
        (pd.DataFrame(columns=["motif", "A", "C", "G", "T"]), "the motif table is empty"),
        (
            pd.DataFrame({"motif": ["a", None], "A": 1, "C": 0, "G": 0, "T": 0}),
            "row 1: missing motif name",
        ),
        (
            pd.DataFrame({"motif": ["a", "a"], "A": [1, "x"], "C": 0, "G": 0, "T": 0}),
            r"row 1: non-numeric value 'x' in column 'A'",
        ),
        (
            pd.DataFrame({"motif": ["a", "a"], "A": [1, 0], "C": 0, "G": 0, "T": 0}),
            r"motif table: Motif 'a': row 1 of counts is all zero",
        ),
    ],
)
def test_motifs_from_table_errors(frame, match):
    with pytest.raises(ValueError, match=match):
        motifs_from_table(frame)
    with pytest.raises(TypeError, match="frame must be a pandas DataFrame"):
        motifs_from_table(frame.to_dict())


def test_read_motif_table_errors_name_the_line(tmp_path):
    path = write_text(
        tmp_path / "bad.tsv", "motif\tpos\tA\tC\tG\tT\na\t0\t1\t0\t0\t0\na\t1\t1\tNaN?\t0\t0\n"
    )
    with pytest.raises(
        ValueError, match=r"bad\.tsv, line 3: non-numeric value 'NaN\?' in column 'C'"
    ):
        read_motif_table(path)
    path = write_text(tmp_path / "bad.csv", "motif,pos,A,C,G\na,0,1,0,0\n")
    with pytest.raises(ValueError, match=r"bad\.csv: missing column\(s\) T"):
        read_motifs(path)
    path = write_text(tmp_path / "empty.tsv", "motif\tpos\tA\tC\tG\tT\n")
    with pytest.raises(ValueError, match=r"empty\.tsv: no motifs found"):
        read_motifs(path)


# ----------------------------------------------------------------------------- dispatch, writers


def test_format_dispatch(tmp_path, jaspar):
    path = tmp_path / "motifs.txt"
    write_motifs(jaspar[:2], path, format="homer")
    assert [m.name for m in read_motifs(path, format="homer")] == ["MA0004.1", "MA0069.1"]
    with pytest.raises(ValueError, match=r"extension '\.txt'; known extensions: \.meme, .*format="):
        read_motifs(path)
    with pytest.raises(ValueError, match="unknown motif format 'transfac'; known formats: meme"):
        write_motifs(jaspar[:2], path, format="transfac")


@pytest.mark.parametrize(
    ("motifs", "error", "match"),
    [
        ([], ValueError, "motifs is empty"),
        ([Motif("a", [[1, 0, 0, 0]]), "b"], TypeError, r"motifs\[1\] is a str, not a Motif"),
        (Motif("a", [[1, 0, 0, 0]]), TypeError, r"got a single Motif; wrap it: \[motif\]"),
    ],
)
def test_writer_input_errors(tmp_path, motifs, error, match):
    with pytest.raises(error, match=match):
        write_meme(motifs, tmp_path / "x.meme")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("writer", [write_meme, write_jaspar])
def test_writers_reject_names_with_whitespace(tmp_path, writer):
    with pytest.raises(ValueError, match=r"'AP 1' contains whitespace.*renamed"):
        writer([Motif("AP 1", [[1, 0, 0, 0]])], tmp_path / "x.txt")


class _Exploding(Motif):
    """A motif whose PWM cannot be read, to break a writer halfway through."""

    __slots__ = ()

    @property
    def pwm(self):
        raise RuntimeError("disk on fire")


@pytest.mark.parametrize("name", ["x.meme", "x.jaspar", "x.motif", "x.tsv.gz", "x.parquet"])
def test_failed_write_leaves_no_partial_or_temporary_file(tmp_path, jaspar, name):
    path = tmp_path / name
    broken = [*jaspar[:3], _Exploding("bad", [[1, 0, 0, 0]])]
    with pytest.raises(RuntimeError, match="disk on fire"):
        write_motifs(broken, path)
    assert list(tmp_path.iterdir()) == []
    write_motifs(jaspar[:2], path)
    before = path.read_bytes()
    with pytest.raises(RuntimeError, match="disk on fire"):
        write_motifs(broken, path)
    assert list(tmp_path.iterdir()) == [path]
    assert path.read_bytes() == before


# ----------------------------------------------------------------------------- unreadable files

GARBAGE = bytes([0x9A, 0x00, 0x13, 0xFF, 0x01, 0x02, 0x88, 0x07]) * 64


def test_binary_motif_file_names_the_file(tmp_path):
    path = tmp_path / "garbage.meme"
    path.write_bytes(GARBAGE)
    with pytest.raises(
        ValueError,
        match=r"garbage\.meme: not a text file \(byte 0x9a at offset 0, line 1, is not UTF-8, "
        r"and the file looks binary\); pass the motif file as text",
    ):
        load_motif_db(path)


def test_latin1_motif_file_names_the_file_line_and_fix(tmp_path):
    path = tmp_path / "latin1.meme"
    path.write_bytes((MEME_PREAMBLE + "MOTIF m1 Énhancer\n").encode("latin-1"))
    with pytest.raises(
        ValueError,
        match=r"latin1\.meme: not UTF-8 text \(byte 0xc9 at offset 41, line 5, .*Latin-1.*"
        r"iconv -f latin1 -t utf-8",
    ):
        read_meme(path)


def test_gz_motif_file_that_is_not_gzip(tmp_path):
    path = tmp_path / "garbage.meme.gz"
    path.write_bytes(b"\xc6\x1e" + GARBAGE)
    with pytest.raises(ValueError, match=r"garbage\.meme\.gz: not a gzip file \(its name ends"):
        load_motif_db(str(path))


def test_gzip_content_is_recognised_without_gz_name(tmp_path):
    path = tmp_path / "m.jaspar"
    path.write_bytes(gzip.compress(b">m1 X\nA [1 0]\nC [0 1]\nG [0 0]\nT [0 0]\n"))
    assert [m.name for m in read_jaspar(path)] == ["m1"]


def test_parquet_that_is_not_parquet(tmp_path):
    path = tmp_path / "garbage.parquet"
    path.write_bytes(GARBAGE)
    with pytest.raises(
        ValueError, match=r"garbage\.parquet: not a parquet file \(it does not start and end"
    ):
        load_motif_db(path)


def test_damaged_parquet_names_the_file(tmp_path):
    path = tmp_path / "damaged.parquet"
    write_motif_table([Motif("a", [[1, 0, 0, 0], [0, 1, 0, 0]])], path)
    data = bytearray(path.read_bytes())
    data[4:-8] = bytes(len(data) - 12)  # keep the PAR1 marks, zero everything between them
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"damaged\.parquet: cannot read this parquet file \("):
        read_motif_table(path)


@pytest.mark.parametrize("value", [None, 3, ["MA0004.1"]])
def test_load_motif_db_wrong_type(value):
    with pytest.raises(
        TypeError,
        match=r"name_or_path must be a bundled motif database name \('jaspar2024'\) or the path "
        rf"of a motif file \(a str or pathlib\.Path\); got {type(value).__name__}",
    ):
        load_motif_db(value)


def test_readers_wrong_type_and_missing_file(tmp_path):
    with pytest.raises(TypeError, match=r"path must be the path of the motif file .*NoneType"):
        read_meme(None)
    with pytest.raises(TypeError, match=r"path must be the path of the motif file .*NoneType"):
        read_motifs(None)
    with pytest.raises(FileNotFoundError, match=r"absent\.jaspar: no such motif file"):
        read_jaspar(tmp_path / "absent.jaspar")


def test_write_into_missing_folder_names_the_target(tmp_path):
    target = tmp_path / "nodir2" / "out.jaspar"
    with pytest.raises(
        FileNotFoundError, match=r"cannot write .*nodir2/out\.jaspar: the folder .*nodir2 does not"
    ) as info:
        write_motifs([Motif("a", [[1, 0, 0, 0]])], target)
    assert ".tmp" not in str(info.value)


def test_write_removes_orphans_of_an_interrupted_write(tmp_path):
    target = tmp_path / "db.meme.gz"
    orphan = tmp_path / f".db.meme.gz.{'0' * 32}.tmp"
    orphan.write_bytes(b"half")
    write_motifs([Motif("a", [[1, 0, 0, 0]])], target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["db.meme.gz"]
    assert [m.name for m in read_motifs(target)] == ["a"]
