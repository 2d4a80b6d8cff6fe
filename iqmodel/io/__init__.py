"""Readers and writers: motif files and bundled motif databases."""

from __future__ import annotations

from iqmodel.io.motif_files import (
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

__all__ = [
    "load_motif_db",
    "motifs_from_table",
    "motifs_to_table",
    "read_homer",
    "read_jaspar",
    "read_meme",
    "read_motif_table",
    "read_motifs",
    "write_homer",
    "write_jaspar",
    "write_meme",
    "write_motif_table",
    "write_motifs",
]
