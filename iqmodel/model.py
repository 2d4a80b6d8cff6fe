"""IQModel: the IceQream regression of accessibility change on sequence (spec 7).

Pipeline of :meth:`IQModel.fit` (spec 7.2-7.12):

1. normalised energies of every database motif -> correlation screen (|r| >= ``min_cor``);
2. two-round lasso-logistic selection (|beta| >= ``selection_beta``, then beta != 0);
3. hierarchical clustering of the selected energies (1 - r, complete linkage) into at most
   ``n_motifs`` clusters;
4. PREGO per cluster on the cluster's partial response (a singleton keeps its database PWM and
   learns only a spatial profile); ``distill=False`` keeps the cluster representatives instead;
5. energies of the final motifs, normalised against a background set, and per-peak features
   (GC, dinucleotides, user features) scaled to [0, 10];
6. four logistic response functions per feature -> final lasso-logistic GLM;
7. filtering by information content and drop-one R^2 (spec 7.11);
8. optional pairwise interactions (spec 7.12).

Predictions are ``y_min + y_range * sigmoid(eta)`` (the GLM's mean mapped back to the dAP scale)
with every constant fixed at fit time, so a prediction depends only on its own sequence.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.special import expit
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from iqmodel._validation import check_target
from iqmodel.additional_features import FeatureScaler, sequence_features
from iqmodel.energy import EnergyNormalizer, compute_energies
from iqmodel.features import LogisticBasis
from iqmodel.glm import DEFAULT_LAMBDA, cross_validate_lambda, fit_logistic_lasso
from iqmodel.interactions import select_interactions
from iqmodel.motifs import Motif
from iqmodel.prego import fit_motif
from iqmodel.sampling import quantile_matched_sample
from iqmodel.seq import encode

__all__ = ["IQModel"]

_SELECTION_TOL = 1e-7  # glmnet tolerance for the selection fits (R's default)


def _progress(iterable, verbose: int, **kwargs):
    if verbose:
        from tqdm.auto import tqdm

        return tqdm(iterable, **kwargs)
    return iterable


def _check_target(dap, n_seqs: int) -> np.ndarray:
    return check_target(dap, n_seqs, allow_constant=False)


def _check_features(features, n_seqs: int) -> pd.DataFrame | None:
    if features is None:
        return None
    frame = pd.DataFrame(features).reset_index(drop=True)
    frame.columns = [str(c) for c in frame.columns]
    if len(frame) != n_seqs:
        raise ValueError(
            f"features has {len(frame)} rows but there are {n_seqs} sequences; pass one row per "
            "sequence"
        )
    return frame.astype(float)


def _pearson_columns(matrix: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pearson r of every column with ``y``; 0 for constant columns."""
    centred = matrix - matrix.mean(axis=0)
    yc = y - y.mean()
    norms = np.sqrt((centred**2).sum(axis=0) * (yc @ yc))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = centred.T @ yc / norms
    return np.nan_to_num(r)


def _r2(y: np.ndarray, prediction: np.ndarray) -> float:
    """Coefficient of determination."""
    residual = ((y - prediction) ** 2).sum()
    total = ((y - y.mean()) ** 2).sum()
    return float(1 - residual / total)


class IQModel(RegressorMixin, BaseEstimator):
    """IceQream model: a few motifs with spatial profiles, logistic dose-responses and a GLM.

    Parameters
    ----------
    motif_db : str, path or list of Motif, default "jaspar2024"
        Database screened for candidate motifs (see :func:`iqmodel.io.load_motif_db`).
    n_motifs : int, default 30
        Maximum number of motifs (clusters) in the model.
    min_cor : float, default 0.05
        Database motifs need ``|r| >= min_cor`` with dAP to enter selection (spec 7.5).
    selection_beta : float, default 0.003
        First lasso round keeps motifs with ``|beta| >= selection_beta`` (spec 7.6).
    motif_length : int, default 15
        Length of distilled motifs.
    n_bins, bin_size : int, optional
        Spatial bins of distilled motifs (default 40-bp bins filling the sequence, spec 6.2).
    kmer_sequence_length : int or None, default 300
        PREGO screens seed k-mers in this central part of each sequence.
    distill : bool, default True
        Re-learn each cluster's motif with PREGO; False keeps the database representative
        (the "database motifs" ablation).
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
        Filter thresholds.
    filter_sample_frac : float, default 0.1
        Fraction of peaks the drop-one models are fitted on (at least 5 per GLM column).
    interactions : bool, default False
        Add pairwise interaction terms (spec 7.12).
    interaction_threshold : float, default 0.01
    max_interactions : int, optional
        Cap on interaction terms (default ``10 * number of features``).
    glm_lambda : float or "cv", default "cv"
        Lasso penalty. ``"cv"``: chosen by cross-validation of the held-out log-loss, for the
        second selection fit (3 folds) and the final GLM (5 folds); the first selection fit
        uses the reference 1e-5. A number: that penalty for every fit (1e-5 reproduces the R
        reference, spec 5, and overfits sets of a few thousand peaks).
    solver : {"auto", "glmnet", "glum"}, default "auto"
    random_state : int, Generator or None
    n_jobs : int or None
        Threads for the kernels; results do not depend on it.
    verbose : int, default 1
        0: silent; 1: progress bars on long steps.
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

    # ------------------------------------------------------------------ parameters

    def _validate_params(self) -> None:
        if not isinstance(self.n_motifs, (int, np.integer)) or self.n_motifs < 1:
            raise ValueError(f"n_motifs must be a positive integer, got {self.n_motifs!r}")
        if self.energy_mode not in ("lse", "max"):
            raise ValueError(f"energy_mode must be 'lse' or 'max', got {self.energy_mode!r}")
        if not (self.glm_lambda == "cv" or isinstance(self.glm_lambda, (int, float))):
            raise ValueError(f"glm_lambda must be a number or 'cv', got {self.glm_lambda!r}")
        lam = 0.0 if self.glm_lambda == "cv" else self.glm_lambda
        for name, value in (
            ("min_cor", self.min_cor),
            ("selection_beta", self.selection_beta),
            ("r2_threshold", self.r2_threshold),
            ("glm_lambda", lam),
        ):
            if not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"{name} must be a non-negative number, got {value!r}")
        if not 0 < self.filter_sample_frac <= 1:
            raise ValueError(
                f"filter_sample_frac must be in (0, 1], got {self.filter_sample_frac!r}"
            )

    def _database(self) -> list[Motif]:
        if isinstance(self.motif_db, (list, tuple)):
            if not self.motif_db or not all(isinstance(m, Motif) for m in self.motif_db):
                raise ValueError("motif_db must be a non-empty list of Motif objects")
            return list(self.motif_db)
        from iqmodel.io import load_motif_db

        return load_motif_db(self.motif_db)

    def _glm(self, X: np.ndarray, y01: np.ndarray, **kwargs):
        """A GLM fit with the fixed penalty (the cross-validated one once chosen)."""
        lam = getattr(
            self, "_lambda", DEFAULT_LAMBDA if self.glm_lambda == "cv" else self.glm_lambda
        )
        return fit_logistic_lasso(X, y01, lam=lam, **{"solver": self.solver, **kwargs})

    # ------------------------------------------------------------------ fit steps

    def _screen(self, energies: np.ndarray, dap: np.ndarray) -> np.ndarray:
        """Indices of database motifs correlated with dAP (spec 7.5)."""
        r = np.abs(_pearson_columns(energies, dap))
        wanted = min(self.n_motifs, energies.shape[1])
        for threshold in (self.min_cor, self.min_cor / 2):
            passed = np.flatnonzero(r >= threshold)
            if len(passed) >= wanted:
                return passed
        return np.argsort(-r, kind="stable")[:wanted]

    def _select(self, energies, y01, extra) -> tuple[np.ndarray, np.ndarray]:
        """Two-round lasso selection (spec 7.6); returns (kept columns, their betas)."""
        first = self._glm(energies, y01, tol=_SELECTION_TOL)
        kept = np.flatnonzero(np.abs(first.coef) >= self.selection_beta)
        if len(kept) == 0:
            kept = np.arange(energies.shape[1])
        design = energies[:, kept] if extra is None else np.hstack([energies[:, kept], extra])
        if self.glm_lambda == "cv":  # the selection penalty too: betas of 1e-5 fits are noise
            self._lambda = cross_validate_lambda(
                design, y01, n_lambdas=8, n_folds=3, random_state=self._rng, solver=self.solver
            ).best
        second = self._glm(design, y01, tol=_SELECTION_TOL)
        if not second.coef[: len(kept)].any():  # the chosen penalty zeroed every motif
            second = fit_logistic_lasso(design, y01, lam=DEFAULT_LAMBDA, solver=self.solver)
        betas = second.coef[: len(kept)]
        chosen = np.flatnonzero(betas != 0)
        if len(chosen) == 0:
            return kept, first.coef[kept]
        return kept[chosen], betas[chosen]

    def _clusters(self, energies: np.ndarray, betas: np.ndarray) -> list[np.ndarray]:
        """Clusters of motif columns (1 - r, complete linkage), strongest |beta| first."""
        n_clusters = min(self.n_motifs, energies.shape[1])
        if energies.shape[1] == 1:
            return [np.array([0])]
        with np.errstate(invalid="ignore", divide="ignore"):
            correlation = np.nan_to_num(np.corrcoef(energies, rowvar=False))
        distance = 1 - correlation[np.triu_indices(len(correlation), k=1)]
        labels = fcluster(linkage(np.clip(distance, 0, 2), "complete"), n_clusters, "maxclust")
        groups = [np.flatnonzero(labels == c) for c in np.unique(labels)]
        return sorted(groups, key=lambda g: -np.abs(betas[g]).max())

    def _distil(self, seqs, database, candidates, energies, betas, groups) -> list[Motif]:
        """One motif per cluster: PREGO on the partial response, or the representative."""
        motifs = []
        for group in _progress(groups, self.verbose, desc="distilling motifs", unit="cluster"):
            representative = database[candidates[group[np.argmax(np.abs(betas[group]))]]]
            if not self.distill:
                motifs.append(representative)
                continue
            partial = energies[:, group] @ betas[group]
            if np.ptp(partial) == 0:  # nothing to distil: keep the database motif
                motifs.append(representative)
                continue
            options = dict(
                n_bins=self.n_bins,
                bin_size=self.bin_size,
                random_state=self._rng,
                n_jobs=self.n_jobs,
                multi_kmers=False,
                kmer_sequence_length=self.kmer_sequence_length,
            )
            if len(group) == 1:  # singleton: keep the database PWM, learn its spatial profile
                result = fit_motif(
                    seqs, partial, seed=representative, optimize_pwm=False, **options
                )
            else:
                result = fit_motif(seqs, partial, motif_length=self.motif_length, **options)
            motifs.append(
                Motif(
                    representative.name,
                    result.motif.pwm,
                    spatial=result.motif.spatial,
                    bin_size=result.motif.bin_size,
                    source="iqmodel distilled",
                    alt_name=representative.alt_name,
                )
            )
        return motifs

    def _base_features(self, seqs, features) -> pd.DataFrame:
        """Normalised motif energies and scaled per-peak features, (n, K + F) on [0, 10]."""
        raw = compute_energies(seqs, self.motifs_, mode=self.energy_mode, n_jobs=self.n_jobs)
        names = [m.name for m in self.motifs_]
        columns = [pd.DataFrame(self.energy_normalizer_.transform(raw), columns=names)]
        extra = self._extra_features(seqs, features)
        if extra is not None:
            columns.append(self.feature_scaler_.transform(extra).reset_index(drop=True))
        return pd.concat(columns, axis=1)

    def _extra_features(self, seqs, features) -> pd.DataFrame | None:
        parts = []
        if self.sequence_features:
            parts.append(sequence_features(seqs).reset_index(drop=True))
        if features is not None:
            parts.append(features)
        if not parts:
            return None
        extra = pd.concat(parts, axis=1)
        duplicated = extra.columns[extra.columns.duplicated()].tolist()
        if duplicated:
            raise ValueError(f"feature names collide with sequence features: {duplicated}")
        return extra

    def _design(self, base: pd.DataFrame) -> pd.DataFrame:
        design = LogisticBasis().fit_transform(base) if self.response_bases else base
        if self.interactions_ is not None and len(self.interactions_):
            design = pd.concat([design, self.interactions_.transform(base)], axis=1)
        return design

    def _fit_glm(self, design: pd.DataFrame, y01: np.ndarray) -> None:
        """Final GLM on all training rows; with ``glm_lambda="cv"`` the penalty is chosen here."""
        if self.glm_lambda == "cv":
            path = cross_validate_lambda(
                design.to_numpy(), y01, random_state=self._rng, solver=self.solver
            )
            self.lambda_path_ = path.table
            self._lambda = path.best
        self.glm_ = self._glm(design.to_numpy(), y01)
        self.feature_names_ = list(design.columns)

    def _predict_design(self, design: pd.DataFrame) -> np.ndarray:
        """dAP scale: ``y_min + y_range * sigmoid(eta)``, the GLM mean mapped back."""
        p = expit(self.glm_.decision_function(design[self.feature_names_].to_numpy()))
        return self.y_min_ + self.y_range_ * p

    def _variable_of(self, column: str) -> str:
        """The feature (motif or covariate) a GLM column belongs to."""
        if self.response_bases and ":" not in column:
            return LogisticBasis.split_feature_name(column)[0]
        return column

    def _filter(self, base: pd.DataFrame, y01: np.ndarray, dap: np.ndarray) -> pd.DataFrame:
        """Remove weak motifs (spec 7.11); returns the reduced base features."""
        names = [m.name for m in self.motifs_]
        report = pd.DataFrame({"motif": names, "bits": [m.bits() for m in self.motifs_]})
        report["added_r2"] = np.nan
        report["removed"] = ""
        if len(names) < 2:
            self.filter_report_ = report
            return base
        design = self._design(base)
        # the drop-one models need several rows per column or they only fit noise
        size = max(self.filter_sample_frac, min(1.0, 5 * design.shape[1] / len(dap)))
        sample = quantile_matched_sample(dap, size, self._rng)

        cache: dict[frozenset, float] = {}

        def r2_without(dropped) -> float:
            """R^2 on all rows of a model fitted on the sample without ``dropped`` motifs."""
            key = frozenset(dropped)
            if key not in cache:
                columns = [c for c in design.columns if self._variable_of(c) not in key]
                cache[key] = 0.0
                if len(columns) >= 2:
                    matrix = design[columns].to_numpy()
                    fit = self._glm(matrix[sample], y01[sample], tol=_SELECTION_TOL)
                    r = _pearson_columns(fit.predict(matrix)[:, None], dap)[0]
                    cache[key] = float(r**2)
            return cache[key]

        full = r2_without(())
        report["added_r2"] = [full - r2_without({name}) for name in names]
        removed = set(report.loc[report["bits"] < self.bits_threshold, "motif"])
        report.loc[report["motif"].isin(removed), "removed"] = "bits"
        weak = report[(report["added_r2"] < self.r2_threshold) & (report["removed"] == "")]
        weak = weak.sort_values("added_r2")["motif"].tolist()
        for position, name in enumerate(weak):
            if len(removed) + 1 >= len(names):
                break
            # the weakest goes unconditionally; each next one if removing it costs < threshold
            if position == 0 or r2_without(removed) - r2_without(removed | {name}) < (
                self.r2_threshold
            ):
                removed.add(name)
                report.loc[report["motif"] == name, "removed"] = "r2"
        if len(removed) >= len(names):  # never remove every motif
            removed.discard(names[0])
        self.filter_report_ = report
        keep = [i for i, name in enumerate(names) if name not in removed]
        self.motifs_ = [self.motifs_[i] for i in keep]
        self.energy_normalizer_ = EnergyNormalizer().fit(self._background_raw[:, keep])
        return base.drop(columns=sorted(removed))

    # ------------------------------------------------------------------ public API

    def fit(self, seqs, dap, *, features=None, background_seqs=None) -> IQModel:
        """Fit the model.

        Parameters
        ----------
        seqs : list of str or int8 array (n_seqs, length)
            Equal-length peak sequences (e.g. 500 bp centred on the summit).
        dap : array (n_seqs,)
            Accessibility change (any continuous scale; mapped to [0, 1] with constants fixed
            here).
        features : DataFrame or array (n_seqs, n_features), optional
            Per-peak covariates (e.g. histone marks), scaled to [0, 10] at fit time.
        background_seqs : list of str, optional
            Sequences whose energies define the [0, 10] energy scale (default: ``seqs``).

        Returns
        -------
        self
        """
        self._validate_params()
        codes = encode(seqs)
        dap = _check_target(dap, len(codes))
        features = _check_features(features, len(codes))
        self._rng = np.random.default_rng(self.random_state)
        self.y_min_ = float(dap.min())
        self.y_range_ = float(dap.max() - dap.min())
        y01 = (dap - self.y_min_) / self.y_range_
        self.interactions_ = None
        self.__dict__.pop("_lambda", None)
        self.__dict__.pop("lambda_path_", None)

        database = self._database()
        db_raw = compute_energies(codes, database, n_jobs=self.n_jobs, progress=self.verbose > 0)
        db_energies = EnergyNormalizer().fit(db_raw).transform(db_raw)
        candidates = self._screen(db_energies, dap)
        extra = self._extra_features(codes, features)
        self.feature_scaler_ = None if extra is None else FeatureScaler().fit(extra)
        scaled_extra = None if extra is None else self.feature_scaler_.transform(extra).to_numpy()
        chosen, betas = self._select(db_energies[:, candidates], y01, scaled_extra)
        candidates = candidates[chosen]
        energies = db_energies[:, candidates]
        groups = self._clusters(energies, betas)
        self.motifs_ = self._distil(codes, database, candidates, energies, betas, groups)
        self.distilled_features_ = pd.DataFrame(
            [
                {
                    "motif": database[candidates[group[np.argmax(np.abs(betas[group]))]]].name,
                    "member": database[candidates[i]].name,
                    "beta": float(betas[i]),
                }
                for group in groups
                for i in group
            ]
        )

        background = codes if background_seqs is None else background_seqs
        self._background_raw = compute_energies(
            background, self.motifs_, mode=self.energy_mode, n_jobs=self.n_jobs
        )
        self.energy_normalizer_ = EnergyNormalizer().fit(self._background_raw)
        base = self._base_features(codes, features)
        self._fit_glm(self._design(base), y01)
        if self.filter:
            base = self._filter(base, y01, dap)
            self._fit_glm(self._design(base), y01)
        if self.interactions:
            self.interactions_ = select_interactions(
                base,
                y01,
                motif_names=[m.name for m in self.motifs_],
                threshold=self.interaction_threshold,
                max_interactions=self.max_interactions,
                lam=DEFAULT_LAMBDA if self.glm_lambda == "cv" else self.glm_lambda,
            )
            self._fit_glm(self._design(base), y01)
        del self._background_raw, self._rng
        self.__dict__.pop("_lambda", None)
        self.n_features_in_ = 0 if features is None else features.shape[1]
        self.feature_names_in_ = None if features is None else np.array(features.columns)
        prediction = self._predict_design(self._design(base))
        self.train_r2_ = _r2(dap, prediction)
        self.seq_length_ = int(codes.shape[1])
        return self

    def transform(self, seqs, *, features=None) -> pd.DataFrame:
        """The model's inputs on the [0, 10] scale, one row per sequence.

        Returns
        -------
        DataFrame of float64, shape (n_seqs, n_motifs + n_covariates)
            Normalised motif energies (columns named by motif) followed by the scaled
            sequence features and covariates.
        """
        check_is_fitted(self, "glm_")
        codes = encode(seqs)
        features = _check_features(features, len(codes))
        if self.n_features_in_ and features is None:
            raise ValueError(
                f"the model was fitted with {self.n_features_in_} features "
                f"({list(self.feature_names_in_)}); pass features= with the same columns"
            )
        return self._base_features(codes, features)

    def predict(self, seqs, *, features=None) -> np.ndarray:
        """Predicted dAP for each sequence, shape (n_seqs,)."""
        return self._predict_design(self._design(self.transform(seqs, features=features)))

    def score(self, seqs, dap, *, features=None) -> float:
        """Coefficient of determination R^2 of the predictions."""
        dap = _check_target(dap, len(encode(seqs)))
        return _r2(dap, self.predict(seqs, features=features))

    @property
    def coef_(self) -> pd.DataFrame:
        """Tidy coefficients: feature, motif (or feature name), response function, coefficient."""
        check_is_fitted(self, "glm_")
        rows = []
        motif_names = {m.name for m in self.motifs_}
        for name, value in zip(self.feature_names_, self.glm_.coef, strict=True):
            variable = self._variable_of(name)
            function = name[len(variable) + 1 :] if variable != name else "linear"
            kind = (
                "interaction" if ":" in name else "motif" if variable in motif_names else "feature"
            )
            rows.append(
                {
                    "feature": name,
                    "variable": variable,
                    "kind": kind,
                    "response": function,
                    "coefficient": float(value),
                }
            )
        return pd.DataFrame(rows)

    def report(self, seqs, dap, **kwargs):
        """The model report figure: one row per motif (see :func:`iqmodel.plot.report`)."""
        from iqmodel.plot import report

        return report(self, seqs, dap, **kwargs)

    def save(self, path) -> None:
        """Write the fitted model to a JSON model file (see :mod:`iqmodel.io.model_file`)."""
        from iqmodel.io.model_file import save_model

        save_model(self, path)

    def summary(self) -> str:
        """A short text description of the fitted model."""
        check_is_fitted(self, "glm_")
        coef = self.coef_
        lines = [
            f"IQModel: {len(self.motifs_)} motifs, {len(self.feature_names_)} GLM features "
            f"({(coef['coefficient'] != 0).sum()} non-zero), "
            f"{0 if self.interactions_ is None else len(self.interactions_)} interactions",
            f"train R^2 = {self.train_r2_:.3f}",
        ]
        for motif in self.motifs_:
            weight = coef.loc[coef["variable"] == motif.name, "coefficient"].abs().sum()
            label = f"{motif.name} ({motif.alt_name})" if motif.alt_name else motif.name
            lines.append(f"  {label:<30} {motif.consensus():<18} sum|coef| = {weight:.3f}")
        return "\n".join(lines)
