from __future__ import annotations

import gzip
import os
import warnings

import pandas as pd
import pytest

from iqmodel.exceptions import IQModelWarning
from iqmodel.io.genome import Genome, extract_sequences

FASTA = ">chr1 first\nACGTacgtAC\nGTNNacgtTT\nGG\n>chr2\nAAAACCCCgg\nTT\n"
CHR1 = "ACGTacgtACGTNNacgtTTGG"
CHR2 = "AAAACCCCggTT"


@pytest.fixture
def fasta(tmp_path):
    path = tmp_path / "genome.fa"
    path.write_text(FASTA)
    return path


def test_fetch_upper_cases_soft_masked_bases(fasta):
    with Genome(fasta) as genome:
        assert genome.chrom_sizes == {"chr1": 22, "chr2": 12}
        assert genome.fetch("chr1", 0, 22) == CHR1.upper()
        assert genome.fetch("chr1", 8, 14) == "ACGTNN"
        assert genome.fetch("chr2", 9, 12) == "GTT"
        assert "chr2" in genome
        assert len(genome) == 2
    assert (fasta.parent / "genome.fa.fai").exists()


def test_soft_mask_n(fasta):
    with Genome(fasta, soft_mask="N") as genome:
        assert genome.fetch("chr1", 0, 10) == "ACGTNNNNAC"
        assert genome.fetch("chr2", 6, 12) == "CCNNTT"


def test_fetch_errors(fasta):
    genome = Genome(fasta)
    with pytest.raises(ValueError, match=r"'1' is not in genome.fa .*did you mean 'chr1'"):
        genome.fetch("1", 0, 5)
    with pytest.raises(ValueError, match=r"'chr3' is not in .*2 sequences: 'chr1', 'chr2'"):
        genome.fetch("chr3", 0, 5)
    with pytest.raises(ValueError, match=r"chr1:10-30 ends past the end of chr1 \(length 22 bp\)"):
        genome.fetch("chr1", 10, 30)
    with pytest.raises(ValueError, match=r"chr1:-1-5 has a negative start"):
        genome.fetch("chr1", -1, 5)
    with pytest.raises(ValueError, match=r"chr1:5-5 is empty"):
        genome.fetch("chr1", 5, 5)
    genome.close()
    genome.close()
    with pytest.raises(ValueError, match="is closed"):
        genome.fetch("chr1", 0, 5)


def test_open_errors(tmp_path, fasta):
    with pytest.raises(FileNotFoundError, match="no such FASTA file"):
        Genome(tmp_path / "absent.fa")
    with pytest.raises(ValueError, match="soft_mask must be one of"):
        Genome(fasta, soft_mask="lower")
    gz = tmp_path / "genome.fa.gz"
    with gzip.open(gz, "wt") as handle:
        handle.write(FASTA)
    with pytest.raises(ValueError, match=r"plain gzip.*gunzip -k genome.fa.gz.*bgzip"):
        Genome(gz)


def test_read_only_folder_indexes_in_temporary_folder(fasta, monkeypatch):
    monkeypatch.setattr("iqmodel.io.genome.os.access", lambda *args: False)
    genome = Genome(fasta)
    assert genome.fetch("chr2", 0, 4) == "AAAA"
    assert not (fasta.parent / "genome.fa.fai").exists()
    index_folder = genome._tmpdir
    assert os.path.exists(os.path.join(index_folder, "genome.fa.fai"))
    genome.close()
    assert not os.path.exists(index_folder)


def test_extract_sequences_and_all_bad_rows(fasta):
    peaks = pd.DataFrame(
        {"chrom": ["chr1", "chr2"], "start": [2, 0], "end": [6, 3], "name": ["a", "b"]}
    )
    with Genome(fasta) as genome:
        assert extract_sequences(genome, peaks) == ["GTAC", "AAA"]
        bad = pd.DataFrame(
            {
                "chrom": ["chr1", "chrZ", "chr2", "chr2"],
                "start": [0, 0, 10, 0],
                "end": [5, 5, 20, 5],
                "name": ["ok", "p_chrom", "p_end", "ok2"],
            }
        )
        with pytest.raises(
            ValueError,
            match=r"2 of 4 intervals cannot be extracted from genome.fa: 'p_chrom': chromosome "
            r"'chrZ' is not in .*'p_end': chr2:10-20 ends past the end of chr2 \(length 12 bp\)",
        ):
            extract_sequences(genome, bad)
    assert extract_sequences(fasta, peaks) == ["GTAC", "AAA"]


def test_real_gzip_genome(shared_data, tmp_path):
    source = shared_data / "genome" / "sacCer3_chrIV.fa.gz"
    with pytest.raises(ValueError, match="plain gzip"):
        Genome(source)
    with gzip.open(source, "rt") as handle:
        text = handle.read()
    plain = tmp_path / "sacCer3_chrIV.fa"
    plain.write_text(text)
    sequence = "".join(text.splitlines()[1:])
    with Genome(plain) as genome:
        assert genome.chrom_sizes == {"chrIV": 1_531_933}
        assert genome.fetch("chrIV", 1_000_000, 1_000_300) == sequence[1_000_000:1_000_300].upper()
        with pytest.raises(ValueError, match=r"did you mean 'chrIV'"):
            genome.fetch("IV", 0, 10)
        with pytest.raises(ValueError, match=r"length 1531933 bp"):
            genome.fetch("chrIV", 1_531_900, 1_532_000)


def test_bgzip_fasta_is_read(tmp_path):
    from Bio import bgzf

    path = tmp_path / "genome.fa.gz"
    with bgzf.BgzfWriter(str(path), "wb") as out:
        out.write(FASTA.encode())
    with Genome(path) as genome:
        assert genome.chrom_sizes == {"chr1": 22, "chr2": 12}
        assert genome.fetch("chr1", 8, 14) == "ACGTNN"


# ----------------------------------------------------------------------------- stale indexes


def write_fasta(path, records: dict[str, str], width: int, *, days_old: float = 0) -> None:
    """FASTA with ``width`` bases per line; ``days_old`` sets an older modification time
    (a file copied with `cp -p` or `rsync -t`)."""
    path.write_text(
        "".join(
            f">{name}\n" + "".join(seq[i : i + width] + "\n" for i in range(0, len(seq), width))
            for name, seq in records.items()
        )
    )
    if days_old:
        stamp = path.stat().st_mtime - days_old * 86400
        os.utime(path, (stamp, stamp))


def random_bases(rng, n: int) -> str:
    return "".join(rng.choice(list("ACGT"), n))


def test_stale_index_of_an_older_replacement_fasta_is_rebuilt(tmp_path, rng):
    """Audit #327: the replaced FASTA is older than its index, yet the index is wrong."""
    path = tmp_path / "g.fa"
    old, new = random_bases(rng, 6000), random_bases(rng, 9000)
    write_fasta(path, {"chrA": old}, 60)
    Genome(path).close()
    write_fasta(path, {"chrA": new}, 80, days_old=1)
    assert (tmp_path / "g.fa.fai").stat().st_mtime > path.stat().st_mtime
    with pytest.warns(
        IQModelWarning,
        match=r"g\.fa: its index g\.fa\.fai did not match it \(the first line of 'chrA' is not "
        r"60 bases long\); rebuilt g\.fa\.fai",
    ) as record:
        genome = Genome(path)
    assert record[0].filename == __file__  # points at the Genome(...) call
    with genome:
        assert genome.chrom_sizes == {"chrA": 9000}
        assert genome.fetch("chrA", 1000, 1100) == new[1000:1100]
    assert (tmp_path / "g.fa.fai").read_text() == "chrA\t9000\t6\t80\t81\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.fa", "g.fa.fai"]


@pytest.mark.parametrize(
    ("records", "width", "problem"),
    [
        ({"chrA": 9000}, 60, r"g\.fa has 9156 bytes, not the size g\.fa\.fai implies"),
        ({"chrA": 3000}, 60, r"'chrA' does not end at byte 6105 with a line of 60 bases"),
        ({"chrB": 6000}, 60, r"no header line '>chrA' ends at byte 6"),
        ({"chrA": 6000, "chrB": 10}, 60, r"g\.fa has \d+ bytes, not the size"),
    ],
)
def test_index_is_checked_against_the_file(tmp_path, rng, records, width, problem):
    path = tmp_path / "g.fa"
    write_fasta(path, {"chrA": random_bases(rng, 6000)}, 60)
    Genome(path).close()
    sequences = {name: random_bases(rng, n) for name, n in records.items()}
    write_fasta(path, sequences, width, days_old=1)
    with pytest.warns(IQModelWarning, match=problem), Genome(path) as genome:
        assert genome.chrom_sizes == {name: len(seq) for name, seq in sequences.items()}
        for name, seq in sequences.items():
            assert genome.fetch(name, 0, len(seq)) == seq


def test_matching_index_is_kept_whatever_its_age(tmp_path, rng):
    """Same layout, other bases: the index still fits, so it is used, not rebuilt."""
    path = tmp_path / "g.fa"
    write_fasta(path, {"chrA": random_bases(rng, 500), "chrB": random_bases(rng, 70)}, 60)
    Genome(path).close()
    fai = tmp_path / "g.fa.fai"
    os.utime(fai, (1_000_000, 1_000_000))  # much older than the FASTA file
    new = {"chrA": random_bases(rng, 500), "chrB": random_bases(rng, 70)}
    write_fasta(path, new, 60)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no rebuild, no warning (pyfaidx's age check included)
        with Genome(path) as genome:
            assert genome.fetch("chrB", 0, 70) == new["chrB"]
    assert fai.stat().st_mtime == 1_000_000


def test_stale_index_in_read_only_folder_is_rebuilt_in_temporary_folder(tmp_path, rng, monkeypatch):
    path = tmp_path / "g.fa"
    write_fasta(path, {"chrA": random_bases(rng, 600)}, 60)
    Genome(path).close()
    stale = (tmp_path / "g.fa.fai").read_text()
    new = random_bases(rng, 900)
    write_fasta(path, {"chrA": new}, 80, days_old=1)
    monkeypatch.setattr("iqmodel.io.genome.os.access", lambda *args: False)
    with pytest.warns(
        IQModelWarning,
        match=r"did not match it .*built a new index in a temporary folder, as .* is not "
        r"writable; rebuild g\.fa\.fai there \(`samtools faidx g\.fa`\)",
    ):
        genome = Genome(path)
    assert genome.fetch("chrA", 800, 900) == new[800:]
    assert (tmp_path / "g.fa.fai").read_text() == stale  # left alone
    index_folder = genome._tmpdir
    genome.close()
    assert not os.path.exists(index_folder)


def test_stale_index_that_cannot_be_rebuilt(tmp_path, rng):
    path = tmp_path / "g.fa"
    write_fasta(path, {"chrA": random_bases(rng, 600)}, 60)
    Genome(path).close()
    path.write_text(">chrA\n" + "ACGT" * 20 + "\nACG\n" + "ACGT" * 20 + "\n")  # ragged lines
    with pytest.raises(
        ValueError,
        match=r"g\.fa: its index g\.fa\.fai does not match it \(.*\), and a new index cannot be "
        r"built \(.*\); every sequence must have lines of equal length",
    ):
        Genome(path)


def test_damaged_index_is_rebuilt(fasta):
    Genome(fasta).close()
    (fasta.parent / "genome.fa.fai").write_text("chr1\tnot-a-number\n")
    with (
        pytest.warns(IQModelWarning, match=r"line 1 of genome\.fa\.fai is not a \.fai record"),
        Genome(fasta) as genome,
    ):
        assert genome.chrom_sizes == {"chr1": 22, "chr2": 12}


def test_stale_bgzip_indexes_are_rebuilt(tmp_path, rng):
    from Bio import bgzf

    def write_bgzip(path, records, width, days_old=0.0):
        plain = tmp_path / "plain.fa"
        write_fasta(plain, records, width)
        with bgzf.BgzfWriter(str(path), "wb") as out:
            out.write(plain.read_bytes())
        if days_old:
            stamp = path.stat().st_mtime - days_old * 86400
            os.utime(path, (stamp, stamp))

    path = tmp_path / "g.fa.gz"
    write_bgzip(path, {"chrA": random_bases(rng, 150_000), "chrB": random_bases(rng, 200)}, 60)
    Genome(path).close()
    assert (tmp_path / "g.fa.gz.gzi").exists()
    new = {"chrA": random_bases(rng, 90_000), "chrB": random_bases(rng, 250_000)}
    write_bgzip(path, new, 70, days_old=1)
    with (
        pytest.warns(
            IQModelWarning, match=r"g\.fa\.gz\.gzi.*; rebuilt g\.fa\.gz\.fai and g\.fa\.gz\.gzi"
        ),
        Genome(path) as genome,
    ):
        assert genome.chrom_sizes == {"chrA": 90_000, "chrB": 250_000}
        assert genome.fetch("chrB", 200_000, 200_100) == new["chrB"][200_000:200_100]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # now it matches: no rebuild, no warning
        with Genome(path) as genome:
            assert genome.fetch("chrA", 0, 10) == new["chrA"][:10]


def test_genome_path_type():
    with pytest.raises(TypeError, match=r"path must be the path of the FASTA file .*NoneType"):
        Genome(None)


def test_index_that_cannot_be_written_next_to_the_file(fasta, monkeypatch):
    """A folder that os.access calls writable but refuses writes (root and `chattr +i`)."""
    (fasta.parent / "genome.fa.fai").write_text("chr1\t5\t6\t5\t6\n")  # stale

    def refuse(path, write):
        raise PermissionError(f"cannot write {path}: the folder is not writable")

    monkeypatch.setattr("iqmodel.io.genome.atomic_write", refuse)
    with (
        pytest.warns(
            IQModelWarning,
            match=r"did not match it \(.*\); built a new index in a temporary folder \(cannot "
            r"write .*genome\.fa\.fai: the folder is not writable\)",
        ),
        Genome(fasta) as genome,
    ):
        assert genome.fetch("chr2", 0, 12) == CHR2.upper()
        assert os.path.exists(os.path.join(genome._tmpdir, "genome.fa.fai"))
    assert (fasta.parent / "genome.fa.fai").read_text() == "chr1\t5\t6\t5\t6\n"


def test_iupac_codes_in_the_genome_read_as_n_with_a_warning(tmp_path):
    path = tmp_path / "iupac.fa"
    path.write_text(">chrA\nACGTRACGTY\nACGTACGT-A\n")
    peaks = pd.DataFrame(
        {"chrom": ["chrA", "chrA"], "start": [0, 2], "end": [6, 8], "name": ["p0", "p1"]}
    )
    with pytest.warns(
        IQModelWarning, match=r"iupac.fa: 2 of 2 peak sequences contain IUPAC .* 'p0'"
    ):
        assert extract_sequences(path, peaks) == ["ACGTNA", "GTNACG"]
    other = pd.DataFrame({"chrom": ["chrA"], "start": [10], "end": [20], "name": ["p9"]})
    with pytest.raises(ValueError, match=r"peak 'p9' has the character '-' at chrA:19, which is"):
        extract_sequences(path, other)
