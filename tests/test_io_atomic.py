"""Tests for iqmodel.io._atomic: atomic writes (errors name the target, orphans are removed)
and the checked text reader shared by every file reader."""

from __future__ import annotations

import errno
import gzip
import re
import uuid

import pandas as pd
import pytest

from iqmodel.io._atomic import (
    UnreadableFileError,
    as_path,
    atomic_write,
    atomic_write_text,
    open_text,
    read_bytes,
    read_text,
    write_table,
)

GARBAGE = bytes([0x9A, 0x00, 0x13, 0xFF, 0x01, 0x02, 0x88, 0x07]) * 64
LATIN1 = "MEME version 4\n\nMOTIF x Éclair\n".encode("latin-1")


def orphan_of(path):
    """A temporary file of an interrupted write of ``path`` (as kill -9 leaves it)."""
    orphan = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    orphan.write_text("half a file")
    return orphan


def temporary_files(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# ----------------------------------------------------------------------------- atomic writes


def test_atomic_write_replaces_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "model.json"
    assert atomic_write_text(path, "one") == path
    atomic_write_text(path, "two")
    assert path.read_text() == "two"
    assert temporary_files(tmp_path) == []


def test_missing_folder_names_the_target(tmp_path):
    path = tmp_path / "nodir" / "x" / "model.json"
    with pytest.raises(
        FileNotFoundError, match=r"cannot write .*nodir/x/model\.json: the folder"
    ) as info:
        atomic_write_text(path, "x")
    message = str(info.value)
    assert "does not exist; create it first (`mkdir -p" in message
    assert ".tmp" not in message


def test_existing_folder_as_target_names_the_target(tmp_path):
    folder = tmp_path / "run_base"
    folder.mkdir()
    with pytest.raises(
        IsADirectoryError, match=r"cannot write .*run_base: it is an existing folder; give the path"
    ) as info:
        write_table(pd.DataFrame({"a": [1]}), folder)
    assert ".tmp" not in str(info.value)
    assert list(folder.iterdir()) == []


def test_parent_that_is_a_file(tmp_path):
    (tmp_path / "afile").write_text("x")
    with pytest.raises(
        NotADirectoryError, match=r"cannot write .*afile/out\.tsv: .*afile is a file"
    ):
        atomic_write_text(tmp_path / "afile" / "out.tsv", "x")


def test_read_only_folder_names_the_target(tmp_path):
    """A folder where the temporary file cannot be created (as with `chattr +i`, or a
    read-only folder for a non-root user); simulated, as root ignores permissions."""
    path = tmp_path / "model.json"
    path.write_text("old")

    def refuse(tmp):
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp))

    with pytest.raises(
        PermissionError,
        match=r"cannot write .*model\.json: the folder .* is not writable \(Permission denied\); "
        r"choose another folder.*model\.json is unchanged",
    ) as info:
        atomic_write(path, refuse)
    assert info.value.errno == errno.EACCES
    assert ".tmp" not in str(info.value)
    assert path.read_text() == "old"


def test_full_disk_names_the_target(tmp_path):
    path = tmp_path / "data.tsv.gz"

    def full(tmp):
        tmp.write_bytes(b"partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError, match=r"cannot write .*data\.tsv\.gz: no space left") as info:
        atomic_write(path, full)
    assert info.value.errno == errno.ENOSPC
    assert temporary_files(tmp_path) == []


def test_errors_about_other_files_are_not_reworded(tmp_path):
    def read_missing_input(tmp):
        open(tmp_path / "input.txt")

    with pytest.raises(FileNotFoundError, match=r"No such file or directory: .*input\.txt"):
        atomic_write(tmp_path / "out.txt", read_missing_input)
    assert list(tmp_path.iterdir()) == []


def test_wrong_path_type():
    with pytest.raises(TypeError, match=r"path must be the path of the output file .*got NoneType"):
        atomic_write_text(None, "x")
    with pytest.raises(TypeError, match=r"database must be the path of the motif file .*got int"):
        as_path(3, argument="database", what="motif file")


def test_successful_write_removes_orphans_of_the_same_target(tmp_path):
    path = tmp_path / "model.json"
    orphans = [orphan_of(path), orphan_of(path)]
    other = orphan_of(tmp_path / "other.json")
    lookalike = tmp_path / ".model.json.not-a-uuid.tmp"
    lookalike.write_text("keep")
    atomic_write_text(path, "new")
    assert path.read_text() == "new"
    assert not any(orphan.exists() for orphan in orphans)
    assert other.exists() and lookalike.exists()


def test_failed_write_keeps_orphans_and_target(tmp_path):
    path = tmp_path / "model.json"
    path.write_text("old")
    orphan = orphan_of(path)

    def fail(tmp):
        tmp.write_text("partial")
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError, match="interrupted"):
        atomic_write(path, fail)
    assert path.read_text() == "old"
    assert temporary_files(tmp_path) == [orphan.name]


def test_orphan_removal_handles_special_characters(tmp_path):
    path = tmp_path / "a[1]*.tsv"
    orphan = orphan_of(path)
    orphan_of_similar = orphan_of(tmp_path / "a1x.tsv")
    write_table(pd.DataFrame({"a": [1]}), path)
    assert not orphan.exists() and orphan_of_similar.exists()


# ----------------------------------------------------------------------------- reading


def test_open_text_plain_and_gzip_by_content(tmp_path):
    plain = tmp_path / "x.txt"
    plain.write_text("a\nb\r\nc")
    zipped = tmp_path / "x.bin"  # gzip content without a .gz name
    zipped.write_bytes(gzip.compress(b"a\nb\n"))
    assert read_text(plain) == "a\nb\nc"
    with open_text(zipped) as handle:
        assert list(handle) == ["a\n", "b\n"]
    assert read_bytes(zipped) == b"a\nb\n"


def test_binary_file_is_not_a_text_file(tmp_path):
    path = tmp_path / "garbage.meme"
    path.write_bytes(GARBAGE)
    with pytest.raises(
        UnreadableFileError,
        match=rf"{re.escape(str(path))}: not a text file \(byte 0x9a at offset 0, line 1, is not "
        r"UTF-8, and the file looks binary\); pass the motif file as text",
    ):
        read_text(path, what="motif file")


def test_latin1_file_names_byte_offset_line_and_fix(tmp_path):
    path = tmp_path / "latin1.meme"
    path.write_bytes(LATIN1)
    with pytest.raises(
        ValueError,
        match=r"latin1\.meme: not UTF-8 text \(byte 0xc9 at offset 24, line 3, is not UTF-8; the "
        r"file may be Latin-1 .*iconv -f latin1 -t utf-8 latin1\.meme > utf8_latin1\.meme",
    ):
        with open_text(path) as handle:
            for _ in handle:
                pass


def test_bad_byte_deep_in_a_gzip_file(tmp_path):
    text = b"line\n" * 300_000 + b"caf\xe9\n"  # past the first chunk of the decoder
    path = tmp_path / "big.tsv.gz"
    path.write_bytes(gzip.compress(text))
    with pytest.raises(
        UnreadableFileError,
        match=r"byte 0xe9 at offset 1500003, line 300001, of the decompressed content.*gunzip -c",
    ):
        read_text(path)


def test_gz_name_without_gzip_content(tmp_path):
    path = tmp_path / "garbage.meme.gz"
    path.write_bytes(b"\xc6\x1e" + GARBAGE)
    with pytest.raises(
        UnreadableFileError,
        match=rf"{re.escape(str(path))}: not a gzip file \(its name ends in \.gz, but it starts "
        r"with c6 1e instead of the gzip signature 1f 8b\); if it is plain text, rename it to "
        r"garbage\.meme",
    ):
        read_text(path)


def test_truncated_gzip(tmp_path):
    path = tmp_path / "x.bed.gz"
    path.write_bytes(gzip.compress(b"chr1\t0\t10\n" * 1000)[:-20])
    with pytest.raises(
        UnreadableFileError, match=r"x\.bed\.gz: the gzip data is truncated or corrupt"
    ):
        read_text(path, what="peak file")
    with pytest.raises(UnreadableFileError, match=r"gzip -t x\.bed\.gz"):
        read_bytes(path)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"absent\.tsv: no such counts table"):
        read_text(tmp_path / "absent.tsv", what="counts table")
    with pytest.raises(IsADirectoryError, match=r"is a folder; pass the counts table inside it"):
        read_text(tmp_path, what="counts table")
    with pytest.raises(TypeError, match=r"counts must be the path of the counts table"):
        read_text(None, argument="counts", what="counts table")


def test_utf16_text_gets_its_own_hint(tmp_path):
    path = tmp_path / "counts.tsv"
    path.write_bytes("peak\tc1\np1\t1\n".encode("utf-16"))
    with pytest.raises(
        UnreadableFileError,
        match=r"counts\.tsv: UTF-16 text, not UTF-8 .*iconv -f utf-16 -t utf-8 counts\.tsv",
    ):
        read_text(path)
