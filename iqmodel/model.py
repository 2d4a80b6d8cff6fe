"""IQModel: the IceQream regression of accessibility change on sequence (spec 7).

:meth:`IQModel.fit` orchestrates the stages of :mod:`iqmodel.pipeline` (spec 7.2-7.12):
database screen, two-round lasso selection, clustering, PREGO distillation, naming, the
response GLM on logistic features, filtering and optional interactions.

Predictions are ``y_min + y_range * sigmoid(eta)`` (the GLM's mean mapped back to the dAP scale)
with every constant fixed at fit time, so a prediction depends only on its own sequence.
The public surface used by interpretation, plots, ablations and the model file:
:meth:`IQModel.transform` (inputs on [0, 10]), :meth:`IQModel.design_matrix` /
:meth:`IQModel.design_from_inputs` (GLM columns), ``design_columns_`` (what each column is),
:meth:`IQModel.decision_function` (the logit), :meth:`IQModel.logit_to_dap`,
:meth:`IQModel.to_dict` / :meth:`IQModel.from_dict`.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from iqmodel._validation import check_features, check_target
from iqmodel.additional_features import FeatureScaler, sequence_features
from iqmodel.energy import EnergyNormalizer, compute_energies
from iqmodel.exceptions import IQModelWarning
from iqmodel.glm import DEFAULT_LAMBDA, GLMFit
from iqmodel.interactions import InteractionSet, select_interactions
from iqmodel.io import model_file
from iqmodel.metrics import is_constant, r2_score
from iqmodel.motifs import Motif
from iqmodel.parameters import IQMODEL_PARAMETERS, validate_params
from iqmodel.pipeline import (
    DESIGN_COLUMN_FIELDS,
    build_design,
    cluster_motifs,
    distill_clusters,
    filter_motifs,
    fit_response_glm,
    name_distilled_motifs,
    screen_database,
    select_motifs,
)
from iqmodel.prego import calculate_bins
from iqmodel.sampling import order_keys, stage_seeds
from iqmodel.seq import encode

__all__ = ["IQModel", "IQModelWarning", "load_model"]

_MIN_CV_ROWS = 5  # the final GLM's penalty is cross-validated over 5 folds
_MIN_ROWS = 3  # below this a lasso GLM with an intercept has nothing to fit


def _codes(seqs, what: str) -> np.ndarray:
    """Encoded sequences; errors name the argument."""
    try:
        return encode(seqs)
    except (TypeError, ValueError) as error:
        if what == "seqs":
            raise
        raise type(error)(f"{what}: {error}") from None


class IQModel(RegressorMixin, BaseEstimator):
    """IceQream model: a few motifs with spatial profiles, logistic dose-responses and a GLM.

    Parameters
    ----------
    motif_db : str, path or list of Motif, default "jaspar2024"
        Database screened for candidate motifs (see :func:`iqmodel.io.load_motif_db`);
        motif names must be unique.
    n_motifs : int, default 30
        Maximum number of motifs (clusters) in the model.
    min_cor : float, default 0.05
        Database motifs need ``|r| >= min_cor`` with dAP to enter selection (spec 7.5).
    selection_beta : float, default 0.003
        First lasso round keeps motifs with ``|beta| >= selection_beta`` (spec 7.6).
    motif_length : int, default 15
        Length of distilled motifs (bp).
    n_bins, bin_size : int, optional
        Spatial bins of distilled motifs (default 40-bp bins filling the sequence, spec 6.2).
    kmer_sequence_length : int or None, default 300
        PREGO screens seed k-mers in this central part of each sequence (bp).
    distill : bool, default True
        Re-learn each cluster's motif with PREGO; False keeps the database representative
        (the "database motifs" ablation).
    rename_motifs : bool, default True
        Name each de-novo motif after its best match among the screened database motifs
        (spec 7.15.5); a weak match gives the neutral name ``motif_<i>``. The seed name and
        the similarity are kept in ``motif_names_``.
    rename_min_similarity : float, default 0.7
        Similarity (Pearson r of aligned PWMs) a match needs to give its name.
    response_bases : bool, default True
        Expand each feature into the four logistic response functions; False fits the GLM on
        the [0, 10] features directly (the "linear GLM" ablation).
    energy_mode : {"lse", "max"}, default "lse"
        Integrated or best-site energy (the "max" ablation).
    sequence_features : bool, default True
        Add GC content and the 16 dinucleotide frequencies as per-peak features.
    filter : bool, default True
        Remove motifs by information content and drop-one R^2 (spec 7.11).
    r2_threshold, bits_threshold : float, default 5e-4, 1.75
        Filter thresholds (added R^2; information content in bits).
    filter_sample_frac : float, default 0.1
        Fraction of peaks the drop-one models are fitted on (at least 5 per GLM column).
    interactions : bool, default False
        Add pairwise interaction terms (spec 7.12).
    interaction_threshold : float, default 0.01
        Least ``|coef|`` of an input to anchor interactions
        (:func:`iqmodel.interactions.select_interactions`).
    max_interactions : int, optional
        Cap on interaction terms (default 10 per motif and per covariate other than the
        dinucleotide frequencies).
    glm_lambda : float or "cv", default "cv"
        Lasso penalty. ``"cv"``: chosen by cross-validation of the held-out log-loss, for the
        second selection fit (3 folds) and the final GLM (5 folds); the first selection fit
        uses the reference 1e-5. A number: that penalty for every fit (1e-5 reproduces the R
        reference, spec 5, and overfits sets of a few thousand peaks).
    solver : {"auto", "glmnet", "glum"}, default "auto"
        GLM solver (:func:`iqmodel.glm.fit_logistic_lasso`).
    random_state : int, Generator or None
        Seeds the cross-validation folds, the filter sample and PREGO. Folds and samples are
        drawn in a canonical order of the rows (by sequence), so the model does not depend on
        the order of the training rows (up to floating-point rounding).
    n_jobs : int or None
        Threads for the kernels; results do not depend on it.
    verbose : int, default 1
        0: silent; 1: progress bars on long steps.

    Attributes
    ----------
    motifs_ : list of Motif, length n_motifs
        The model's motifs, in model order (after the filter); names are unique and differ
        from covariates. Distilled motifs carry a spatial profile.
    motif_names_ : DataFrame, shape (n_named, 5)
        How each motif got its name: ``motif``, ``seed``, ``match``, ``similarity``,
        ``named_by`` (see :class:`iqmodel.pipeline.Naming`; ``"given"`` after
        :meth:`fit_with_motifs`). One row per distilled motif, including motifs the filter
        removed afterwards.
    distilled_features_ : DataFrame, shape (n_selected, 5)
        The selected database motifs of each cluster: ``cluster``, ``motif`` (the final name),
        ``seed``, ``member``, ``beta`` (selection coefficient); empty after
        :meth:`fit_with_motifs`. Clusters whose motif the filter removed stay listed.
    energy_normalizer_ : EnergyNormalizer
        Per-motif constants of the [0, 10] energy scale, fitted on the raw energies of
        ``background_seqs`` (default the training sequences); ``reference_log2_`` etc. of
        shape (n_motifs,).
    feature_scaler_ : FeatureScaler or None
        [0, 10] scaling of the n_covariates covariates (the 17 sequence features when
        ``sequence_features=True``, then the ``features`` columns); None without covariates.
    interactions_ : InteractionSet or None
        The interaction terms (``interactions=True``; possibly empty), else None.
    glm_ : GLMFit
        The response GLM; ``glm_.coef`` has shape (n_columns,).
    design_columns_ : DataFrame, shape (n_columns, 6)
        One row per GLM column: ``column``, ``term``, ``kind`` (``"motif"``, ``"feature"``,
        ``"interaction"``), ``response``, ``term1``, ``term2``. ``n_columns`` is
        ``4 * (n_motifs + n_covariates) + n_interactions`` (``n_motifs + n_covariates +
        n_interactions`` with ``response_bases=False``).
    feature_names_ : list of str, length n_columns
        GLM column names (``design_columns_["column"]``).
    lambda_path_ : DataFrame or None
        Cross-validation table of the final penalty, shape (12, 3) with columns ``lambda``,
        ``mean_loss``, ``se_loss`` (``glm_lambda="cv"``); None for a fixed penalty or a
        loaded model.
    filter_report_ : DataFrame or None
        Shape (n_distilled, 4): ``motif``, ``bits``, ``added_r2``, ``removed``
        (``""``, ``"bits"``, ``"r2"``) of each motif before the filter (``filter=True``);
        None with ``filter=False``.
    y_min_ : float
        Smallest training dAP.
    y_range_ : float
        Training dAP range (> 0): ``predict = y_min_ + y_range_ * sigmoid(logit)``.
    seq_length_ : int
        Training sequence length (bp); ``predict`` requires it.
    n_features_in_ : int
        Number of user covariates (``features`` columns) seen in fit; 0 without.
    feature_names_in_ : ndarray of object (str), shape (``n_features_in_``,), or None
        Names of the ``features`` columns; None without ``features``.
    train_r2_ : float
        R^2 of the predictions on the training rows (NaN for a loaded model without it).
    coef_ : DataFrame, shape (n_columns, 5)
        Tidy coefficients (a property): ``feature``, ``variable``, ``kind``, ``response``,
        ``coefficient``.

    See Also
    --------
    iqmodel.MultiIQModel : Several trajectories with shared motifs.
    iqmodel.interpret : Decompositions and per-base contributions of a fitted model.

    Notes
    -----
    Inputs are matched by position, as in scikit-learn: the index of a pandas ``dap`` or
    ``features`` is not used to align rows (two pandas objects with different indexes are
    an error).

    Examples
    --------
    Sequences with CEBPB (+) and CTCF (-) sites planted, a database of 30 decoys plus the
    two planted PWMs; a small model recovers both motifs (about 2 s):

    >>> from iqmodel import IQModel
    >>> from iqmodel.datasets import make_planted_dataset
    >>> from iqmodel.io import load_motif_db
    >>> data = make_planted_dataset(n_seqs=400, seq_length=100, n_motifs=2, random_state=0)
    >>> planted = [m.with_spatial(None, None) for m in data.truth.motifs]
    >>> database = load_motif_db("jaspar2024")[:30] + planted
    >>> model = IQModel(motif_db=database, n_motifs=2, min_cor=0.2, motif_length=10,
    ...                 sequence_features=False, verbose=0, random_state=0)
    >>> model = model.fit(data.sequences[:300], data.dap[:300])
    >>> [motif.label for motif in model.motifs_]
    ['MA0466.4 (CEBPB)', 'MA0139.2 (CTCF)']
    >>> bool(model.score(data.sequences[300:], data.dap[300:]) > 0.7)
    True
    >>> model.predict(data.sequences[300:305]).shape
    (5,)

    The fitted attributes:

    >>> len(model.feature_names_), model.design_columns_.shape, model.coef_.shape
    (8, (8, 6), (8, 5))
    >>> model.seq_length_, model.n_features_in_, model.feature_scaler_ is None
    (100, 0, True)
    >>> model.lambda_path_.shape, model.filter_report_["removed"].tolist()
    ((12, 3), ['', ''])
    """

    def __init__(
        self,
        *,
        motif_db="jaspar2024",
        n_motifs: int = 30,
        min_cor: float = 0.05,
        selection_beta: float = 0.003,
        motif_length: int = 15,
        n_bins: int | None = None,
        bin_size: int | None = None,
        kmer_sequence_length: int | None = 300,
        distill: bool = True,
        rename_motifs: bool = True,
        rename_min_similarity: float = 0.7,
        response_bases: bool = True,
        energy_mode: str = "lse",
        sequence_features: bool = True,
        filter: bool = True,
        r2_threshold: float = 5e-4,
        bits_threshold: float = 1.75,
        filter_sample_frac: float = 0.1,
        interactions: bool = False,
        interaction_threshold: float = 0.01,
        max_interactions: int | None = None,
        glm_lambda: float | str = "cv",
        solver: str = "auto",
        random_state=None,
        n_jobs: int | None = None,
        verbose: int = 1,
    ):
        self.motif_db = motif_db
        self.n_motifs = n_motifs
        self.min_cor = min_cor
        self.selection_beta = selection_beta
        self.motif_length = motif_length
        self.n_bins = n_bins
        self.bin_size = bin_size
        self.kmer_sequence_length = kmer_sequence_length
        self.distill = distill
        self.rename_motifs = rename_motifs
        self.rename_min_similarity = rename_min_similarity
        self.response_bases = response_bases
        self.energy_mode = energy_mode
        self.sequence_features = sequence_features
        self.filter = filter
        self.r2_threshold = r2_threshold
        self.bits_threshold = bits_threshold
        self.filter_sample_frac = filter_sample_frac
        self.interactions = interactions
        self.interaction_threshold = interaction_threshold
        self.max_interactions = max_interactions
        self.glm_lambda = glm_lambda
        self.solver = solver
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose

    # ------------------------------------------------------------------ checks

    def _validate_params(self) -> None:
        validate_params(IQMODEL_PARAMETERS, self.get_params(deep=False), type(self).__name__)

    def load_database(self) -> list[Motif]:
        """The motifs of ``motif_db`` as a list; repeated names are an error.

        Returns
        -------
        list of Motif
            ``motif_db`` itself (as a list) when it is a list of motifs, else the loaded
            database (:func:`iqmodel.io.load_motif_db`).

        Raises
        ------
        ValueError
            When a loaded database repeats a motif name, or cannot be loaded.

        Examples
        --------
        >>> database = IQModel(motif_db="jaspar2024").load_database()
        >>> len(database), database[0].label
        (879, 'MA0004.1 (Arnt)')
        """
        if isinstance(self.motif_db, (list, tuple)):
            return list(self.motif_db)
        from iqmodel.io import load_motif_db

        database = load_motif_db(self.motif_db)
        names = pd.Index([m.name for m in database])
        if not names.is_unique:
            repeated = names[names.duplicated()].unique().tolist()[:10]
            raise ValueError(
                f"motif_db {self.motif_db!r} has repeated motif names ({repeated}); model terms "
                "are named after motifs: rename or drop the repeats"
            )
        return database

    def check_training_shape(self, codes: np.ndarray, database: list[Motif]) -> None:
        """Raise for training sequences no model can be fitted on, before any expensive work.

        Checks for too few rows, sequences shorter than every motif, and bins or
        ``motif_length`` that do not fit.

        Parameters
        ----------
        codes : ndarray of int8, shape (n_seqs, length)
            The encoded training sequences.
        database : list of Motif
            The motif database (non-empty).

        Raises
        ------
        ValueError
            Naming the problem and the fix.

        Examples
        --------
        >>> from iqmodel.motifs import Motif
        >>> from iqmodel.seq import encode
        >>> model = IQModel()
        >>> model.check_training_shape(encode(["ACGT" * 50] * 10), [Motif("A", [[1, 0, 0, 0]])])
        >>> model.check_training_shape(encode(["ACGT"] * 3), [Motif("A", [[1, 0, 0, 0]])])
        Traceback (most recent call last):
        ...
        ValueError: fit got 3 sequences; the model needs at least 5 (the lasso penalty is ...
        """
        n, length = codes.shape
        if self.glm_lambda == "cv" and n < _MIN_CV_ROWS:
            raise ValueError(
                f"fit got {n} sequences; the model needs at least {_MIN_CV_ROWS} (the lasso "
                f"penalty is cross-validated over {_MIN_CV_ROWS} folds): pass more sequences or "
                "a fixed glm_lambda (e.g. 1e-3)"
            )
        if n < _MIN_ROWS:
            raise ValueError(
                f"fit got {n} sequences; the model needs at least {_MIN_ROWS}: pass more sequences"
            )
        shortest = min(m.length for m in database)
        if shortest > length:
            raise ValueError(
                f"every motif in motif_db is longer than the {length}-bp sequences (shortest: "
                f"{shortest} bp), so none can bind; use longer sequences (peaks are typically "
                "300-500 bp) or a database of shorter motifs"
            )
        if self.distill:
            try:
                bin_size, n_bins = calculate_bins(length, self.bin_size, self.n_bins)
            except ValueError as error:
                raise ValueError(f"n_bins/bin_size do not fit the sequences: {error}") from None
            if self.motif_length > n_bins * bin_size:
                raise ValueError(
                    f"motif_length {self.motif_length} is longer than the spatial frame of "
                    f"{n_bins * bin_size} bp ({length}-bp sequences); use a shorter "
                    "motif_length or longer sequences"
                )

    def covariate_names(self, features: pd.DataFrame | None) -> list[str]:
        """Names of the per-peak covariates: the sequence features, then ``features``.

        Parameters
        ----------
        features : DataFrame or None
            The user covariates.

        Returns
        -------
        list of str
            ``gc_content`` and the 16 dinucleotides (when ``sequence_features``), then the
            columns of ``features``.

        Examples
        --------
        >>> import pandas as pd
        >>> names = IQModel().covariate_names(pd.DataFrame({"H3K27ac": [1.0]}))
        >>> len(names), names[:2], names[-1]
        (18, ['gc_content', 'AA'], 'H3K27ac')
        >>> IQModel(sequence_features=False).covariate_names(None)
        []
        """
        names = list(sequence_features(["A"]).columns) if self.sequence_features else []
        return names + ([] if features is None else list(features.columns))

    def distillation_options(self) -> dict:
        """Keyword arguments of :func:`iqmodel.pipeline.distill_clusters` set by this model.

        Returns
        -------
        dict
            ``distill``, ``motif_length``, ``n_bins``, ``bin_size``,
            ``kmer_sequence_length``, ``n_jobs`` and ``verbose`` (all but ``random_state``).

        Examples
        --------
        >>> IQModel(motif_length=12).distillation_options()["motif_length"]
        12
        """
        return dict(
            distill=self.distill,
            motif_length=self.motif_length,
            n_bins=self.n_bins,
            bin_size=self.bin_size,
            kmer_sequence_length=self.kmer_sequence_length,
            n_jobs=self.n_jobs,
            verbose=self.verbose,
        )

    def naming_options(self, features: pd.DataFrame | None) -> dict:
        """Keyword arguments of :func:`iqmodel.pipeline.name_distilled_motifs` set by this model.

        Parameters
        ----------
        features : DataFrame or None
            The user covariates, whose names are reserved.

        Returns
        -------
        dict
            ``min_similarity``, ``rename`` and ``reserved`` (the :meth:`covariate_names`).

        Examples
        --------
        >>> options = IQModel(rename_min_similarity=0.8).naming_options(None)
        >>> options["min_similarity"], options["rename"], len(options["reserved"])
        (0.8, True, 17)
        """
        return dict(
            min_similarity=self.rename_min_similarity,
            rename=self.rename_motifs,
            reserved=self.covariate_names(features),
        )

    def _check_names(self, database: list[Motif], features: pd.DataFrame | None) -> None:
        covariates = self.covariate_names(features)
        repeated = pd.Index(covariates)[pd.Index(covariates).duplicated()].tolist()
        if repeated:
            raise ValueError(
                f"features columns {repeated} collide with the sequence features (GC content, "
                "dinucleotides); rename them or pass sequence_features=False"
            )
        clash = sorted({m.name for m in database} & set(covariates))
        if clash:
            raise ValueError(
                f"motif names {clash} are also covariate names (sequence features or "
                "features columns); rename the motifs or the features"
            )

    def _check_prediction_codes(self, seqs) -> np.ndarray:
        if not isinstance(seqs, str) and hasattr(seqs, "__len__") and len(seqs) == 0:
            return np.empty((0, self.seq_length_), dtype=np.int8)
        codes = encode(seqs)
        if len(codes) and codes.shape[1] != self.seq_length_:
            raise ValueError(
                f"the model was fitted on {self.seq_length_}-bp sequences but got "
                f"{codes.shape[1]}-bp sequences; energies and spatial profiles depend on the "
                f"length: resize them to {self.seq_length_} bp centred on the peak summit "
                "(e.g. iqmodel.io.resize_intervals) or refit on sequences of this length"
            )
        return codes

    # ------------------------------------------------------------------ features

    def covariate_frame(self, codes: np.ndarray, features: pd.DataFrame | None):
        """Unscaled covariates of sequences: the sequence features beside ``features``.

        Parameters
        ----------
        codes : ndarray of int8, shape (n_seqs, length)
            Encoded sequences.
        features : DataFrame or None
            User covariates, one row per sequence (index reset to match).

        Returns
        -------
        DataFrame of float64, shape (n_seqs, n_covariates), or None
            The sequence features (when ``sequence_features``) then ``features``; None when
            the model has no covariate.

        Examples
        --------
        >>> from iqmodel.seq import encode
        >>> frame = IQModel().covariate_frame(encode(["ACGT", "GGCC"]), None)
        >>> frame.shape, frame["gc_content"].tolist()
        ((2, 17), [0.5, 1.0])
        """
        parts = []
        if self.sequence_features:
            parts.append(sequence_features(codes).reset_index(drop=True))
        if features is not None:
            parts.append(features)
        return pd.concat(parts, axis=1) if parts else None

    def _inputs(self, codes: np.ndarray, features: pd.DataFrame | None) -> pd.DataFrame:
        """Normalised motif energies and scaled covariates, (n, K + F) on [0, 10]."""
        raw = compute_energies(codes, self.motifs_, mode=self.energy_mode, n_jobs=self.n_jobs)
        names = [m.name for m in self.motifs_]
        columns = [pd.DataFrame(self.energy_normalizer_.transform(raw), columns=names)]
        extra = self.covariate_frame(codes, features)
        if extra is not None:
            columns.append(self.feature_scaler_.transform(extra).reset_index(drop=True))
        return pd.concat(columns, axis=1)

    def _design(self, inputs: pd.DataFrame):
        return build_design(
            inputs,
            [m.name for m in self.motifs_],
            response_bases=self.response_bases,
            interactions=self.interactions_,
        )

    def _set_glm(self, design, fit) -> None:
        self.glm_ = fit.glm
        self.lambda_path_ = fit.lambda_path
        self.design_columns_ = design.columns.reset_index(drop=True)
        self.feature_names_ = design.columns["column"].tolist()

    # ------------------------------------------------------------------ fit

    def fit(self, seqs, dap, *, features=None, background_seqs=None) -> IQModel:
        """Fit the model.

        Parameters
        ----------
        seqs : list of str or int8 array (n_seqs, length)
            Equal-length peak sequences (e.g. 500 bp centred on the summit).
        dap : array-like (n_seqs,)
            Accessibility change (any continuous scale; mapped to [0, 1] with constants fixed
            here). Matched to ``seqs`` by position.
        features : DataFrame or array (n_seqs, n_features), optional
            Per-peak covariates (e.g. histone marks), scaled to [0, 10] at fit time; matched
            to ``seqs`` by position.
        background_seqs : list of str or int8 array, optional
            Sequences of the training length whose energies define the [0, 10] energy scale
            (default: ``seqs``).

        Returns
        -------
        self : IQModel
            The fitted model.

        Raises
        ------
        iqmodel.parameters.InvalidParameterError
            For an invalid parameter (a ValueError and a TypeError).
        ValueError
            For invalid or too few sequences, a constant ``dap``, mismatched lengths,
            names that collide, or bins that do not fit the sequences.

        Warns
        -----
        IQModelWarning
            When the fitted model is constant (the lasso kept no varying feature).

        See Also
        --------
        fit_with_motifs : Fit the response part on given motifs only.
        """
        self._validate_params()
        codes, dap, features, background = self._fit_inputs(seqs, dap, features, background_seqs)
        database = self.load_database()
        self.check_training_shape(codes, database)
        self._check_names(database, features)
        seeds = self._start_fit(codes, dap)
        selection_seed, distill_seed = seeds[:2]
        keys = order_keys(codes, dap)
        y01 = (dap - self.y_min_) / self.y_range_

        screen = screen_database(
            codes,
            dap,
            database,
            min_cor=self.min_cor,
            n_wanted=self.n_motifs,
            n_jobs=self.n_jobs,
            progress=self.verbose > 0,
        )
        scaled = self._fit_covariates(codes, features)
        selection = select_motifs(
            screen.energies,
            y01,
            None if scaled is None else scaled.to_numpy(),
            selection_beta=self.selection_beta,
            glm_lambda=self.glm_lambda,
            solver=self.solver,
            random_state=np.random.default_rng(selection_seed),
            keys=keys,
        )
        energies = screen.energies[:, selection.columns]
        selected = [database[screen.candidates[i]] for i in selection.columns]
        screen = screen._replace(energies=None)  # release the (n, candidates) matrix
        clusters = cluster_motifs(energies, selection.betas, self.n_motifs)
        distillation = distill_clusters(
            codes,
            selected,
            energies,
            selection.betas,
            clusters,
            random_state=np.random.default_rng(distill_seed),
            **self.distillation_options(),
        )
        naming = name_distilled_motifs(
            distillation.motifs,
            [database[i] for i in screen.candidates],
            **self.naming_options(features),
        )
        self.motifs_ = naming.motifs
        self.motif_names_ = naming.table
        members = distillation.members.rename(columns={"motif": "seed"})
        members.insert(1, "motif", [self.motifs_[c].name for c in members["cluster"]])
        self.distilled_features_ = members
        return self._fit_response(codes, dap, features, background, seeds)

    def fit_with_motifs(self, seqs, dap, motifs, *, features=None, background_seqs=None):
        """Fit the response part of the model on given motifs (no screen, no distillation).

        The motifs' energies are normalised on ``background_seqs`` (default ``seqs``), then the
        logistic response features, the GLM, the filter and the interactions are fitted as in
        :meth:`fit` (R's ``relearn_traj_model``). With the motifs of a model fitted by
        :meth:`fit` on the same data and the same parameters (``filter=False``), the result is
        that model.

        Parameters
        ----------
        seqs : list of str or int8 array (n_seqs, length)
            As in :meth:`fit`.
        dap : array-like (n_seqs,)
            As in :meth:`fit`.
        motifs : list of Motif
            The model's motifs, with unique names (e.g. shared motifs of several
            trajectories, or ``other_model.motifs_``).
        features : DataFrame or array (n_seqs, n_features), optional
            As in :meth:`fit`.
        background_seqs : list of str or int8 array, optional
            As in :meth:`fit`.

        Returns
        -------
        self : IQModel
            The fitted model; ``motif_names_["named_by"]`` is ``"given"`` and
            ``distilled_features_`` is empty.

        Raises
        ------
        TypeError
            When ``motifs`` is not a non-empty list of Motif objects.
        ValueError
            For repeated motif names, motifs longer than the sequences, or invalid inputs
            (see :meth:`fit`).

        Examples
        --------
        The planted motifs themselves, with their true spatial profiles (0.1 s):

        >>> from iqmodel.datasets import make_planted_dataset
        >>> data = make_planted_dataset(n_seqs=300, seq_length=100, n_motifs=2, random_state=0)
        >>> model = IQModel(verbose=0, random_state=0)
        >>> model = model.fit_with_motifs(data.sequences, data.dap, data.truth.motifs)
        >>> model.motif_names_["named_by"].tolist(), len(model.distilled_features_)
        (['given', 'given'], 0)
        >>> len(model.feature_names_), bool(model.train_r2_ > 0.9)
        (76, True)
        """
        self._validate_params()
        codes, dap, features, background = self._fit_inputs(seqs, dap, features, background_seqs)
        motifs = list(motifs) if isinstance(motifs, (list, tuple)) else motifs
        if (
            not isinstance(motifs, list)
            or not motifs
            or not all(isinstance(m, Motif) for m in motifs)
        ):
            raise TypeError("motifs must be a non-empty list of Motif objects")
        names = pd.Index([m.name for m in motifs])
        if not names.is_unique:
            repeated = names[names.duplicated()].unique().tolist()
            raise ValueError(f"motifs must have unique names; repeated: {repeated}")
        too_long = [m.name for m in motifs if m.length > codes.shape[1]]
        if too_long:
            raise ValueError(
                f"motifs {too_long} are longer than the {codes.shape[1]}-bp sequences; they "
                "cannot bind"
            )
        self._check_names(motifs, features)
        seeds = self._start_fit(codes, dap)
        self._fit_covariates(codes, features)
        self.motifs_ = motifs
        self.motif_names_ = pd.DataFrame(
            {
                "motif": list(names),
                "seed": list(names),
                "match": "",
                "similarity": np.nan,
                "named_by": "given",
            }
        )
        self.distilled_features_ = pd.DataFrame(
            columns=["cluster", "motif", "seed", "member", "beta"]
        )
        return self._fit_response(codes, dap, features, background, seeds)

    def _fit_inputs(self, seqs, dap, features, background_seqs):
        """Checked training inputs: codes, dap (float64), features frame, background codes."""
        codes = _codes(seqs, "seqs")
        if len(codes) == 0:
            raise ValueError("seqs is empty; fit needs sequences and one dap value per sequence")
        dap_values = check_target(dap, len(codes), allow_constant=False)
        features = check_features(features, len(codes), dap)
        background = None
        if background_seqs is not None:
            background = _codes(background_seqs, "background_seqs")
            if len(background) == 0:
                raise ValueError("background_seqs is empty; pass sequences or None (use seqs)")
            if background.shape[1] != codes.shape[1]:
                raise ValueError(
                    f"background_seqs are {background.shape[1]} bp but seqs are "
                    f"{codes.shape[1]} bp; the energy scale must come from sequences of the "
                    "training length"
                )
        return codes, dap_values, features, background

    def _start_fit(self, codes: np.ndarray, dap: np.ndarray) -> list:
        """Reset fitted state, set the dAP scale; returns the stages' seeds."""
        self.y_min_ = float(dap.min())
        self.y_range_ = float(dap.max() - dap.min())
        self.seq_length_ = int(codes.shape[1])
        self.interactions_ = None
        self.filter_report_ = None
        return stage_seeds(self.random_state, 4)

    def _fit_covariates(self, codes: np.ndarray, features):
        """Fit the covariate scaler; returns the scaled covariates (or None)."""
        covariates = self.covariate_frame(codes, features)
        self.feature_scaler_ = None if covariates is None else FeatureScaler().fit(covariates)
        return None if covariates is None else self.feature_scaler_.transform(covariates)

    def _fit_response(self, codes, dap, features, background, seeds) -> IQModel:
        """Energies of ``motifs_``, response GLM, filter and interactions (spec 7.8-7.12)."""
        glm_seed, filter_seed = seeds[2:]
        keys = order_keys(codes, dap)
        y01 = (dap - self.y_min_) / self.y_range_
        background_raw = compute_energies(
            codes if background is None else background,
            self.motifs_,
            mode=self.energy_mode,
            n_jobs=self.n_jobs,
        )
        self.energy_normalizer_ = EnergyNormalizer().fit(background_raw)
        inputs = self._inputs(codes, features)
        glm_options = dict(glm_lambda=self.glm_lambda, solver=self.solver, keys=keys)
        design = self._design(inputs)
        fit = fit_response_glm(
            design, y01, random_state=np.random.default_rng(glm_seed), **glm_options
        )
        if self.filter:
            result = filter_motifs(
                design,
                y01,
                dap,
                self.motifs_,
                bits_threshold=self.bits_threshold,
                r2_threshold=self.r2_threshold,
                sample_frac=self.filter_sample_frac,
                penalty=fit.glm.lambda_,
                solver=self.solver,
                random_state=np.random.default_rng(filter_seed),
                keys=keys,
            )
            self.filter_report_ = result.report
            keep = [i for i, m in enumerate(self.motifs_) if m.name in set(result.kept)]
            removed = [m.name for m in self.motifs_ if m.name not in set(result.kept)]
            self.motifs_ = [self.motifs_[i] for i in keep]
            self.energy_normalizer_ = EnergyNormalizer().fit(background_raw[:, keep])
            inputs = inputs.drop(columns=removed)
            design = self._design(inputs)
            fit = fit_response_glm(
                design, y01, random_state=np.random.default_rng(glm_seed), **glm_options
            )
        if self.interactions:
            self.interactions_ = select_interactions(
                inputs,
                y01,
                motif_names=[m.name for m in self.motifs_],
                threshold=self.interaction_threshold,
                max_interactions=self.max_interactions,
                lam=DEFAULT_LAMBDA if self.glm_lambda == "cv" else self.glm_lambda,
            )
            design = self._design(inputs)
            fit = fit_response_glm(
                design, y01, random_state=np.random.default_rng(glm_seed), **glm_options
            )
        self._set_glm(design, fit)
        self.n_features_in_ = 0 if features is None else features.shape[1]
        self.feature_names_in_ = None if features is None else np.array(features.columns)
        prediction = self.logit_to_dap(self.glm_.decision_function(design.matrix.to_numpy()))
        self.train_r2_ = r2_score(dap, prediction)
        if is_constant(prediction)[0]:
            warnings.warn(
                "the fitted model is constant: the lasso kept no feature that varies, so every "
                f"sequence gets the same prediction (penalty {self.glm_.lambda_:.3g}). With "
                "few sequences or no sequence signal the cross-validated penalty can zero "
                "everything: pass more sequences or a fixed glm_lambda (e.g. 1e-3)",
                IQModelWarning,
                stacklevel=2,
            )
        return self

    # ------------------------------------------------------------------ public surface

    def transform(self, seqs, *, features=None) -> pd.DataFrame:
        """The model's inputs on the [0, 10] scale, one row per sequence.

        Parameters
        ----------
        seqs : list of str or int8 array (n_seqs, ``seq_length_``)
            Sequences of the training length.
        features : DataFrame or array (n_seqs, ``n_features_in_``), optional
            The covariates the model was fitted with, matched by position.

        Returns
        -------
        DataFrame of float64, shape (n_seqs, n_motifs + n_covariates)
            Normalised motif energies (columns named by motif) followed by the scaled
            sequence features and covariates, all on [0, 10].

        Raises
        ------
        sklearn.exceptions.NotFittedError
            Before fit.
        ValueError
            For sequences of another length, or missing ``features``.

        Examples
        --------
        >>> from iqmodel.datasets import make_planted_dataset
        >>> data = make_planted_dataset(n_seqs=300, seq_length=100, n_motifs=2, random_state=0)
        >>> model = IQModel(verbose=0, random_state=0)
        >>> model = model.fit_with_motifs(data.sequences, data.dap, data.truth.motifs)
        >>> inputs = model.transform(data.sequences[:4])
        >>> inputs.shape, inputs.columns.tolist()[:3]
        ((4, 19), ['MA0466.4', 'MA0139.2', 'gc_content'])
        >>> bool(((inputs >= 0) & (inputs <= 10)).all().all())
        True
        """
        check_is_fitted(self, "glm_")
        codes = self._check_prediction_codes(seqs)
        features = check_features(features, len(codes))
        if self.n_features_in_ and features is None:
            raise ValueError(
                f"the model was fitted with {self.n_features_in_} features "
                f"({list(self.feature_names_in_)}); pass features= with the same columns"
            )
        if len(codes) == 0:
            names = [m.name for m in self.motifs_]
            if self.feature_scaler_ is not None:
                names += list(self.feature_scaler_.feature_names_in_)
            return pd.DataFrame(np.empty((0, len(names))), columns=names)
        return self._inputs(codes, features)

    def design_from_inputs(self, inputs: pd.DataFrame) -> pd.DataFrame:
        """GLM design of model inputs (:meth:`transform` output), in GLM column order.

        Parameters
        ----------
        inputs : DataFrame, shape (n_seqs, n_motifs + n_covariates)
            Model inputs on [0, 10], as :meth:`transform` returns them (possibly edited).

        Returns
        -------
        DataFrame of float64, shape (n_seqs, n_columns)
            Columns ``feature_names_``; ``design_columns_`` says what each one is.
        """
        check_is_fitted(self, "glm_")
        return self._design(inputs).matrix[self.feature_names_]

    def design_matrix(self, seqs, *, features=None) -> pd.DataFrame:
        """GLM design of sequences: :meth:`design_from_inputs` of :meth:`transform`.

        Parameters
        ----------
        seqs : list of str or int8 array (n_seqs, ``seq_length_``)
            Sequences of the training length.
        features : DataFrame or array (n_seqs, ``n_features_in_``), optional
            The covariates the model was fitted with.

        Returns
        -------
        DataFrame of float64, shape (n_seqs, n_columns)
            Columns ``feature_names_``.
        """
        return self.design_from_inputs(self.transform(seqs, features=features))

    def decision_function(self, seqs, *, features=None) -> np.ndarray:
        """The linear predictor (logit) of each sequence, shape (n_seqs,).

        Parameters
        ----------
        seqs : list of str or int8 array (n_seqs, ``seq_length_``)
            Sequences of the training length.
        features : DataFrame or array (n_seqs, ``n_features_in_``), optional
            The covariates the model was fitted with.

        Returns
        -------
        ndarray of float64, shape (n_seqs,)
            ``glm_.intercept + design @ glm_.coef`` (logit scale).
        """
        design = self.design_matrix(seqs, features=features)
        if len(design) == 0:
            return np.empty(0)
        return self.glm_.decision_function(design.to_numpy())

    def logit_to_dap(self, logit) -> np.ndarray:
        """Map logits to the dAP scale: ``y_min_ + y_range_ * sigmoid(logit)``.

        Parameters
        ----------
        logit : float or array-like of float
            Linear predictors, any shape.

        Returns
        -------
        ndarray of float64
            The dAP values, in ``(y_min_, y_min_ + y_range_)``, same shape as ``logit``.

        Examples
        --------
        Logit 0 is the middle of the training dAP range:

        >>> import numpy as np
        >>> from iqmodel.datasets import make_planted_dataset
        >>> data = make_planted_dataset(n_seqs=300, seq_length=100, n_motifs=2, random_state=0)
        >>> model = IQModel(verbose=0, random_state=0)
        >>> model = model.fit_with_motifs(data.sequences, data.dap, data.truth.motifs)
        >>> middle = (data.dap.min() + data.dap.max()) / 2
        >>> bool(np.isclose(model.logit_to_dap(0.0), middle))
        True
        >>> logits = model.decision_function(data.sequences[:3])
        >>> bool(np.allclose(model.logit_to_dap(logits), model.predict(data.sequences[:3])))
        True
        """
        check_is_fitted(self, "glm_")
        return self.y_min_ + self.y_range_ * expit(np.asarray(logit, dtype=np.float64))

    def predict(self, seqs, *, features=None) -> np.ndarray:
        """Predicted dAP for each sequence, shape (n_seqs,).

        Parameters
        ----------
        seqs : list of str or int8 array (n_seqs, ``seq_length_``)
            Sequences of the training length.
        features : DataFrame or array (n_seqs, ``n_features_in_``), optional
            The covariates the model was fitted with.

        Returns
        -------
        ndarray of float64, shape (n_seqs,)
            ``logit_to_dap(decision_function(seqs))``, on the scale of the training dAP.
        """
        return self.logit_to_dap(self.decision_function(seqs, features=features))

    def score(self, seqs, dap, *, features=None) -> float:
        """Coefficient of determination R^2 of the predictions.

        Parameters
        ----------
        seqs : list of str or int8 array (n_seqs, ``seq_length_``)
            Sequences of the training length.
        dap : array-like of float, shape (n_seqs,)
            Observed dAP (not constant).
        features : DataFrame or array (n_seqs, ``n_features_in_``), optional
            The covariates the model was fitted with.

        Returns
        -------
        float
            R^2 (:func:`iqmodel.metrics.r2_score`), at most 1.
        """
        check_is_fitted(self, "glm_")
        codes = self._check_prediction_codes(seqs)
        dap = check_target(dap, len(codes), allow_constant=False)
        return r2_score(dap, self.predict(codes, features=features))

    @property
    def coef_(self) -> pd.DataFrame:
        """Tidy coefficients, DataFrame of shape (n_columns, 5).

        Columns ``feature`` (GLM column), ``variable`` (its term), ``kind``, ``response`` and
        ``coefficient`` (logit scale, per unit of the response feature).
        """
        check_is_fitted(self, "glm_")
        columns = self.design_columns_
        return pd.DataFrame(
            {
                "feature": columns["column"].to_numpy(),
                "variable": columns["term"].to_numpy(),
                "kind": columns["kind"].to_numpy(),
                "response": columns["response"].to_numpy(),
                "coefficient": np.asarray(self.glm_.coef, dtype=float),
            }
        )

    def report(self, seqs, dap, **kwargs):
        """The model report figure: one row per motif (see :func:`iqmodel.plot.report`).

        Parameters
        ----------
        seqs : list of str
            Sequences of the training length (e.g. the training set).
        dap : array-like of float, shape (n_seqs,)
            Their observed dAP.
        **kwargs
            Passed to :func:`iqmodel.plot.report`.

        Returns
        -------
        matplotlib.figure.Figure
            The report figure.
        """
        from iqmodel.plot import report

        return report(self, seqs, dap, **kwargs)

    def summary(self) -> str:
        """A short text description of the fitted model.

        Returns
        -------
        str
            Counts of motifs, GLM features and interactions, the training R^2, and one line
            per motif (label, consensus, sum of ``|coefficient|``).

        Examples
        --------
        >>> from iqmodel.datasets import make_planted_dataset
        >>> data = make_planted_dataset(n_seqs=300, seq_length=100, n_motifs=2, random_state=0)
        >>> model = IQModel(verbose=0, random_state=0)
        >>> model = model.fit_with_motifs(data.sequences, data.dap, data.truth.motifs)
        >>> lines = model.summary().splitlines()
        >>> lines[0].split(" (")[0], len(lines)
        ('IQModel: 2 motifs, 76 GLM features', 4)
        """
        check_is_fitted(self, "glm_")
        coef = self.coef_
        lines = [
            f"IQModel: {len(self.motifs_)} motifs, {len(self.feature_names_)} GLM features "
            f"({(coef['coefficient'] != 0).sum()} non-zero), "
            f"{0 if self.interactions_ is None else len(self.interactions_)} interactions",
            f"train R^2 = {self.train_r2_:.3f}",
        ]
        for motif in self.motifs_:
            rows = (coef["variable"] == motif.name) & (coef["kind"] == "motif")
            weight = coef.loc[rows, "coefficient"].abs().sum()
            lines.append(f"  {motif.label:<30} {motif.consensus():<18} sum|coef| = {weight:.3f}")
        return "\n".join(lines)

    # ------------------------------------------------------------------ persistence

    def to_dict(self) -> dict:
        """The fitted model as a JSON-ready document (the model file's content).

        Returns
        -------
        dict
            See :mod:`iqmodel.io.model_file` for the layout.

        Examples
        --------
        The document rebuilds the same model (:meth:`from_dict`):

        >>> import numpy as np
        >>> from iqmodel.datasets import make_planted_dataset
        >>> data = make_planted_dataset(n_seqs=300, seq_length=100, n_motifs=2, random_state=0)
        >>> model = IQModel(verbose=0, random_state=0)
        >>> model = model.fit_with_motifs(data.sequences, data.dap, data.truth.motifs)
        >>> document = model.to_dict()
        >>> [m["name"] for m in document["motifs"]], document["seq_length"]
        (['MA0466.4', 'MA0139.2'], 100)
        >>> copy = IQModel.from_dict(document)
        >>> seqs = data.sequences[:5]
        >>> bool(np.array_equal(copy.predict(seqs), model.predict(seqs)))
        True
        """
        check_is_fitted(self, "glm_")
        self._validate_params()
        params = self.get_params(deep=False)
        if isinstance(params["motif_db"], (list, tuple)):
            params["motif_db"] = {"motifs": [m.to_dict() for m in params["motif_db"]]}
        else:
            params["motif_db"] = str(params["motif_db"])
        if not isinstance(params["random_state"], (int, np.integer, type(None))):
            params["random_state"] = None  # a Generator cannot be stored
        normalizer, scaler, glm = self.energy_normalizer_, self.feature_scaler_, self.glm_
        return model_file.json_ready(
            {
                "params": params,
                "motifs": [m.to_dict() for m in self.motifs_],
                "motif_names": self.motif_names_.to_dict(orient="records"),
                "energy_normalizer": {
                    "quantile": normalizer.quantile,
                    "min_energy": normalizer.min_energy,
                    "max_value": normalizer.max_value,
                    "reference_log2": normalizer.reference_log2_,
                    "range_low": normalizer.range_low_,
                    "range_high": normalizer.range_high_,
                },
                "feature_scaler": None
                if scaler is None
                else {
                    "quantile": scaler.quantile,
                    "names": list(scaler.feature_names_in_),
                    "low": scaler.low_,
                    "high": scaler.high_,
                },
                "interactions": None
                if self.interactions_ is None
                else self.interactions_.to_dict(),
                "glm": {
                    "coef": glm.coef,
                    "intercept": glm.intercept,
                    "lambda": glm.lambda_,
                    "solver": glm.solver,
                    "n_iter": glm.n_iter,
                    "converged": glm.converged,
                    "deviance_ratio": glm.deviance_ratio,
                },
                "design_columns": self.design_columns_.to_dict(orient="records"),
                "scale": {"y_min": self.y_min_, "y_range": self.y_range_},
                "covariates": None
                if self.feature_names_in_ is None
                else list(self.feature_names_in_),
                "train_r2": self.train_r2_,
                "seq_length": self.seq_length_,
                "filter_report": None
                if self.filter_report_ is None
                else self.filter_report_.to_dict(orient="records"),
                "distilled_features": self.distilled_features_.to_dict(orient="records"),
            }
        )

    @classmethod
    def from_dict(cls, document: dict) -> IQModel:
        """Rebuild a fitted model from :meth:`to_dict` output, validating every field.

        Parameters
        ----------
        document : dict
            A model document (:meth:`to_dict`, or a model file's content).

        Returns
        -------
        IQModel
            The fitted model (``lambda_path_`` is None).

        Raises
        ------
        ValueError, TypeError
            Naming the first damaged field (e.g. ``glm.coef[3] is null``).
        """
        doc = model_file.Document(document)
        params = dict(doc.get("params", dict))
        motif_db = params.get("motif_db")
        if isinstance(motif_db, dict):
            params["motif_db"] = [
                doc.build(f"params.motif_db.motifs[{i}]", Motif.from_dict, m)
                for i, m in enumerate(doc.get("params.motif_db.motifs", list))
            ]
        model = cls()
        unknown = sorted(set(params) - set(model.get_params(deep=False)))
        if unknown:
            raise ValueError(f"params has unknown parameters {unknown}")
        model.set_params(**params)
        doc.check("params", model._validate_params)

        model.motifs_ = [
            doc.build(f"motifs[{i}]", Motif.from_dict, m)
            for i, m in enumerate(doc.get("motifs", list))
        ]
        n_motifs = len(model.motifs_)
        if n_motifs == 0:
            raise ValueError("motifs is empty; a fitted model has at least one motif")
        names = [m.name for m in model.motifs_]
        model.motif_names_ = doc.frame("motif_names", default=pd.DataFrame({"motif": names}))

        normalizer = EnergyNormalizer(
            doc.number("energy_normalizer.quantile"),
            doc.number("energy_normalizer.min_energy"),
            doc.number("energy_normalizer.max_value"),
        )
        normalizer.reference_log2_ = doc.array("energy_normalizer.reference_log2", n_motifs)
        normalizer.range_low_ = doc.array("energy_normalizer.range_low", n_motifs)
        normalizer.range_high_ = doc.array("energy_normalizer.range_high", n_motifs)
        normalizer.n_features_in_ = n_motifs
        model.energy_normalizer_ = normalizer

        model.feature_scaler_ = None
        if doc.get("feature_scaler", (dict, type(None))) is not None:
            scaler_names = doc.strings("feature_scaler.names")
            scaler = FeatureScaler(doc.number("feature_scaler.quantile"))
            scaler.low_ = doc.array("feature_scaler.low", len(scaler_names))
            scaler.high_ = doc.array("feature_scaler.high", len(scaler_names))
            scaler.feature_names_in_ = np.array(scaler_names, dtype=object)
            scaler.n_features_in_ = len(scaler_names)
            model.feature_scaler_ = scaler
        covariates = [] if model.feature_scaler_ is None else scaler_names
        stored = doc.get("interactions", (dict, type(None)))
        model.interactions_ = (
            None if stored is None else doc.build("interactions", InteractionSet.from_dict, stored)
        )

        columns = doc.get("design_columns", list)
        if columns and isinstance(columns[0], str):  # format version 1: names only
            columns = model_file.legacy_design_columns(
                columns, names, model.interactions_, model.response_bases
            )
        table = pd.DataFrame(columns)
        missing = [f for f in DESIGN_COLUMN_FIELDS if f not in table.columns]
        if missing:
            raise ValueError(f"design_columns lacks the field(s) {missing}")
        model.design_columns_ = table[list(DESIGN_COLUMN_FIELDS)].fillna("").astype(str)
        terms = set(names) | set(covariates)
        if model.interactions_ is not None:
            terms |= set(model.interactions_.pairs["name"])
        unknown_terms = sorted(set(model.design_columns_["term"]) - terms)
        if unknown_terms:
            raise ValueError(
                f"design_columns names terms that are not motifs, covariates or interactions: "
                f"{unknown_terms[:5]}"
            )
        expected = [
            row.term
            if row.kind == "interaction" or row.response == "linear"
            else f"{row.term}_{row.response}"
            for row in model.design_columns_.itertuples()
        ]
        for i, (stored, wanted) in enumerate(
            zip(model.design_columns_["column"], expected, strict=True)
        ):
            if stored != wanted:
                raise ValueError(
                    f"field 'design_columns[{i}].column' is {stored!r} but its term and "
                    f"response make {wanted!r}"
                )
        model.feature_names_ = model.design_columns_["column"].tolist()
        model.glm_ = GLMFit(
            coef=doc.array("glm.coef", len(model.feature_names_)),
            intercept=doc.number("glm.intercept"),
            lambda_=doc.number("glm.lambda", minimum=0.0),
            solver=doc.get("glm.solver", str),
            n_iter=int(doc.number("glm.n_iter")),
            converged=doc.get("glm.converged", bool),
            deviance_ratio=doc.number("glm.deviance_ratio"),
        )
        model.lambda_path_ = None
        model.y_min_ = doc.number("scale.y_min")
        model.y_range_ = doc.number("scale.y_range", minimum=0.0, open_minimum=True)
        stored_covariates = doc.get("covariates", (list, type(None)))
        model.feature_names_in_ = (
            None if stored_covariates is None else np.array(doc.strings("covariates"), dtype=object)
        )
        model.n_features_in_ = 0 if stored_covariates is None else len(stored_covariates)
        train_r2 = doc.get("train_r2", (int, float, type(None)))
        model.train_r2_ = float("nan") if train_r2 is None else float(train_r2)
        model.seq_length_ = int(doc.number("seq_length", minimum=1.0, integer=True))
        model.filter_report_ = doc.frame("filter_report", default=None)
        model.distilled_features_ = doc.frame("distilled_features", default=pd.DataFrame())
        model.lambda_path_ = None
        return model

    def save(self, path) -> None:
        """Write the fitted model to a JSON model file atomically (see io.model_file).

        Parameters
        ----------
        path : str or Path
            File to write (replaced if it exists); read it back with :func:`load_model`.
        """
        model_file.write_model_document(self.to_dict(), path)


def load_model(path):
    """Read a model written by :meth:`IQModel.save` or :meth:`iqmodel.MultiIQModel.save`.

    Every field is validated on load.

    Parameters
    ----------
    path : str or Path
        The model file.

    Returns
    -------
    IQModel or MultiIQModel
        The fitted model, of the kind the file holds.

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    ValueError
        The file is not a model file, is corrupt or damaged (the field is named), or comes
        from a newer format version.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from iqmodel.datasets import make_planted_dataset
    >>> data = make_planted_dataset(n_seqs=300, seq_length=100, n_motifs=2, random_state=0)
    >>> model = IQModel(verbose=0, random_state=0)
    >>> model = model.fit_with_motifs(data.sequences, data.dap, data.truth.motifs)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     model.save(Path(folder) / "model.json")
    ...     loaded = load_model(Path(folder) / "model.json")
    >>> type(loaded).__name__, [m.name for m in loaded.motifs_]
    ('IQModel', ['MA0466.4', 'MA0139.2'])
    >>> bool(np.array_equal(loaded.predict(data.sequences), model.predict(data.sequences)))
    True
    """
    document = model_file.read_model_document(path)
    kind = IQModel
    if "kind" in document:
        from iqmodel.multi import DOCUMENT_KIND, MultiIQModel

        if document["kind"] != DOCUMENT_KIND:
            raise ValueError(f"{path}: unknown model kind {document['kind']!r:.40}")
        kind = MultiIQModel
    try:
        return kind.from_dict(document)
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"{path}: damaged model file: {error}; save the model again") from None
