"""MultiIQModel: one motif vocabulary shared by several trajectories (homogenization, spec 8).

Each trajectory keeps its own response functions and GLM coefficients, but every trajectory's
model is built from the same shared motifs (PWM + spatial profile), so a motif's role can be
compared across trajectories. Two ways in:

- :meth:`MultiIQModel.fit` learns everything from sequences and a dAP table: per trajectory,
  the database screen, the lasso selection and the clusters of :class:`~iqmodel.IQModel`;
  then the clusters of all trajectories are pooled, grouped by the correlation of their
  partial responses, and one motif is distilled per group on the matrix of per-trajectory
  partial responses (PREGO maximises the sum of the per-column r^2);
- :meth:`MultiIQModel.from_models` homogenizes single-trajectory models already fitted on the
  same peaks (R's ``distill_traj_model_multi``): their motifs are grouped by the correlation
  of their energies, groups of several motifs are distilled on the models' partial responses,
  and a motif alone in its group is kept as it is.

Either way each trajectory is then refitted (:meth:`iqmodel.IQModel.fit_with_motifs`) on the
shared motifs of its own groups (``models_``) and on all shared motifs (``models_full_``).
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.utils.validation import check_is_fitted

from iqmodel._validation import check_features, check_target
from iqmodel.additional_features import FeatureScaler
from iqmodel.interpret import decompose
from iqmodel.io import model_file
from iqmodel.metrics import correlation_matrix, is_constant, pearson_r, pearson_r2, r2_score
from iqmodel.model import IQModel
from iqmodel.motifs import Motif
from iqmodel.parameters import IQMODEL_PARAMETERS, InstancesOf, Interval, validate_params
from iqmodel.pipeline import (
    cluster_coherent,
    cluster_motifs,
    distill_clusters,
    mean_pairwise_correlation,
    name_distilled_motifs,
    screen_database_targets,
    select_motifs,
)
from iqmodel.sampling import order_keys, stage_seeds
from iqmodel.seq import encode

__all__ = ["MULTI_IQMODEL_PARAMETERS", "STATS_COLUMNS", "MultiIQModel"]

DOCUMENT_KIND = "multi-trajectory"
"""Value of the ``kind`` field of a multi-trajectory model file."""

MULTI_IQMODEL_PARAMETERS: Mapping[str, list] = MappingProxyType(
    {
        "estimator": [InstancesOf(IQModel), None],
        "max_motifs": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "min_diff": [Interval(numbers.Real, 0, None, closed="left")],
        "intra_cor_threshold": [Interval(numbers.Real, -1, 1, closed="both")],
    }
)
"""Constraints of the :class:`MultiIQModel` parameters, for :func:`validate_params`."""

STATS_COLUMNS = (
    "trajectory",
    "type",
    "r2_train",
    "r2_test",
    "pearson_r2_train",
    "pearson_r2_test",
    "n_motifs",
)
"""Columns of :attr:`MultiIQModel.stats_`."""

_MIN_LEARN_ROWS = 10  # PREGO needs a few peaks that change to learn a motif from


class _Units(NamedTuple):
    """The per-trajectory motifs (or motif clusters) pooled before homogenization.

    ``table`` has one row per unit (``trajectory``, ``unit``, ``members``, ``cor``);
    ``profiles`` (n_rows, n_units) are what units are clustered on.
    """

    table: pd.DataFrame
    profiles: np.ndarray


class _Data(NamedTuple):
    """Checked inputs: codes (n, L), targets (n, T), trajectory names, features, train mask."""

    codes: np.ndarray
    targets: np.ndarray
    names: list
    features: pd.DataFrame | None
    train: np.ndarray


def _check_names(names) -> list[str]:
    names = list(names)
    bad = [n for n in names if not isinstance(n, str) or not n.strip()]
    if bad:
        raise ValueError(
            f"trajectory names must be non-empty strings; got {bad[:5]}: name the dap columns"
        )
    repeated = pd.Index(names)[pd.Index(names).duplicated()].unique().tolist()
    if repeated:
        raise ValueError(
            f"trajectory names {repeated} are repeated; each dap column must have its own name"
        )
    return names


def _target_table(dap) -> pd.DataFrame:
    """``dap`` as a DataFrame with one column per trajectory, rows in peak order."""
    if isinstance(dap, Mapping):
        series = {}
        first = None
        for name, values in dap.items():
            if isinstance(values, pd.Series):
                if first is None:
                    first = (name, values.index)
                elif not values.index.equals(first[1]):
                    same = set(values.index) == set(first[1])
                    what = "the peaks in another order" if same else "other peaks"
                    raise ValueError(
                        f"trajectory {name!r} has {what} than {first[0]!r}; every trajectory "
                        "must describe the same peaks in the same order: align them first "
                        "(pd.concat(dap, axis=1, join='inner'))"
                    )
                values = values.to_numpy()
            series[name] = np.asarray(values)
        lengths = {name: len(v) for name, v in series.items()}
        if len(set(lengths.values())) > 1:
            raise ValueError(
                f"trajectories have different numbers of peaks ({lengths}); every trajectory "
                "must describe the same peaks in the same order"
            )
        _check_names(series)
        return pd.DataFrame(series)
    if not isinstance(dap, pd.DataFrame):
        raise TypeError(
            f"dap must be a DataFrame with one named column per trajectory (or a dict of "
            f"name -> values), got {type(dap).__name__}"
        )
    _check_names(dap.columns)
    return dap


class MultiIQModel(BaseEstimator):
    """IceQream models of several trajectories that share one set of motifs.

    Parameters
    ----------
    estimator : IQModel, optional
        The settings of every per-trajectory model (motif database, ``n_motifs``, spatial
        bins, penalty, filter, interactions, ``random_state``, ``verbose`` ...); cloned, never
        fitted itself. Default ``IQModel()``.
    max_motifs : int, optional
        Clusters of the first cut when pooling (spec 8.2 ``max_motif_num``); default the
        estimator's ``n_motifs`` in :meth:`fit`, the largest number of motifs of the input
        models in :meth:`from_models`. Incoherent clusters are split further, so the shared
        set can be larger.
    min_diff : float, default 0.1
        Distillation learns on the peaks whose ``|dAP| > min_diff`` (raw units) in at least
        one trajectory.
    intra_cor_threshold : float, default 0.8
        Least mean pairwise Pearson r within a cluster; less coherent clusters are split.
        (R's default 0.6 merges different motifs, e.g. SRY with a FOX motif at r = 0.62, and
        costs held-out R^2; see docs/porting_from_r.md.)

    Attributes
    ----------
    trajectories_ : list of str, length n_trajectories
        Trajectory names (the columns of ``dap``), in order.
    motifs_ : list of Motif, length n_shared
        The shared motifs, named after their best database match: those that at least one
        trajectory's refit on its own clusters kept (the refits run the estimator's filter).
    motif_names_ : DataFrame, shape (n_shared, 5)
        How each shared motif got its name (see :class:`iqmodel.pipeline.Naming`):
        ``motif``, ``seed``, ``match``, ``similarity``, ``named_by``.
    models_ : dict of str -> IQModel
        Each trajectory's model (keys ``trajectories_``) on the shared motifs of its own
        clusters, fitted on the training rows.
    models_full_ : dict of str -> IQModel
        Each trajectory's model refitted on all of ``motifs_``.
    cluster_map_ : DataFrame, shape (n_units, 9)
        One row per pooled unit: ``trajectory``, ``unit`` (input motif, or the strongest
        database motif of a trajectory's cluster), ``members`` (its database motifs, ``;``
        separated), ``cor`` (Pearson r of its energy, or partial response, with its
        trajectory's dAP), ``cluster``, ``motif`` (the shared motif), ``intra_cor`` (mean
        pairwise r in the cluster), ``n`` (units in the cluster) and ``used`` (whether a
        trajectory's refit kept the motif, i.e. it is in ``motifs_``); rows grouped by
        cluster.
    stats_ : DataFrame, shape (n_types * n_trajectories, 7)
        Per trajectory and ``type`` (``"before"`` - the input models, :meth:`from_models`
        only -, ``"after"`` - ``models_`` -, ``"full"`` - ``models_full_``): R^2 and squared
        Pearson r on the training and held-out rows (NaN without held-out rows), and the
        number of motifs; columns :data:`STATS_COLUMNS`.
    seq_length_ : int
        Training sequence length (bp).

    See Also
    --------
    iqmodel.IQModel : One trajectory.

    Examples
    --------
    Two trajectories on the same peaks: CEBPB sites open chromatin in ``up``, CTCF sites
    close it in ``down``. The shared vocabulary holds one motif for each, every trajectory
    uses its own (about 2 s):

    >>> import numpy as np
    >>> import pandas as pd
    >>> from iqmodel import IQModel
    >>> from iqmodel.datasets import make_planted_trajectories
    >>> from iqmodel.io import load_motif_db
    >>> effects = pd.DataFrame({"up": [2.5, 0.0], "down": [0.0, -2.5]})
    >>> data = make_planted_trajectories(effects, n_seqs=300, seq_length=100, random_state=0)
    >>> planted = [m.with_spatial(None, None) for m in data.truth.motifs]
    >>> estimator = IQModel(motif_db=load_motif_db("jaspar2024")[:30] + planted, n_motifs=2,
    ...                     min_cor=0.2, motif_length=10, sequence_features=False, verbose=0,
    ...                     random_state=0)
    >>> test = np.arange(300) >= 250
    >>> multi = MultiIQModel(estimator).fit(data.sequences, data.dap, test=test)
    >>> multi.trajectories_, multi.motif_names_["seed"].tolist()
    (['up', 'down'], ['MA0466.4', 'MA0139.2'])
    >>> {name: len(model.motifs_) for name, model in multi.models_.items()}
    {'up': 1, 'down': 1}
    >>> np.sign(multi.contributions(data.sequences)).to_numpy().tolist()
    [[1.0, 0.0], [0.0, -1.0]]
    >>> multi.stats_.shape, bool((multi.stats_["r2_test"] > 0.5).all())
    ((4, 7), True)
    >>> multi.predict(data.sequences[:5]).shape
    (5, 2)
    """

    def __init__(self, estimator=None, *, max_motifs=None, min_diff=0.1, intra_cor_threshold=0.8):
        self.estimator = estimator
        self.max_motifs = max_motifs
        self.min_diff = min_diff
        self.intra_cor_threshold = intra_cor_threshold

    # ------------------------------------------------------------------ inputs

    def _template(self) -> IQModel:
        validate_params(MULTI_IQMODEL_PARAMETERS, self.get_params(deep=False), "MultiIQModel")
        template = IQModel() if self.estimator is None else clone(self.estimator)
        validate_params(IQMODEL_PARAMETERS, template.get_params(deep=False), "IQModel")
        return template

    def _data(self, seqs, dap, features, test) -> _Data:
        if not isinstance(seqs, str) and hasattr(seqs, "__len__") and len(seqs) == 0:
            raise ValueError("seqs is empty; fit needs sequences and a dAP row per sequence")
        codes = encode(seqs)
        table = _target_table(dap)
        if isinstance(seqs, pd.Series) and isinstance(dap, pd.DataFrame):
            if not seqs.index.equals(dap.index):
                raise ValueError(
                    "seqs and dap are pandas objects with different indexes; rows are matched "
                    "by position, so align them first (dap = dap.loc[seqs.index])"
                )
        if table.shape[1] < 2:
            raise ValueError(
                f"dap has {table.shape[1]} trajectory column(s); homogenization needs at least "
                "two: fit one trajectory with IQModel"
            )
        if len(table) != len(codes):
            raise ValueError(
                f"dap has {len(table)} rows but there are {len(codes)} sequences; pass one row "
                "per sequence"
            )
        train = np.ones(len(codes), dtype=bool)
        if test is not None:
            test = np.asarray(test)
            if test.dtype != bool or test.shape != (len(codes),):
                raise ValueError(
                    f"test must be a boolean mask with one value per sequence ({len(codes)}), "
                    f"got dtype {test.dtype} and shape {test.shape}"
                )
            train = ~test
            if train.sum() < 2:
                raise ValueError("test holds out (almost) every sequence; keep rows to fit on")
        names = list(table.columns)
        targets = np.column_stack(
            [check_target(table[name], len(codes), name=f"dap column {name!r}") for name in names]
        )
        for j, name in enumerate(names):
            if is_constant(targets[train, j])[0]:
                raise ValueError(
                    f"dap column {name!r} is constant on the training rows; there is nothing to "
                    "explain: drop that trajectory"
                )
        return _Data(codes, targets, names, check_features(features, len(codes), dap), train)

    # ------------------------------------------------------------------ fit

    def fit(self, seqs, dap, *, features=None, test=None) -> MultiIQModel:
        """Learn shared motifs and one response model per trajectory.

        Parameters
        ----------
        seqs : list of str or int8 array (n_seqs, length)
            Equal-length peak sequences.
        dap : DataFrame (n_seqs, n_trajectories), or dict of name -> values
            One named column of accessibility change per trajectory, rows matched to ``seqs``
            by position (the same peaks in the same order for every trajectory).
        features : DataFrame or array (n_seqs, n_features), optional
            Per-peak covariates shared by every trajectory.
        test : ndarray of bool, shape (n_seqs,), optional
            Rows held out of every fitting step and scored in ``stats_``.

        Returns
        -------
        self : MultiIQModel
            The fitted model.

        Raises
        ------
        ValueError
            For fewer than two trajectories, mismatched rows, a trajectory constant on the
            training rows, an invalid ``test`` mask, too few peaks with ``|dAP| > min_diff``,
            or invalid parameters.
        TypeError
            When ``dap`` is neither a DataFrame nor a dict.
        """
        template = self._template()
        data = self._data(seqs, dap, features, test)
        codes = data.codes[data.train]
        targets = data.targets[data.train]
        train_features = _rows(data.features, data.train)
        database = template.load_database()
        template.check_training_shape(codes, database)
        selection_seed, distill_seed = stage_seeds(template.random_state, 2)
        screen = screen_database_targets(
            codes,
            targets,
            database,
            min_cor=template.min_cor,
            n_wanted=template.n_motifs,
            n_jobs=template.n_jobs,
            progress=template.verbose > 0,
        )
        covariates = template.covariate_frame(codes, train_features)
        scaled = None if covariates is None else FeatureScaler().fit_transform(covariates)
        units = []
        seeds = selection_seed.spawn(len(data.names))
        for j, name in enumerate(_progress(data.names, template.verbose, "selecting motifs")):
            y = targets[:, j]
            selection = select_motifs(
                screen.candidate_energies(j),
                (y - y.min()) / (y.max() - y.min()),
                None if scaled is None else scaled.to_numpy(),
                selection_beta=template.selection_beta,
                glm_lambda=template.glm_lambda,
                solver=template.solver,
                random_state=np.random.default_rng(seeds[j]),
                keys=order_keys(codes, y),
            )
            columns = screen.screens[j].candidates[selection.columns]  # database indices
            energies = screen.energies[:, screen.positions(columns)]
            for group in cluster_motifs(energies, selection.betas, template.n_motifs):
                betas = selection.betas[group]
                units.append(
                    _cluster_unit(name, y, columns[group], betas, energies[:, group], database)
                )
        table = pd.DataFrame([u["row"] for u in units])
        profiles = np.column_stack([u["profile"] for u in units])
        clusters = cluster_coherent(
            profiles,
            table["cor"].to_numpy(),
            self.max_motifs or template.n_motifs,
            self.intra_cor_threshold,
        )
        # distillation on the pooled database columns: a cluster's members are the database
        # motifs of its units, each with its selection beta in its own trajectory
        columns = np.concatenate([u["columns"] for u in units])
        betas = np.concatenate([u["betas"] for u in units])
        labels = np.concatenate([[u["row"]["trajectory"]] * len(u["columns"]) for u in units])
        starts = np.cumsum([0] + [len(u["columns"]) for u in units])
        distillation = distill_clusters(
            codes,
            [database[i] for i in columns],
            screen.energies[:, screen.positions(columns)],
            betas,
            [np.concatenate([np.arange(starts[u], starts[u + 1]) for u in c]) for c in clusters],
            trajectories=labels,
            learn_rows=self._learn_rows(targets),
            random_state=np.random.default_rng(distill_seed),
            **template.distillation_options(),
        )
        candidates = screen.columns  # every trajectory's screened motifs
        del screen, energies
        naming = name_distilled_motifs(
            distillation.motifs,
            [database[i] for i in candidates],
            **template.naming_options(train_features),
        )
        self._finish(template, data, _Units(table, profiles), clusters, naming)
        return self

    def _learn_rows(self, targets: np.ndarray) -> np.ndarray:
        """Rows with ``|dAP| > min_diff`` in at least one trajectory (spec 8.2 step 5)."""
        rows = np.flatnonzero((np.abs(targets) > self.min_diff).any(axis=1))
        if len(rows) < _MIN_LEARN_ROWS:
            raise ValueError(
                f"only {len(rows)} training peaks have |dAP| > min_diff = {self.min_diff:g} in "
                f"some trajectory; distillation needs at least {_MIN_LEARN_ROWS}: lower "
                "min_diff (it is in the units of dap)"
            )
        return rows

    @classmethod
    def from_models(
        cls,
        models: Mapping,
        seqs,
        dap,
        *,
        features=None,
        test=None,
        max_motifs=None,
        min_diff=0.1,
        intra_cor_threshold=0.8,
    ) -> MultiIQModel:
        """Homogenize single-trajectory models fitted on the same peaks.

        Parameters
        ----------
        models : dict of str -> fitted IQModel
            One model per trajectory, named like the columns of ``dap``, each fitted on the
            training rows of ``seqs`` (all rows but ``test``) and its own dAP column.
        seqs : list of str or int8 array (n_seqs, length)
            As in :meth:`fit`.
        dap : DataFrame (n_seqs, n_trajectories), or dict of name -> values
            As in :meth:`fit`.
        features : DataFrame or array (n_seqs, n_features), optional
            As in :meth:`fit`.
        test : ndarray of bool, shape (n_seqs,), optional
            As in :meth:`fit`.
        max_motifs : int, optional
            As in the constructor (default: the most motifs of any model).
        min_diff : float, default 0.1
            As in the constructor.
        intra_cor_threshold : float, default 0.8
            As in the constructor.

        Returns
        -------
        MultiIQModel
            Fitted; its ``estimator`` carries the settings of the first model, and
            ``stats_`` has ``"before"`` rows for the input models.

        Raises
        ------
        TypeError
            When ``models`` is not a non-empty dict of IQModel.
        ValueError
            When the models' names differ from the dap columns, or a model was not fitted on
            these sequences and its dAP column (training rows).

        Examples
        --------
        Two single-trajectory models, each on one planted motif, share no motif: each motif
        stays as it is:

        >>> import numpy as np
        >>> import pandas as pd
        >>> from iqmodel import IQModel
        >>> from iqmodel.datasets import make_planted_trajectories
        >>> effects = pd.DataFrame({"up": [2.5, 0.0], "down": [0.0, -2.5]})
        >>> data = make_planted_trajectories(effects, n_seqs=300, seq_length=100,
        ...                                  random_state=0)
        >>> cebpb, ctcf = data.truth.motifs
        >>> train = slice(0, 250)
        >>> models = {
        ...     name: IQModel(verbose=0, random_state=0).fit_with_motifs(
        ...         data.sequences[train], data.dap[name][train], [motif]
        ...     )
        ...     for name, motif in (("up", cebpb), ("down", ctcf))
        ... }
        >>> multi = MultiIQModel.from_models(models, data.sequences, data.dap,
        ...                                  test=np.arange(300) >= 250)
        >>> [m.name for m in multi.motifs_], multi.cluster_map_["n"].tolist()
        (['MA0466.4', 'MA0139.2'], [1, 1])
        >>> multi.stats_["type"].unique().tolist()
        ['before', 'after', 'full']
        """
        if not isinstance(models, Mapping) or not models:
            raise TypeError("models must be a non-empty dict of trajectory name -> fitted IQModel")
        for name, model in models.items():
            if not isinstance(model, IQModel):
                raise TypeError(f"models[{name!r}] is a {type(model).__name__}, not an IQModel")
            check_is_fitted(model, "glm_")
        first = next(iter(models.values()))
        estimator = IQModel().set_params(**first.get_params(deep=False))
        multi = cls(
            estimator,
            max_motifs=max_motifs,
            min_diff=min_diff,
            intra_cor_threshold=intra_cor_threshold,
        )
        template = multi._template()
        data = multi._data(seqs, dap, features, test)
        if set(models) != set(data.names):
            raise ValueError(
                f"models are named {sorted(models)} but the dap columns are {data.names}; pass "
                "one model per dap column, with the same names"
            )
        codes = data.codes[data.train]
        train_features = _rows(data.features, data.train)
        rows, profiles, responses, motifs = [], [], [], []
        for j, name in enumerate(data.names):
            model = models[name]
            _check_length(model, name, codes.shape[1])
            parts = decompose(model, codes, features=train_features)
            _check_fitted_on(model, name, data.targets[data.train, j], parts.prediction)
            for motif in model.motifs_:
                energy = parts.inputs[motif.name].to_numpy()
                rows.append(
                    {
                        "trajectory": name,
                        "unit": motif.name,
                        "members": motif.name,
                        "cor": pearson_r(data.targets[data.train, j], energy),
                    }
                )
                profiles.append(energy)
                responses.append(parts.terms[motif.name].to_numpy())
                motifs.append(motif)
        units = _Units(pd.DataFrame(rows), np.column_stack(profiles))
        n_clusters = max_motifs or max(len(m.motifs_) for m in models.values())
        clusters = cluster_coherent(
            units.profiles, units.table["cor"].to_numpy(), n_clusters, intra_cor_threshold
        )
        merged = [c for c in clusters if len(c) > 1]
        (distill_seed,) = stage_seeds(template.random_state, 1)
        distillation = distill_clusters(
            codes,
            motifs,
            np.column_stack(responses),
            np.ones(len(motifs)),  # the partial responses enter with unit weight
            merged,  # strongest unit first: it is each cluster's representative
            trajectories=units.table["trajectory"].to_numpy(),
            learn_rows=multi._learn_rows(data.targets[data.train]),
            random_state=np.random.default_rng(distill_seed),
            **template.distillation_options(),
        )
        learned = iter(distillation.motifs)
        shared = [next(learned) if len(c) > 1 else motifs[c[0]] for c in clusters]
        naming = name_distilled_motifs(
            shared,
            template.load_database(),
            **template.naming_options(train_features),
        )
        multi._finish(template, data, units, clusters, naming, before=dict(models))
        return multi

    def _finish(self, template, data: _Data, units: _Units, clusters, naming, before=None):
        """Cluster map, per-trajectory refits and statistics."""
        self.trajectories_ = list(data.names)
        self.motifs_ = naming.motifs
        self.motif_names_ = naming.table
        self.seq_length_ = int(data.codes.shape[1])
        correlation = correlation_matrix(units.profiles)
        table = units.table.copy()
        table["cluster"] = 0
        table["motif"] = ""
        table["intra_cor"] = np.nan
        table["n"] = 0
        for index, members in enumerate(clusters):
            table.loc[members, "cluster"] = index
            table.loc[members, "motif"] = self.motifs_[index].name
            table.loc[members, "intra_cor"] = mean_pairwise_correlation(correlation, members)
            table.loc[members, "n"] = len(members)
        order = np.concatenate(clusters)
        self.cluster_map_ = table.loc[order].reset_index(drop=True)
        codes = data.codes[data.train]
        train_features = _rows(data.features, data.train)
        refit = clone(template).set_params(verbose=0)
        targets = {name: data.targets[data.train, j] for j, name in enumerate(data.names)}
        self.models_ = {}
        for name in _progress(data.names, template.verbose, "refitting"):
            own = sorted(set(table.loc[table["trajectory"] == name, "cluster"]))
            self.models_[name] = clone(refit).fit_with_motifs(
                codes, targets[name], [self.motifs_[c] for c in own], features=train_features
            )
        # the shared vocabulary: what the trajectories' own refits kept (their filter ran)
        used = {m.name for model in self.models_.values() for m in model.motifs_}
        self.motifs_ = [m for m in self.motifs_ if m.name in used]
        self.motif_names_ = self.motif_names_[self.motif_names_["motif"].isin(used)].reset_index(
            drop=True
        )
        self.cluster_map_["used"] = self.cluster_map_["motif"].isin(used)
        self.models_full_ = {
            name: clone(refit).fit_with_motifs(
                codes, targets[name], self.motifs_, features=train_features
            )
            for name in _progress(data.names, template.verbose, "refitting on all motifs")
        }
        stages = ([("before", before)] if before else []) + [
            ("after", self.models_),
            ("full", self.models_full_),
        ]
        self.stats_ = pd.DataFrame(
            [
                _stats_row(name, kind, models[name], data, j)
                for kind, models in stages
                for j, name in enumerate(data.names)
            ],
            columns=list(STATS_COLUMNS),
        )

    # ------------------------------------------------------------------ prediction

    def _models(self, full: bool) -> dict:
        check_is_fitted(self, "models_")
        return self.models_full_ if full else self.models_

    def predict(self, seqs, *, features=None, full: bool = False) -> pd.DataFrame:
        """Predicted dAP of each trajectory.

        Parameters
        ----------
        seqs : list of str or int8 array (n_seqs, ``seq_length_``)
            Sequences of the training length.
        features : DataFrame, optional
            The covariates the model was fitted with, if any.
        full : bool, default False
            Use ``models_full_`` (every shared motif) instead of ``models_``.

        Returns
        -------
        DataFrame of float64, shape (n_seqs, n_trajectories)
            One column per trajectory (``trajectories_``), on that trajectory's dAP scale.
        """
        models = self._models(full)
        return pd.DataFrame(
            {name: models[name].predict(seqs, features=features) for name in self.trajectories_}
        )

    def decision_function(self, seqs, *, features=None, full: bool = False) -> pd.DataFrame:
        """Logit (GLM linear predictor) of each trajectory.

        Parameters
        ----------
        seqs : list of str or int8 array (n_seqs, ``seq_length_``)
            Sequences of the training length.
        features : DataFrame, optional
            The covariates the model was fitted with, if any.
        full : bool, default False
            Use ``models_full_`` instead of ``models_``.

        Returns
        -------
        DataFrame of float64, shape (n_seqs, n_trajectories)
            One column of logits per trajectory.
        """
        models = self._models(full)
        return pd.DataFrame(
            {
                name: models[name].decision_function(seqs, features=features)
                for name in self.trajectories_
            }
        )

    def score(self, seqs, dap, *, features=None) -> float:
        """Mean over trajectories of the coefficient of determination R^2.

        Parameters
        ----------
        seqs : list of str or int8 array (n_seqs, ``seq_length_``)
            Sequences of the training length.
        dap : DataFrame (n_seqs, n_trajectories), or dict of name -> values
            Observed dAP, with a column for every trajectory.
        features : DataFrame, optional
            The covariates the model was fitted with, if any.

        Returns
        -------
        float
            Mean R^2 of ``models_`` over the trajectories.

        Raises
        ------
        ValueError
            When ``dap`` lacks a trajectory.
        """
        table = _target_table(dap)
        predicted = self.predict(seqs, features=features)
        missing = [n for n in self.trajectories_ if n not in table.columns]
        if missing:
            raise ValueError(f"dap lacks the trajectory column(s) {missing}")
        return float(
            np.mean([r2_score(table[n].to_numpy(float), predicted[n]) for n in self.trajectories_])
        )

    def contributions(self, seqs, *, features=None, full: bool = False) -> pd.DataFrame:
        """Each shared motif's signed contribution to each trajectory.

        The contribution is the standard deviation over ``seqs`` of the motif's logit term
        (:func:`iqmodel.interpret.decompose`), signed by the correlation of the term with the
        motif's energy (positive: binding raises accessibility). A motif a trajectory's model
        does not use contributes 0.

        Parameters
        ----------
        seqs : list of str or int8 array (n_seqs, ``seq_length_``)
            Sequences of the training length.
        features : DataFrame, optional
            The covariates the model was fitted with, if any.
        full : bool, default False
            Use ``models_full_`` instead of ``models_``.

        Returns
        -------
        DataFrame of float64, shape (n_motifs, n_trajectories)
            Index: shared motif names; logit units.
        """
        models = self._models(full)
        names = [m.name for m in self.motifs_]
        out = pd.DataFrame(0.0, index=names, columns=self.trajectories_)
        for trajectory in self.trajectories_:
            parts = decompose(models[trajectory], seqs, features=features)
            for motif in models[trajectory].motifs_:
                term = parts.terms[motif.name].to_numpy()
                sign = np.sign(pearson_r(parts.inputs[motif.name].to_numpy(), term)) or 1.0
                out.loc[motif.name, trajectory] = sign * term.std()
        return out

    # ------------------------------------------------------------------ persistence

    def to_dict(self) -> dict:
        """The fitted model as a JSON-ready document (see :func:`iqmodel.load_model`).

        Returns
        -------
        dict
            ``kind`` (``"multi-trajectory"``), ``params``, ``trajectories``, ``motifs``,
            ``motif_names``, ``cluster_map``, ``stats``, ``seq_length``, and the
            :meth:`IQModel.to_dict` documents of ``models`` and ``models_full``.
        """
        check_is_fitted(self, "models_")
        return model_file.json_ready(
            {
                "kind": DOCUMENT_KIND,
                "params": {
                    "max_motifs": self.max_motifs,
                    "min_diff": self.min_diff,
                    "intra_cor_threshold": self.intra_cor_threshold,
                },
                "trajectories": self.trajectories_,
                "motifs": [m.to_dict() for m in self.motifs_],
                "motif_names": self.motif_names_.to_dict(orient="records"),
                "cluster_map": self.cluster_map_.to_dict(orient="records"),
                "stats": self.stats_.to_dict(orient="records"),
                "seq_length": self.seq_length_,
                "models": {n: self.models_[n].to_dict() for n in self.trajectories_},
                "models_full": {n: self.models_full_[n].to_dict() for n in self.trajectories_},
            }
        )

    @classmethod
    def from_dict(cls, document: dict) -> MultiIQModel:
        """Rebuild a fitted model from :meth:`to_dict` output, validating every field.

        Parameters
        ----------
        document : dict
            A multi-trajectory model document.

        Returns
        -------
        MultiIQModel
            The fitted model.

        Raises
        ------
        ValueError, TypeError
            Naming the first damaged field.
        """
        doc = model_file.Document(document)
        if doc.get("kind", str) != DOCUMENT_KIND:
            raise ValueError(f"field 'kind' must be {DOCUMENT_KIND!r}")
        params = doc.get("params", dict)
        unknown = sorted(set(params) - {"max_motifs", "min_diff", "intra_cor_threshold"})
        if unknown:
            raise ValueError(f"params has unknown parameters {unknown}")
        names = _check_names(doc.strings("trajectories"))
        models = {}
        for part in ("models", "models_full"):
            stored = doc.get(part, dict)
            if sorted(stored) != sorted(names):
                raise ValueError(f"field '{part}' must have one model per trajectory {names}")
            models[part] = {
                n: doc.build(f"{part}.{n}", IQModel.from_dict, stored[n]) for n in names
            }
        first = models["models"][names[0]]
        multi = cls(IQModel().set_params(**first.get_params(deep=False)), **params)
        doc.check("params", multi._template)
        multi.trajectories_ = names
        multi.motifs_ = [
            doc.build(f"motifs[{i}]", Motif.from_dict, m)
            for i, m in enumerate(doc.get("motifs", list))
        ]
        multi.motif_names_ = doc.frame("motif_names", default=pd.DataFrame())
        multi.cluster_map_ = doc.frame("cluster_map", default=pd.DataFrame())
        multi.stats_ = doc.frame("stats", default=pd.DataFrame(columns=list(STATS_COLUMNS)))
        multi.seq_length_ = int(doc.number("seq_length", minimum=1.0, integer=True))
        multi.models_, multi.models_full_ = models["models"], models["models_full"]
        shared = {m.name for m in multi.motifs_}
        for part, group in models.items():
            for name, model in group.items():
                if model.seq_length_ != multi.seq_length_:
                    raise ValueError(f"field '{part}.{name}.seq_length' differs from seq_length")
                foreign = sorted({m.name for m in model.motifs_} - shared)
                if foreign:
                    raise ValueError(
                        f"field '{part}.{name}' uses motifs {foreign[:5]} that are not shared"
                    )
        return multi

    def save(self, path) -> None:
        """Write the fitted model to one JSON model file atomically.

        Parameters
        ----------
        path : str or Path
            File to write (replaced if it exists); read it back with
            :func:`iqmodel.load_model`.
        """
        model_file.write_model_document(self.to_dict(), path)


# ----------------------------------------------------------------------------- helpers


def _progress(items, verbose, description: str):
    if verbose:
        from tqdm.auto import tqdm

        return tqdm(items, desc=description, unit="trajectory")
    return items


def _rows(features: pd.DataFrame | None, rows: np.ndarray) -> pd.DataFrame | None:
    return None if features is None else features[rows].reset_index(drop=True)


def _cluster_unit(trajectory, y, columns, betas, energies, database) -> dict:
    """One trajectory's cluster of database motifs as a pooled unit.

    ``columns`` are database indices and ``energies`` their energies, shape
    (n_seqs, len(columns)). Its partial response is ``energies @ betas``; its profile (what
    clusters are formed on) is the same sum oriented so the strongest member enters
    positively, so a motif group with opposite effects in two trajectories still clusters
    together.
    """
    strongest = int(np.argmax(np.abs(betas)))
    response = energies @ betas
    return {
        "row": {
            "trajectory": trajectory,
            "unit": database[columns[strongest]].name,
            "members": ";".join(database[i].name for i in columns),
            "cor": pearson_r(y, response),
        },
        "profile": response * np.sign(betas[strongest]),
        "columns": columns,
        "betas": betas,
    }


def _check_length(model: IQModel, name: str, length: int) -> None:
    """Raise unless ``model`` was fitted on sequences of ``length`` bp."""
    if model.seq_length_ != length:
        raise ValueError(
            f"models[{name!r}] was fitted on {model.seq_length_}-bp sequences but seqs are "
            f"{length} bp; homogenize models fitted on the same peaks"
        )


def _check_fitted_on(model: IQModel, name: str, y: np.ndarray, prediction: np.ndarray) -> None:
    """Raise unless ``model`` was fitted on these training rows and this dAP ``y`` (by its
    stored dAP scale and training R^2, against its ``prediction`` of the rows)."""
    same_scale = np.isclose(model.y_min_, y.min(), rtol=1e-9, atol=1e-12) and np.isclose(
        model.y_range_, y.max() - y.min(), rtol=1e-9, atol=1e-12
    )
    r2 = r2_score(y, prediction)
    stored = model.train_r2_  # NaN in files of format version 1: not compared
    if not same_scale or not (np.isnan(stored) or np.isclose(r2, stored, rtol=1e-6, atol=1e-9)):
        raise ValueError(
            f"models[{name!r}] was not fitted on these sequences and dap column {name!r} (its "
            f"training R^2 is {model.train_r2_:.4g}, {r2:.4g} here; dAP range "
            f"[{model.y_min_:.4g}, {model.y_min_ + model.y_range_:.4g}] vs "
            f"[{y.min():.4g}, {y.max():.4g}]): pass the training rows and dAP each model was "
            "fitted on (test rows excluded with test=)"
        )


def _stats_row(name: str, kind: str, model: IQModel, data: _Data, j: int) -> dict:
    prediction = model.predict(data.codes, features=data.features)
    y = data.targets[:, j]
    row = {"trajectory": name, "type": kind, "n_motifs": len(model.motifs_)}
    for part, rows in (("train", data.train), ("test", ~data.train)):
        enough = rows.sum() >= 2 and not is_constant(y[rows])[0]
        row[f"r2_{part}"] = r2_score(y[rows], prediction[rows]) if enough else np.nan
        row[f"pearson_r2_{part}"] = pearson_r2(y[rows], prediction[rows]) if enough else np.nan
    return row
