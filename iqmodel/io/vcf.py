"""Variants from VCF/BCF files (pysam), one row per alternative allele.

Plain, bgzip-compressed and BCF files are read; an index (``.tbi``/``.csi``) is used when
``region`` is given. Multi-allelic records are split into one row per ALT allele (``n_alts``
and ``allele`` say where a row came from). Positions stay 1-based, as in the file.
"""

from __future__ import annotations

import contextlib

import pandas as pd

from iqmodel.io._atomic import existing_file

__all__ = ["VARIANT_COLUMNS", "read_vcf"]

VARIANT_COLUMNS = ("chrom", "pos", "ref", "alt", "id")
"""Columns of a variant table: chromosome, 1-based position, REF and ALT alleles (VCF style,
the preceding base included for indels), and an identifier."""


@contextlib.contextmanager
def _quiet_htslib():
    """Silence htslib's stderr notes (missing contig lines...) while reading; restored after."""
    import pysam

    previous = pysam.set_verbosity(0)
    try:
        yield pysam
    finally:
        pysam.set_verbosity(previous)


def read_vcf(path, *, region: str | None = None) -> pd.DataFrame:
    r"""Read the variants of a VCF or BCF file.

    Parameters
    ----------
    path : str or Path
        ``.vcf``, ``.vcf.gz`` (bgzip) or ``.bcf``; needs the VCF header (``##fileformat`` and
        the ``#CHROM POS ID REF ALT ...`` line).
    region : str, optional
        ``"chr1:1000-2000"`` (1-based, inclusive, as tabix); needs an index next to the file.

    Returns
    -------
    DataFrame
        Columns ``chrom`` (str), ``pos`` (int64, 1-based), ``ref``, ``alt`` (upper case),
        ``id`` (the VCF ID, or ``chrom:pos:ref:alt`` when it is ``.``), ``allele`` (1-based
        index of the ALT in its record) and ``n_alts`` (ALT alleles of the record); one row
        per ALT allele, in file order.

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    ValueError
        For a file that is not VCF/BCF (e.g. a TSV without the VCF header), a record without
        REF or ALT (``.``), or ``region`` without an index.

    See Also
    --------
    iqmodel.variants.check_variants : The same table, checked, from a DataFrame or a file.
    iqmodel.variants.score_variants : Scores the variants of a VCF with a fitted model.

    Examples
    --------
    A record with two ALT alleles gives two rows; a missing ID is made from the alleles,
    which are upper-cased:

    >>> import pathlib, tempfile
    >>> from iqmodel.io.vcf import read_vcf
    >>> text = (
    ...     "##fileformat=VCFv4.2\n"
    ...     "##contig=<ID=chr1,length=1000>\n"
    ...     "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
    ...     "chr1\t10\trs1\tA\tG\t.\t.\t.\n"
    ...     "chr1\t20\t.\tc\tt,CA\t.\t.\t.\n"
    ... )
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder, "tiny.vcf")
    ...     _ = path.write_text(text)
    ...     variants = read_vcf(path)
    >>> variants.shape
    (3, 7)
    >>> variants["id"].tolist()
    ['rs1', 'chr1:20:C:T', 'chr1:20:C:CA']
    >>> variants["pos"].tolist(), variants["alt"].tolist()
    ([10, 20, 20], ['G', 'T', 'CA'])
    >>> variants[["allele", "n_alts"]].to_numpy().tolist()
    [[1, 1], [1, 2], [2, 2]]
    """
    path = existing_file(path, argument="path", what="VCF/BCF file")
    rows = []
    with _quiet_htslib() as pysam:
        try:
            handle = pysam.VariantFile(str(path))
        except (ValueError, OSError) as error:
            raise ValueError(
                f"{path}: not a VCF/BCF file ({error}); a VCF needs its header "
                "(##fileformat=VCFv4.x and the #CHROM POS ID REF ALT line). A table with "
                "columns chrom, pos, ref, alt can be passed as a DataFrame instead"
            ) from None
        with handle:
            try:
                records = handle.fetch(region=region) if region else handle
                for number, record in enumerate(records, start=1):
                    rows.extend(_record_rows(record, number, path))
            except (ValueError, OSError) as error:
                raise ValueError(f"{path}: cannot read the records: {error}") from None
    return pd.DataFrame(rows, columns=[*VARIANT_COLUMNS, "allele", "n_alts"]).astype(
        {"chrom": str, "pos": "int64", "allele": "int64", "n_alts": "int64"}
    )


def _record_rows(record, number: int, path) -> list[tuple]:
    """One row per ALT allele of a pysam record."""
    where = f"{path}: record {number} ({record.chrom}:{record.pos})"
    if record.ref in (None, "", "."):
        raise ValueError(f"{where} has no REF allele; every record needs REF")
    if not record.alts:
        raise ValueError(
            f"{where} has no ALT allele ('.'); only records with an alternative allele can be "
            "scored: drop the monomorphic records (e.g. `bcftools view -i 'ALT!=\".\"'`)"
        )
    ref = record.ref.upper()
    rows = []
    for allele, alt in enumerate(record.alts, start=1):
        alt = alt.upper() if alt and not alt.startswith("<") else alt
        name = record.id or f"{record.chrom}:{record.pos}:{ref}:{alt}"
        rows.append((str(record.chrom), int(record.pos), ref, alt, name, allele, len(record.alts)))
    return rows
