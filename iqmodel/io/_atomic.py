"""File plumbing shared by every reader and writer of :mod:`iqmodel.io`.

Writing: :func:`atomic_write` writes a temporary file next to the target (``.<name>.<uuid>.tmp``
in the same folder), flushes it to disk and renames it into place, so the target is either the
old file or the complete new one. Errors name the target, never the temporary file, and a
successful write removes the temporary files that interrupted writes (``kill -9``) of the same
target left behind.

Reading: :func:`open_text` opens a UTF-8 text file, plain or gzip-compressed (recognised by its
first bytes), and turns decoding and decompression errors into a :class:`UnreadableFileError`
that names the file, the problem and the fix. :func:`read_bytes` does the same for binary
formats (parquet). Every text reader of the package goes through these.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import gzip
import io
import os
import re
import uuid
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import pandas as pd

__all__ = [
    "UnreadableFileError",
    "as_path",
    "atomic_write",
    "atomic_write_text",
    "existing_file",
    "open_text",
    "read_bytes",
    "read_text",
    "write_table",
]

_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20
_NOT_WRITABLE = (errno.EACCES, errno.EPERM, errno.EROFS)
_GZIP_ERRORS = (EOFError, zlib.error, gzip.BadGzipFile)  # truncated or corrupt gzip data
_READ_ERRORS = (UnicodeDecodeError, *_GZIP_ERRORS)


# ----------------------------------------------------------------------------- paths


def as_path(value, *, argument: str = "path", what: str = "file") -> Path:
    """``value`` as a Path, or a TypeError naming ``argument`` and what it accepts.

    Parameters
    ----------
    value : str or os.PathLike
        The path given by the caller.
    argument : str, default "path"
        Name of the caller's argument, for the message.
    what : str, default "file"
        What the path points to (``"motif file"``, ``"peak file"``), for the message.

    Returns
    -------
    Path

    Raises
    ------
    TypeError
        When ``value`` is neither a str nor an ``os.PathLike`` (e.g. None).
    """
    if isinstance(value, str) or (
        isinstance(value, os.PathLike) and isinstance(os.fspath(value), str)
    ):
        return Path(value)
    raise TypeError(
        f"{argument} must be the path of the {what} (a str or pathlib.Path); "
        f"got {type(value).__name__}"
    )


def existing_file(value, *, argument: str = "path", what: str = "file") -> Path:
    """Like :func:`as_path`, and the file must exist and not be a folder.

    Raises
    ------
    TypeError
        For a value that is not a path.
    FileNotFoundError
        When nothing exists at the path.
    IsADirectoryError
        When the path is a folder.
    """
    path = as_path(value, argument=argument, what=what)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such {what}")
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder; pass the {what} inside it")
    return path


# ----------------------------------------------------------------------------- reading


class UnreadableFileError(ValueError):
    """A file that cannot be decoded or decompressed; the message names the file and the fix."""


def _is_gzip_name(path: Path) -> bool:
    return path.name.lower().endswith(".gz")


def _open_binary(path: Path, what: str) -> IO[bytes]:
    """Binary stream of the (decompressed) content of ``path``; gzip is recognised by content."""
    if _starts_as_gzip(path):
        return gzip.open(path, "rb")
    if _is_gzip_name(path):
        with open(path, "rb") as raw:
            head = raw.read(2)
        shown = " ".join(f"{byte:02x}" for byte in head) or "nothing (the file is empty)"
        plain = path.name[:-3]
        raise UnreadableFileError(
            f"{path}: not a gzip file (its name ends in .gz, but it starts with {shown} instead "
            f"of the gzip signature 1f 8b); if it is plain text, rename it to {plain}, otherwise "
            f"download or compress the {what} again (`gzip {plain}`)"
        )
    return open(path, "rb")


def _corrupt_gzip(path: Path, what: str, error: Exception) -> UnreadableFileError:
    return UnreadableFileError(
        f"{path}: the gzip data is truncated or corrupt ({error}); download or compress the "
        f"{what} again (`gzip -t {path.name}` checks a gzip file)"
    )


def _looks_binary(head: bytes) -> bool:
    """True for bytes that are not text in any 8-bit encoding (NUL or many control bytes)."""
    if b"\x00" in head:
        return True
    control = sum(1 for byte in head if byte < 0x20 and byte not in b"\t\n\r\f\v\x1b")
    return control > 0.05 * len(head)


def _first_bad_utf8(path: Path, what: str) -> tuple[int | None, int, int, bytes]:
    """Offset, value and line of the first byte that is not UTF-8, and the first 8 KiB."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    consumed = newlines = 0
    head = b""
    with _open_binary(path, what) as stream:
        while True:
            chunk = stream.read(_CHUNK)
            head = head or chunk[:8192]
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as error:
                carried = len(error.object) - len(chunk)  # incomplete character of the last chunk
                line = newlines + error.object[: error.start].count(b"\n") + 1
                return consumed - carried + error.start, error.object[error.start], line, head
            if not chunk:
                return None, 0, 0, head
            consumed += len(chunk)
            newlines += chunk.count(b"\n")


def _not_utf8(path: Path, what: str) -> UnreadableFileError:
    """Error for a file that is not UTF-8 text, locating the first bad byte."""
    offset, byte, line, head = _first_bad_utf8(path, what)
    compressed = _starts_as_gzip(path)
    where = "" if offset is None else f"byte 0x{byte:02x} at offset {offset}, line {line}, "
    if compressed:
        where += "of the decompressed content, "
    name = path.name
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return UnreadableFileError(
            f"{path}: UTF-16 text, not UTF-8 (it starts with a UTF-16 byte order mark); save it "
            f"as UTF-8, e.g. `iconv -f utf-16 -t utf-8 {name} > utf8_{name}`"
        )
    if _looks_binary(head):
        return UnreadableFileError(
            f"{path}: not a text file ({where}is not UTF-8, and the file looks binary); "
            f"pass the {what} as text, plain or gzip-compressed"
        )
    convert = (
        f"`gunzip -c {name} | iconv -f latin1 -t utf-8 | gzip > utf8_{name}`"
        if compressed
        else f"`iconv -f latin1 -t utf-8 {name} > utf8_{name}`"
    )
    return UnreadableFileError(
        f"{path}: not UTF-8 text ({where}is not UTF-8; the file may be Latin-1 or "
        f"Windows-1252 text); convert it to UTF-8, e.g. {convert}"
    )


def _starts_as_gzip(path: Path) -> bool:
    with open(path, "rb") as raw:
        return raw.read(2) == _GZIP_MAGIC


class _CheckedText:
    """Read-only text stream whose decoding/decompression errors name the file."""

    def __init__(self, path: Path, what: str) -> None:
        self.path = path
        self.what = what
        self._handle = io.TextIOWrapper(_open_binary(path, what), encoding="utf-8")

    def _error(self, error: Exception) -> UnreadableFileError:
        if isinstance(error, UnicodeDecodeError):
            return _not_utf8(self.path, self.what)
        return _corrupt_gzip(self.path, self.what, error)

    def read(self, size: int = -1) -> str:
        try:
            return self._handle.read(size)
        except _READ_ERRORS as error:
            raise self._error(error) from None

    def readline(self, size: int = -1) -> str:
        try:
            return self._handle.readline(size)
        except _READ_ERRORS as error:
            raise self._error(error) from None

    def __iter__(self) -> _CheckedText:
        return self

    def __next__(self) -> str:
        try:
            return next(self._handle)
        except _READ_ERRORS as error:
            raise self._error(error) from None

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> _CheckedText:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_text(path, *, argument: str = "path", what: str = "file") -> _CheckedText:
    """Open a UTF-8 text file, plain or gzip-compressed, for reading.

    Gzip is recognised by the first bytes of the file, whatever its name; a name ending in
    ``.gz`` with other content is an error. Lines keep their ``\\n`` (universal newlines).

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    argument, what : str
        Name of the caller's argument and what the file holds (``"motif file"``), for
        messages.

    Returns
    -------
    text stream
        With ``read``, ``readline``, line iteration and ``close``; a context manager.

    Raises
    ------
    TypeError
        When ``path`` is not a path.
    FileNotFoundError, IsADirectoryError
        When the file does not exist or is a folder.
    UnreadableFileError
        (a ValueError) When reading meets a byte that is not UTF-8 (``"<path>: not a text
        file (byte 0x9a at offset 0, line 1, is not UTF-8 ...)"``), a ``.gz`` file that is not
        gzip, or truncated or corrupt gzip data.
    """
    return _CheckedText(existing_file(path, argument=argument, what=what), what)


def read_text(path, *, argument: str = "path", what: str = "file") -> str:
    """Whole content of a text file, plain or gzip (see :func:`open_text`)."""
    with open_text(path, argument=argument, what=what) as handle:
        return handle.read()


def read_bytes(path, *, argument: str = "path", what: str = "file") -> bytes:
    """Whole content of a file, decompressed when it is gzip (see :func:`open_text`)."""
    path = existing_file(path, argument=argument, what=what)
    with _open_binary(path, what) as stream:
        try:
            return stream.read()
        except _GZIP_ERRORS as error:
            raise _corrupt_gzip(path, what, error) from None


# ----------------------------------------------------------------------------- writing


def _temporary_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")


def _orphans(path: Path) -> Iterator[Path]:
    """Temporary files of earlier, interrupted writes of ``path`` (``.<name>.<uuid>.tmp``)."""
    pattern = re.compile(rf"\.{re.escape(path.name)}\.[0-9a-f]{{32}}\.tmp")
    with os.scandir(path.parent) as entries:
        for entry in entries:
            if pattern.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
                yield path.with_name(entry.name)


def _check_target(path: Path) -> None:
    """Errors, naming ``path``, for a target that cannot be written (checked before writing)."""
    if path.is_dir():
        raise IsADirectoryError(
            f"cannot write {path}: it is an existing folder; give the path of a file (for "
            "example a name inside that folder)"
        )
    parent = path.parent
    if not parent.exists():
        raise FileNotFoundError(
            f"cannot write {path}: the folder {parent} does not exist; create it first "
            f"(`mkdir -p {parent}`) or choose an existing folder"
        )
    if not parent.is_dir():
        raise NotADirectoryError(f"cannot write {path}: {parent} is a file, not a folder")


def _names_file(error: OSError, tmp: Path) -> bool:
    """Whether ``error`` is about ``tmp`` (or names no file at all, e.g. a full disk)."""
    names = [
        Path(os.fsdecode(name)).name
        for name in (error.filename, error.filename2)
        if isinstance(name, (str, bytes, os.PathLike))
    ]
    return not names or tmp.name in names


def _target_error(error: OSError, path: Path) -> OSError:
    """``error`` (raised while writing the temporary file) reworded to name ``path``."""
    reason = error.strerror or str(error)
    if error.errno in _NOT_WRITABLE:
        message = (
            f"cannot write {path}: the folder {path.parent} is not writable ({reason}); "
            "choose another folder or make this one writable"
        )
    elif error.errno == errno.ENOSPC:
        message = f"cannot write {path}: no space left on the device; free space or write elsewhere"
    elif error.errno == errno.EISDIR:
        message = f"cannot write {path}: it is an existing folder; give the path of a file"
    else:
        message = f"cannot write {path}: {reason}"
    message += f" (any existing {path.name} is unchanged)"
    try:
        new = type(error)(message)
    except TypeError:  # an OSError subclass with another constructor
        new = OSError(message)
    new.errno = error.errno
    return new


def atomic_write(path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temporary file next to ``path``, then move it into place.

    The temporary file (``.<name>.<uuid>.tmp`` in the folder of ``path``) is flushed to disk
    (fsync) and renamed over ``path`` (:func:`os.replace`, atomic on POSIX), so ``path`` is
    always either the old file or the complete new one. A failing or interrupted write leaves
    ``path`` untouched; an exception removes the temporary file, and temporary files of the
    same target that a killed process (``kill -9``) left behind are removed by the next
    successful write. Two processes writing the same target at the same moment race: the
    last rename wins, and a writer whose temporary file was removed meanwhile gets an error.

    Parameters
    ----------
    path : str or os.PathLike
        Target file.
    write : callable
        Writes the whole content to the path it is given.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    TypeError
        When ``path`` is not a path.
    FileNotFoundError, NotADirectoryError, IsADirectoryError
        When the folder of ``path`` does not exist or is a file, or ``path`` is a folder.
    OSError
        (the original subclass and errno, e.g. PermissionError) When writing fails, e.g. in a
        read-only folder or on a full disk; the message names ``path``, not the temporary file.
    """
    path = as_path(path, what="output file")
    _check_target(path)
    tmp = _temporary_name(path)
    try:
        write(tmp)
        _fsync(tmp, os.O_RDONLY)
        os.replace(tmp, path)
    except OSError as error:
        if not _names_file(error, tmp):
            raise
        raise _target_error(error, path) from error
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
    _fsync(path.parent, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0), required=False)
    for orphan in _orphans(path):
        with contextlib.suppress(OSError):
            orphan.unlink()
    return path


def _fsync(path: Path, flags: int, *, required: bool = True) -> None:
    """Flush ``path`` (a file, or a folder's entries) to disk."""
    try:
        descriptor = os.open(path, flags)
    except OSError:
        if required:
            raise
        return
    try:
        os.fsync(descriptor)
    except OSError as error:
        if required and error.errno not in (errno.EINVAL, errno.EBADF, errno.ENOTSUP):
            raise
    finally:
        os.close(descriptor)


def atomic_write_text(path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically (see :func:`atomic_write`)."""

    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8") as out:
            out.write(text)

    return atomic_write(path, write)


def write_table(table: pd.DataFrame, path, *, index: bool = False) -> Path:
    """Write a DataFrame as tab-separated text atomically; ``.gz`` paths are gzip-compressed."""
    compression = "gzip" if str(path).endswith(".gz") else None
    return atomic_write(
        path,
        lambda tmp: table.to_csv(tmp, sep="\t", index=index, compression=compression),
    )
