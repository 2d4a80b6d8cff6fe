"""Genomic variants scored in model-length windows of a genome (``score_variants``).

Each variant ``chrom, pos (1-based), ref, alt`` is scored in a window of the model's training
length: the window of the peak that contains it when ``peaks`` are given (the peak resized as
for training, :func:`iqmodel.io.resize_intervals`, because IQ spatial profiles are relative to
the peak centre), else a window centred on the variant (flagged in the ``window`` column). The
alt window is the ref window with the allele replaced; after an indel the right flank is
shifted so the window keeps its length (a deletion pulls in genome bases from the right, an
insertion pushes bases out on the right). Effects are ``alt minus ref``.
"""

from __future__ import annotations

import itertools
import re
import warnings
import zlib
from typing import NamedTuple

import numpy as np
import pandas as pd

from iqmodel._validation import format_names
from iqmodel.exceptions import IQModelWarning
from iqmodel.io.genome import Genome
from iqmodel.io.intervals import check_peaks, read_peaks, resize_intervals
from iqmodel.io.vcf import read_vcf
from iqmodel.sampling import stage_seeds
from iqmodel.variants.effects import trajectory_models, variant_effects

__all__ = [
    "VariantScores",
    "check_variants",
    "dinucleotide_shuffle",
    "score_variants",
]

_ALIASES = {
    "chrom": ("chrom", "#chrom", "chr", "chromosome", "seqnames"),
    "pos": ("pos", "position"),
    "ref": ("ref",),
    "alt": ("alt",),
    "id": ("id", "name", "variant_id", "rsid"),
}
_DNA = re.compile("^[ACGTN]+$")
_SHOWN = 5
_VARIANT_FIELDS = ["id", "chrom", "pos", "ref", "alt"]
_ON_INVALID = ("raise", "skip")
_MIXUP_SHARE = 0.9  # REF matches one base to the right for this share of SNVs: 0-based input
_MIN_MIXUP_SNVS = 5


class VariantScores(NamedTuple):
    r"""Result of :func:`score_variants`.

    Attributes
    ----------
    effects : DataFrame
        One row per scored variant (and trajectory): the variant (``id``, ``chrom``, ``pos``,
        ``ref``, ``alt``), its window (``window``: ``"peak"``, ``"variant"`` when no peak
        contains it, ``"variant:outside_peak_window"`` when its peak's model window does not
        reach it; ``peak``; ``window_start`` 0-based; ``offset`` of the variant in the
        window), the columns of :func:`iqmodel.variants.variant_effects`, then ``pvalue``
        (with ``n_null > 0``) and ``active_allele_quantile`` (with a background).
    skipped : DataFrame
        Variants that could not be scored (``on_invalid="skip"``): the variant columns and
        ``reason``. Empty when every variant was scored.

    See Also
    --------
    score_variants : Returns it.

    Examples
    --------
    One SNV in a genome made of a training sequence, scored without a null:

    >>> import pathlib, tempfile
    >>> import pandas as pd
    >>> from iqmodel import IQModel
    >>> from iqmodel.datasets import make_planted_dataset
    >>> from iqmodel.variants import score_variants
    >>> data = make_planted_dataset(n_seqs=200, seq_length=100, n_motifs=2, random_state=0)
    >>> model = IQModel(filter=False, glm_lambda=1e-3, sequence_features=False, verbose=0)
    >>> model = model.fit_with_motifs(data.sequences, data.dap, data.truth.motifs)
    >>> seq = data.sequences[0]
    >>> snv = pd.DataFrame({"chrom": ["chr1"], "pos": [51], "ref": [seq[50]], "alt": ["N"]})
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     fasta = pathlib.Path(folder, "genome.fa")
    ...     _ = fasta.write_text(">chr1\n" + seq + "\n")
    ...     scores = score_variants(model, snv, fasta, n_null=0)
    >>> scores.effects.shape, list(scores.effects.columns[:9])  # doctest: +NORMALIZE_WHITESPACE
    ((1, 20), ['id', 'chrom', 'pos', 'ref', 'alt', 'window', 'peak', 'window_start',
     'offset'])
    >>> scores.effects.at[0, "window"], int(scores.effects.at[0, "window_start"])
    ('variant', 0)
    >>> scores.skipped.empty
    True
    """

    effects: pd.DataFrame
    skipped: pd.DataFrame


# ----------------------------------------------------------------------------- input table


def _find(columns, aliases) -> str | None:
    lower = {str(c).lower(): c for c in columns}
    return next((lower[a] for a in aliases if a in lower), None)


def check_variants(variants) -> pd.DataFrame:
    """A variant table in canonical form: multi-allelic rows split, positions checked.

    Parameters
    ----------
    variants : DataFrame or path
        Columns ``chrom``, ``pos`` (1-based, as VCF), ``ref``, ``alt`` and optionally ``id``
        (case-insensitive; ``#CHROM``, ``chr``, ``position`` also work); ALT may hold several
        alleles separated by commas. A path is read with :func:`iqmodel.io.vcf.read_vcf`.

    Returns
    -------
    DataFrame
        Columns ``id, chrom, pos, ref, alt`` (upper-case alleles, one ALT per row) then the
        other input columns; a fresh RangeIndex.

    Raises
    ------
    ValueError
        For missing columns, positions that are not whole numbers, or positions below 1
        (0-based input: add 1).

    Examples
    --------
    VCF-style column names; a multi-allelic row is split and missing IDs are made from the
    alleles:

    >>> import pandas as pd
    >>> from iqmodel.variants import check_variants
    >>> raw = pd.DataFrame(
    ...     {
    ...         "#CHROM": ["chr1", "chr2"],
    ...         "POS": [100, 5],
    ...         "ID": [".", "rs7"],
    ...         "REF": ["a", "C"],
    ...         "ALT": ["G,t", "CA"],
    ...         "gene": ["x", "y"],
    ...     }
    ... )
    >>> table = check_variants(raw)
    >>> table.columns.tolist()
    ['id', 'chrom', 'pos', 'ref', 'alt', 'gene']
    >>> for row in table.itertuples(index=False):
    ...     print(row.id, row.pos, row.ref, row.alt, row.gene)
    chr1:100:A:G 100 A G x
    chr1:100:A:T 100 A T x
    rs7 5 C CA y
    >>> check_variants(raw.assign(POS=[0, 5]))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: variants: pos must be 1-based (VCF style) but row 0 has pos 0; ...
    """
    if not isinstance(variants, pd.DataFrame):
        variants = read_vcf(variants)
    found = {key: _find(variants.columns, aliases) for key, aliases in _ALIASES.items()}
    missing = [key for key in ("chrom", "pos", "ref", "alt") if found[key] is None]
    if missing:
        raise ValueError(
            f"variants lack the column(s) {', '.join(missing)}; they have "
            f"[{format_names(variants.columns)}]. A variant table needs chrom, pos (1-based), "
            "ref, alt (VCF style) and optionally id"
        )
    pos = pd.to_numeric(variants[found["pos"]], errors="coerce")
    bad = np.flatnonzero(pos.isna().to_numpy() | (pos.fillna(0) % 1 != 0).to_numpy())
    if len(bad):
        raise ValueError(
            f"variants: pos must be whole numbers; row {bad[0]} has "
            f"{variants[found['pos']].iloc[bad[0]]!r}"
        )
    if (pos < 1).any():
        row = int(np.flatnonzero((pos < 1).to_numpy())[0])
        raise ValueError(
            f"variants: pos must be 1-based (VCF style) but row {row} has pos "
            f"{int(pos.iloc[row])}; the input looks 0-based (BED style): add 1 to every pos"
        )
    table = pd.DataFrame(
        {
            "chrom": variants[found["chrom"]].astype(str).to_numpy(),
            "pos": pos.astype("int64").to_numpy(),
            "ref": variants[found["ref"]].astype(str).str.upper().to_numpy(),
            "alt": variants[found["alt"]].astype(str).to_numpy(),
        }
    )
    given = variants[found["id"]].astype(str).to_numpy() if found["id"] else None
    table.insert(0, "id", given if given is not None else "")
    extra = [c for c in variants.columns if c not in found.values()]
    for column in extra:
        table[column] = variants[column].to_numpy()
    table["alt"] = table["alt"].str.split(",")
    table = table.explode("alt", ignore_index=True)
    table["alt"] = [a if a.startswith("<") else a.upper() for a in table["alt"]]
    unnamed = table["id"].isin(["", ".", "nan", "None"])
    table.loc[unnamed, "id"] = [
        f"{c}:{p}:{r}:{a}"
        for c, p, r, a in table.loc[unnamed, ["chrom", "pos", "ref", "alt"]].to_numpy()
    ]
    return table


def _allele_problem(ref: str, alt: str) -> str | None:
    """Why an allele pair cannot be scored, or None."""
    if alt.startswith("<") or "[" in alt or "]" in alt or alt in ("*", ".", ""):
        return (
            f"symbolic allele: the ALT {alt!r} is symbolic or missing; only sequence alleles "
            "(ACGTN) can be scored: resolve structural variants to sequence or drop them"
        )
    if alt == "-" or ref == "-":
        return (
            "dash allele: '-' is not an allele; write indels VCF style, with the preceding base "
            "in both alleles (e.g. REF AT, ALT A)"
        )
    if not (_DNA.match(ref) and _DNA.match(alt)):
        return f"not DNA: alleles {ref!r} > {alt!r} must be ACGTN"
    if ref == alt:
        return f"same alleles: REF and ALT are both {ref!r}"
    return None


# ----------------------------------------------------------------------------- genome checks


def _genome_problems(table: pd.DataFrame, genome: Genome, check_ref: bool) -> list[str | None]:
    """Per variant: why it cannot be placed on the genome (chromosome, position, REF)."""
    sizes = genome.chrom_sizes
    problems = []
    for chrom, pos, ref in table[["chrom", "pos", "ref"]].itertuples(index=False):
        if chrom not in sizes:
            problems.append(f"unknown chromosome: {chrom!r} is not in the genome")
        elif pos - 1 + len(ref) > sizes[chrom]:
            problems.append(f"outside the genome: {chrom} has {sizes[chrom]} bp")
        elif check_ref and genome.fetch(chrom, pos - 1, pos - 1 + len(ref)) != ref:
            found = genome.fetch(chrom, pos - 1, pos - 1 + len(ref))
            problems.append(f"REF mismatch: REF {ref}, genome has {found}")
        else:
            problems.append(None)
    return problems


def _check_origin(table: pd.DataFrame, genome: Genome, problems: list) -> None:
    """Raise when REF alleles match the genome one base to the right far more often than at
    ``pos``: positions given 0-based."""
    snv = [
        i
        for i, (ref, alt, p) in enumerate(zip(table["ref"], table["alt"], problems, strict=True))
        if len(ref) == 1 and len(alt) == 1 and (p is None or p.startswith("REF mismatch"))
    ]
    if len(snv) < _MIN_MIXUP_SNVS:
        return
    sizes = genome.chrom_sizes
    matches = 0
    for i in snv:
        chrom, pos, ref = table.at[i, "chrom"], table.at[i, "pos"], table.at[i, "ref"]
        matches += pos < sizes[chrom] and genome.fetch(chrom, pos, pos + 1) == ref
    as_given = sum(problems[i] is None for i in snv)
    if matches >= _MIXUP_SHARE * len(snv) and as_given < _MIXUP_SHARE * len(snv):
        raise ValueError(
            f"REF alleles match the genome one base to the right of pos for {matches} of "
            f"{len(snv)} SNVs (at pos: {as_given}): the positions look 0-based; pos must be "
            "1-based as in VCF: add 1 to every pos"
        )


# ----------------------------------------------------------------------------- windows


class _Window(NamedTuple):
    start: int
    mode: str
    peak: str


def _peak_windows(peaks, length: int, genome: Genome) -> pd.DataFrame:
    peaks = read_peaks(peaks) if not isinstance(peaks, pd.DataFrame) else check_peaks(peaks)
    return resize_intervals(peaks, length, genome.chrom_sizes)


def _containing_peaks(table: pd.DataFrame, windows: pd.DataFrame | None) -> list:
    """Per variant, the row of ``windows`` whose original peak contains it (nearest centre
    when several do), or None."""
    if windows is None:
        return [None] * len(table)
    found = []
    by_chrom = {chrom: rows for chrom, rows in windows.groupby("chrom", sort=False)}
    for chrom, pos in table[["chrom", "pos"]].itertuples(index=False):
        rows = by_chrom.get(chrom)
        if rows is None:
            found.append(None)
            continue
        inside = rows[(rows["orig_start"] <= pos - 1) & (rows["orig_end"] > pos - 1)]
        if inside.empty:
            found.append(None)
            continue
        centre = inside["start"] + (inside["end"] - inside["start"]) // 2  # the summit
        found.append(inside.index[int(np.argmin(np.abs(centre.to_numpy() - (pos - 1))))])
    return found


def _window(pos0: int, peak_row, windows, length: int) -> _Window:
    if peak_row is not None:
        start = int(windows.at[peak_row, "start"])
        name = str(windows.at[peak_row, "name"])
        if start <= pos0 < start + length:
            return _Window(start, "peak", name)
        return _Window(pos0 - length // 2, "variant:outside_peak_window", name)
    return _Window(pos0 - length // 2, "variant", "")


def _window_problem(window: _Window, pos0, ref, alt, chrom_length, length) -> str | None:
    extra = max(len(ref) - len(alt), 0)
    if window.start < 0 or window.start + length + extra > chrom_length:
        return (
            f"too close to the chromosome end: a {length}-bp window needs "
            f"{window.start}-{window.start + length + extra} on a {chrom_length}-bp "
            "chromosome"
        )
    if pos0 - window.start + max(len(ref), len(alt)) > length:
        return (
            f"indel too long for the window: {len(ref)}-bp REF / {len(alt)}-bp ALT at offset "
            f"{pos0 - window.start} of a {length}-bp window"
        )
    return None


def _allele_windows(genome, chrom, window: _Window, pos0, ref, alt, length) -> tuple[str, str]:
    extra = max(len(ref) - len(alt), 0)
    bases = genome.fetch(chrom, window.start, window.start + length + extra)
    offset = pos0 - window.start
    return bases[:length], (bases[:offset] + alt + bases[offset + len(ref) :])[:length]


# ----------------------------------------------------------------------------- nulls


def dinucleotide_shuffle(seq: str, rng: np.random.Generator) -> str:
    """A random sequence with exactly the dinucleotide counts of ``seq`` (Altschul-Erickson).

    The same first and last letter, the same count of every ordered pair of letters.

    Parameters
    ----------
    seq : str
        The sequence to shuffle (any letters).
    rng : numpy Generator
        Source of randomness.

    Returns
    -------
    str
        Same length as ``seq``; ``seq`` itself when it has fewer than 3 letters.

    Examples
    --------
    >>> from collections import Counter
    >>> import numpy as np
    >>> from iqmodel.variants import dinucleotide_shuffle
    >>> seq = "ACGTTGCAAGGCTTACGA"
    >>> shuffled = dinucleotide_shuffle(seq, np.random.default_rng(1))
    >>> def pairs(s):
    ...     return Counter(zip(s, s[1:]))
    >>> pairs(shuffled) == pairs(seq), shuffled[0] + shuffled[-1] == seq[0] + seq[-1]
    (True, True)
    >>> dinucleotide_shuffle("AC", np.random.default_rng(1))
    'AC'
    """
    if len(seq) < 3:
        return seq
    edges: dict[str, list[str]] = {}
    for first, second in itertools.pairwise(seq):
        edges.setdefault(first, []).append(second)
    last = seq[-1]
    while True:  # a random last-exit edge per letter, forming a tree into `last`
        exits = {v: int(rng.integers(len(out))) for v, out in edges.items() if v != last}
        if all(_reaches(v, last, edges, exits) for v in exits):
            break
    order = {}
    for letter, out in edges.items():
        out = list(out)
        final = out.pop(exits[letter]) if letter in exits else None
        out = [out[i] for i in rng.permutation(len(out))]
        order[letter] = [*out, final] if final is not None else out
    used = dict.fromkeys(order, 0)
    walk = [seq[0]]
    for _ in range(len(seq) - 1):
        letter = walk[-1]
        walk.append(order[letter][used[letter]])
        used[letter] += 1
    return "".join(walk)


def _reaches(letter: str, last: str, edges, exits) -> bool:
    seen = set()
    while letter != last:
        if letter in seen:
            return False
        seen.add(letter)
        letter = edges[letter][exits[letter]]
    return True


def _variant_rng(root: np.random.SeedSequence, key: str) -> np.random.Generator:
    """A generator for one variant that depends on the seed and the variant, not its row."""
    spawn_key = (*root.spawn_key, zlib.crc32(key.encode()))
    return np.random.default_rng(np.random.SeedSequence(root.entropy, spawn_key=spawn_key))


def _null_pairs(left: str, right: str, ref: str, alt: str, length: int, n_null: int, rng):
    """``n_null`` (ref, alt) windows of ``length`` bp: the alleles between dinucleotide-shuffled
    copies of their left and right flanks."""
    pairs = []
    for _ in range(n_null):
        new_left = dinucleotide_shuffle(left, rng)
        new_right = dinucleotide_shuffle(right, rng)
        pairs.append(((new_left + ref + new_right)[:length], (new_left + alt + new_right)[:length]))
    return pairs


def _right_flank(genome, row, length: int) -> str:
    """Genome bases right of the REF allele that the variant's windows use (a deletion pulls
    in more)."""
    start = row.window_start + row.offset + len(row.ref)
    end = row.window_start + length + max(len(row.ref) - len(row.alt), 0)
    return genome.fetch(row.chrom, start, end) if end > start else ""


# ----------------------------------------------------------------------------- main


def _report_invalid(table, problems, on_invalid) -> pd.DataFrame:
    bad = [i for i, p in enumerate(problems) if p is not None]
    skipped = table.iloc[bad][_VARIANT_FIELDS]
    skipped = skipped.assign(reason=[problems[i] for i in bad]).reset_index(drop=True)
    if not bad:
        return skipped
    kinds = pd.Series([p.split(":")[0] for p in skipped["reason"]]).value_counts()
    counts = "; ".join(f"{kind}: {count}" for kind, count in kinds.items())
    shown = "; ".join(
        f"{row.id} ({row.chrom}:{row.pos}) {row.reason}"
        for row in skipped.head(_SHOWN).itertuples()
    )
    message = f"{len(bad)} of {len(table)} variants cannot be scored ({counts}): {shown}"
    if on_invalid == "raise":
        raise ValueError(
            f"{message}. Fix them, or pass on_invalid='skip' (CLI: --skip-invalid) to score "
            "the others; skipped variants are returned with the reason"
        )
    warnings.warn(f"{message}; they are in .skipped", IQModelWarning, stacklevel=3)
    return skipped


def score_variants(
    model,
    variants,
    genome,
    *,
    peaks=None,
    check_ref: bool = True,
    on_invalid: str = "raise",
    n_null: int = 100,
    background=None,
    random_state=None,
    progress: bool = False,
) -> VariantScores:
    r"""Score genomic variants with a fitted model, in windows of its training length.

    Parameters
    ----------
    model : IQModel or object with a ``models_`` dict of IQModels
        A fitted model; its ``seq_length_`` is the window length.
    variants : DataFrame or path
        A table (see :func:`check_variants`: ``chrom``, 1-based ``pos``, ``ref``, ``alt``,
        ``id``) or a VCF/BCF file (plain or bgzip). Multi-allelic rows are split.
    genome : Genome or path
        The reference genome (FASTA, plain or bgzip).
    peaks : DataFrame or path, optional
        Peaks: a variant inside a peak is scored in that peak's model window (centred on its
        summit or midpoint, as in training); others in a window centred on the variant.
    check_ref : bool, default True
        Compare REF with the genome; mismatches are invalid variants.
    on_invalid : {"raise", "skip"}, default "raise"
        What to do with variants that cannot be scored (REF mismatch, unknown chromosome,
        outside the genome, too close to a chromosome end, indel too long for the window,
        symbolic or non-DNA alleles): raise one error listing them, or skip them (an
        :class:`~iqmodel.exceptions.IQModelWarning` gives the count; they are returned in
        ``skipped`` with the reason).
    n_null : int, default 100
        Null variants per variant for the empirical p-value: the same alleles in windows
        whose left and right flanks are dinucleotide-shuffled. ``pvalue = (1 + #{|null
        delta| >= |delta|}) / (n_null + 1)`` on the dAP scale, two-sided; 0 skips it.
    background : list of str, optional
        Sequences of the training length whose predictions define the active-allele
        quantile; default the peak windows when ``peaks`` are given.
    random_state : int, Generator or None
        Seeds the shuffles; a variant's nulls depend only on the seed and the variant.
    progress : bool, default False
        Show a progress bar over variants.

    Returns
    -------
    VariantScores
        ``effects`` (one row per variant and trajectory) and ``skipped``.

    Raises
    ------
    ValueError
        For invalid variants with ``on_invalid="raise"`` (all listed), positions that look
        0-based, missing columns, or a VCF without its header or without ALT alleles.

    Warns
    -----
    IQModelWarning
        With ``on_invalid="skip"``, when some variants cannot be scored.

    Examples
    --------
    A small model fitted on planted GATA1 and FOXA2 sites, and a 300-bp genome whose middle
    100 bp are the model's most accessible training sequence, annotated as a peak. The SNV
    at ``chr1:151`` breaks its GATA1 site; the second variant's REF does not match the
    genome:

    >>> import pathlib, tempfile, warnings
    >>> import numpy as np
    >>> import pandas as pd
    >>> from iqmodel import IQModel
    >>> from iqmodel.datasets import make_planted_dataset
    >>> from iqmodel.variants import score_variants
    >>> data = make_planted_dataset(
    ...     n_seqs=200, seq_length=100, motifs=["GATA1", "FOXA2"], random_state=0
    ... )
    >>> model = IQModel(filter=False, glm_lambda=1e-3, sequence_features=False, verbose=0)
    >>> model = model.fit_with_motifs(data.sequences, data.dap, data.truth.motifs)
    >>> peak = data.sequences[int(np.argmax(data.dap))]
    >>> chrom = data.sequences[1] + peak + data.sequences[2]
    >>> peaks = pd.DataFrame({"chrom": ["chr1"], "start": [100], "end": [200]})
    >>> variants = pd.DataFrame(
    ...     {
    ...         "chrom": ["chr1", "chr1"],
    ...         "pos": [151, 121],  # 1-based
    ...         "ref": [chrom[150], "N"],
    ...         "alt": ["C", "C"],
    ...         "id": ["snv", "wrong_ref"],
    ...     }
    ... )
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     fasta = pathlib.Path(folder, "genome.fa")
    ...     _ = fasta.write_text(">chr1\n" + chrom + "\n")
    ...     with warnings.catch_warnings(record=True) as caught:
    ...         warnings.simplefilter("always")
    ...         scores = score_variants(
    ...             model,
    ...             variants,
    ...             fasta,
    ...             peaks=peaks,
    ...             on_invalid="skip",
    ...             n_null=19,
    ...             background=data.sequences,
    ...             random_state=0,
    ...         )
    >>> row = scores.effects.iloc[0]
    >>> row["id"], row["window"], row["peak"], int(row["window_start"]), int(row["offset"])
    ('snv', 'peak', 'chr1_100_200', 100, 50)
    >>> alt = peak[:50] + "C" + peak[51:]
    >>> bool(np.isclose(row["delta"], model.predict([alt])[0] - model.predict([peak])[0]))
    True
    >>> row["top_term"], float(row["pvalue"])  # no null variant of 19 comes close
    ('MA0035.5', 0.05)
    >>> bool(row["active_allele_quantile"] > 0.9)  # the ref allele: among the highest
    True
    >>> scores.skipped[["id", "reason"]].to_numpy().tolist()
    [['wrong_ref', 'REF mismatch: REF N, genome has C']]
    >>> type(caught[0].message).__name__
    'IQModelWarning'
    """
    if on_invalid not in _ON_INVALID:
        raise ValueError(f"on_invalid must be one of {_ON_INVALID}, got {on_invalid!r}")
    if isinstance(n_null, bool) or not isinstance(n_null, (int, np.integer)) or n_null < 0:
        raise ValueError(f"n_null must be a non-negative integer, got {n_null!r}")
    models = trajectory_models(model)
    length = int(next(iter(models.values())).seq_length_)
    table = check_variants(variants)
    owned = not isinstance(genome, Genome)
    genome = Genome(genome) if owned else genome
    options = _Options(peaks, check_ref, on_invalid, n_null, background, random_state, progress)
    try:
        return _score(models, table, genome, length, options)
    finally:
        if owned:
            genome.close()


class _Options(NamedTuple):
    """The keyword options of :func:`score_variants`."""

    peaks: object
    check_ref: bool
    on_invalid: str
    n_null: int
    background: object
    random_state: object
    progress: bool


def _variant_problems(table, genome, check_ref: bool) -> list:
    """Per variant: why its alleles or position cannot be scored, or None."""
    problems = [_allele_problem(r, a) for r, a in zip(table["ref"], table["alt"], strict=True)]
    placed = _genome_problems(table, genome, check_ref)
    _check_origin(table, genome, placed)
    return [p if p is not None else q for p, q in zip(problems, placed, strict=True)]


def _choose_windows(table, problems: list, windows, genome, length: int) -> list:
    """Per variant its :class:`_Window`, or None when it cannot be scored (``problems``
    gets the reason)."""
    containing = _containing_peaks(table, windows)
    sizes = genome.chrom_sizes
    chosen = []
    for i, row in enumerate(table.itertuples(index=False)):
        if problems[i] is None:
            window = _window(row.pos - 1, containing[i], windows, length)
            problems[i] = _window_problem(
                window, row.pos - 1, row.ref, row.alt, sizes[row.chrom], length
            )
        chosen.append(window if problems[i] is None else None)
    return chosen


def _score(models, table, genome, length: int, options: _Options) -> VariantScores:
    problems = _variant_problems(table, genome, options.check_ref)
    windows = None if options.peaks is None else _peak_windows(options.peaks, length, genome)
    chosen = _choose_windows(table, problems, windows, genome, length)
    skipped = _report_invalid(table, problems, options.on_invalid)
    keep = [i for i, window in enumerate(chosen) if window is not None]
    sequences = [
        _allele_windows(genome, row.chrom, chosen[i], row.pos - 1, row.ref, row.alt, length)
        for i, row in zip(keep, _progress(table.iloc[keep], options.progress), strict=True)
    ]
    meta = table.iloc[keep][_VARIANT_FIELDS].reset_index(drop=True)
    meta = meta.assign(
        window=[chosen[i].mode for i in keep],
        peak=[chosen[i].peak for i in keep],
        window_start=[chosen[i].start for i in keep],
        offset=[int(table.at[i, "pos"]) - 1 - chosen[i].start for i in keep],
    )
    effects = _effects(models, meta, sequences)
    if options.n_null and keep:
        delta = effects["delta"].to_numpy()
        effects["pvalue"] = _pvalues(
            models, meta, genome, sequences, delta, options.n_null, options.random_state
        )
    background = options.background
    if background is None and windows is not None:
        from iqmodel.io.genome import extract_sequences

        background = extract_sequences(genome, windows)
    if background is not None and keep:
        effects["active_allele_quantile"] = _active_allele_quantile(models, effects, background)
    return VariantScores(effects=effects, skipped=skipped)


def _progress(rows: pd.DataFrame, progress: bool):
    """The rows as tuples, with a progress bar when asked."""
    items = rows.itertuples()
    if not progress:
        return items
    from tqdm.auto import tqdm

    return tqdm(items, desc="variant windows", unit="variant", total=len(rows))


def _effects(models, meta: pd.DataFrame, sequences) -> pd.DataFrame:
    if not sequences:
        return meta.copy()
    ref_seqs = [ref for ref, _ in sequences]
    alt_seqs = [alt for _, alt in sequences]
    blocks = []
    for name, one in models.items():
        block = variant_effects(one, ref_seqs, alt_seqs)
        if name is not None:
            block.insert(0, "trajectory", name)
        blocks.append(pd.concat([meta, block], axis=1))
    return pd.concat(blocks, ignore_index=True) if len(blocks) > 1 else blocks[0]


def _pvalues(models, meta, genome, sequences, delta, n_null, random_state) -> np.ndarray:
    """Empirical p-value of each row of the effects (variant-major within trajectories)."""
    root = stage_seeds(random_state, 1)[0]
    null_ref, null_alt = [], []
    for (ref_window, _), row in zip(sequences, meta.itertuples(index=False), strict=True):
        length = len(ref_window)
        rng = _variant_rng(root, f"{row.chrom}:{row.pos}:{row.ref}:{row.alt}")
        left, right = ref_window[: row.offset], _right_flank(genome, row, length)
        pairs = _null_pairs(left, right, row.ref, row.alt, length, n_null, rng)
        null_ref += [a for a, _ in pairs]
        null_alt += [b for _, b in pairs]
    pvalues = []
    for one in models.values():
        null = (one.predict(null_alt) - one.predict(null_ref)).reshape(len(meta), n_null)
        pvalues.append(null)
    null = np.concatenate(pvalues, axis=0)
    exceed = (np.abs(null) >= np.abs(delta)[:, None] - 1e-12).sum(axis=1)
    return np.clip((1 + exceed) / (n_null + 1), 0.0, 1.0)


def _active_allele_quantile(models, effects, background) -> np.ndarray:
    """Fraction of background predictions below the stronger allele, per effects row."""
    stronger = np.maximum(effects["pred_ref"].to_numpy(), effects["pred_alt"].to_numpy())
    out = np.empty(len(effects))
    names = effects["trajectory"].to_numpy() if "trajectory" in effects.columns else None
    for name, one in models.items():
        rows = np.ones(len(effects), bool) if names is None else names == name
        reference = np.sort(one.predict(background))
        out[rows] = np.searchsorted(reference, stronger[rows], side="left") / len(reference)
    return out
