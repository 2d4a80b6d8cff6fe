"""The iqmodel model file: one human-readable JSON document, versioned, written atomically.

Layout (format version 1)::

    {
      "format": "iqmodel-model", "format_version": 1, "iqmodel_version": "...",
      "params": {...},                   # IQModel constructor parameters
      "motifs": [{"name", "alt_name", "source", "pwm" (L x 4), "spatial" (B) | null,
                  "bin_size" | null}, ...],
      "energy_normalizer": {"quantile", "min_energy", "max_value",
                            "reference_log2", "range_low", "range_high"},   # per motif
      "feature_scaler": null | {"quantile", "names", "low", "high"},        # per covariate
      "interactions": null | {"name", "term1", "term2", "inter_max", "norm_min", "norm_max"},
      "glm": {"coef", "intercept", "lambda", "solver", "n_iter", "converged", "deviance_ratio"},
      "design_columns": [...],           # GLM column order
      "scale": {"y_min", "y_range"},
      "covariates": null | [...],        # names of user features passed to fit
      "train_r2": float,
      "seq_length": int | null (training sequence length, bp; absent in early files),
      "filter_report": null | [{...}], "distilled_features": [{...}]
    }

Floats are written with Python's shortest round-trip representation, so a loaded model predicts
bit-identically. No pickle is involved.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd

from iqmodel.io._atomic import atomic_write_text

FORMAT = "iqmodel-model"
FORMAT_VERSION = 1

__all__ = ["FORMAT_VERSION", "load_model", "save_model"]


def _clean(value):
    """JSON-ready copy: arrays to lists, NaN/inf to None (standard JSON has neither)."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, np.ndarray):
        return _clean(value.tolist())
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    return value


def _records(frame: pd.DataFrame | None):
    return None if frame is None else frame.to_dict(orient="records")


def _motif_to_dict(motif) -> dict:
    return {
        "name": motif.name,
        "alt_name": motif.alt_name,
        "source": motif.source,
        "pwm": motif.pwm,
        "spatial": motif.spatial,
        "bin_size": motif.bin_size,
    }


def _params(model) -> dict:
    params = model.get_params()
    if not isinstance(params["motif_db"], (str, os.PathLike)):
        params["motif_db"] = None  # a list of Motif objects: not stored, refitting needs one
    else:
        params["motif_db"] = str(params["motif_db"])
    if not isinstance(params["random_state"], (int, type(None))):
        params["random_state"] = None
    return params


def model_to_dict(model) -> dict:
    """The JSON document of a fitted :class:`~iqmodel.model.IQModel`."""
    from iqmodel import __version__

    normalizer = model.energy_normalizer_
    scaler = model.feature_scaler_
    glm = model.glm_
    return _clean(
        {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "iqmodel_version": __version__,
            "params": _params(model),
            "motifs": [_motif_to_dict(m) for m in model.motifs_],
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
            "interactions": None if model.interactions_ is None else model.interactions_.to_dict(),
            "glm": {
                "coef": glm.coef,
                "intercept": glm.intercept,
                "lambda": glm.lambda_,
                "solver": glm.solver,
                "n_iter": glm.n_iter,
                "converged": glm.converged,
                "deviance_ratio": glm.deviance_ratio,
            },
            "design_columns": model.feature_names_,
            "scale": {"y_min": model.y_min_, "y_range": model.y_range_},
            "covariates": None
            if model.feature_names_in_ is None
            else list(model.feature_names_in_),
            "train_r2": model.train_r2_,
            "seq_length": model.seq_length_,
            "filter_report": _records(getattr(model, "filter_report_", None)),
            "distilled_features": _records(model.distilled_features_),
        }
    )


def save_model(model, path) -> Path:
    """Write a fitted model to ``path`` (JSON) atomically; returns the path."""
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(model, "glm_")
    path = Path(path)
    text = json.dumps(model_to_dict(model), indent=1, allow_nan=False)
    return atomic_write_text(path, text)


def _array(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _read_document(path: Path) -> dict:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"no model file at {path}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(
            f"{path} is not a valid iqmodel model file (JSON error: {error}); the file is "
            "corrupt or truncated: save the model again"
        ) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"{path} is not an iqmodel model file (no 'format': '{FORMAT}')")
    version = document.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise ValueError(f"{path} has an invalid format_version {version!r}")
    if version > FORMAT_VERSION:
        raise ValueError(
            f"{path} was written by iqmodel {document.get('iqmodel_version')} in model format "
            f"version {version}; this iqmodel reads up to version {FORMAT_VERSION}: upgrade iqmodel"
        )
    return document


def model_from_dict(document: dict):
    """Rebuild a fitted :class:`~iqmodel.model.IQModel` from :func:`model_to_dict` output."""
    from iqmodel.additional_features import FeatureScaler
    from iqmodel.glm import GLMFit
    from iqmodel.interactions import InteractionSet
    from iqmodel.model import IQModel
    from iqmodel.motifs import Motif
    from iqmodel.normalization import EnergyNormalizer

    params = dict(document["params"])
    if params["motif_db"] is None:
        params["motif_db"] = "jaspar2024"
    model = IQModel(**params)
    model.motifs_ = [
        Motif(
            m["name"],
            np.array(m["pwm"]),
            spatial=None if m["spatial"] is None else m["spatial"],
            bin_size=m["bin_size"],
            source=m["source"],
            alt_name=m["alt_name"],
        )
        for m in document["motifs"]
    ]
    stored = document["energy_normalizer"]
    normalizer = EnergyNormalizer(stored["quantile"], stored["min_energy"], stored["max_value"])
    normalizer.reference_log2_ = _array(stored["reference_log2"])
    normalizer.range_low_ = _array(stored["range_low"])
    normalizer.range_high_ = _array(stored["range_high"])
    normalizer.n_features_in_ = len(normalizer.reference_log2_)
    model.energy_normalizer_ = normalizer
    model.feature_scaler_ = None
    if document["feature_scaler"] is not None:
        stored = document["feature_scaler"]
        scaler = FeatureScaler(stored["quantile"])
        scaler.low_ = _array(stored["low"])
        scaler.high_ = _array(stored["high"])
        scaler.feature_names_in_ = np.array(stored["names"], dtype=object)
        scaler.n_features_in_ = len(scaler.low_)
        model.feature_scaler_ = scaler
    model.interactions_ = (
        None
        if document["interactions"] is None
        else InteractionSet.from_dict(document["interactions"])
    )
    glm = document["glm"]
    model.glm_ = GLMFit(
        coef=_array(glm["coef"]),
        intercept=glm["intercept"],
        lambda_=glm["lambda"],
        solver=glm["solver"],
        n_iter=glm["n_iter"],
        converged=glm["converged"],
        deviance_ratio=glm["deviance_ratio"],
    )
    model.feature_names_ = list(document["design_columns"])
    scale = document["scale"]
    model.y_min_, model.y_range_ = scale["y_min"], scale["y_range"]
    covariates = document["covariates"]
    model.feature_names_in_ = None if covariates is None else np.array(covariates, dtype=object)
    model.n_features_in_ = 0 if covariates is None else len(covariates)
    model.train_r2_ = document["train_r2"]
    model.seq_length_ = document.get("seq_length")
    if document["filter_report"] is not None:
        model.filter_report_ = pd.DataFrame(document["filter_report"])
    model.distilled_features_ = pd.DataFrame(document["distilled_features"])
    return model


def load_model(path):
    """Read a model written by :func:`save_model` (or ``IQModel.save``).

    Raises
    ------
    ValueError
        When the file is not a model file, is corrupt, or comes from a newer format version.
    """
    path = Path(path)
    document = _read_document(path)
    try:
        return model_from_dict(document)
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(
            f"{path} is an iqmodel model file but its content is damaged ({error!r}); "
            "save the model again"
        ) from None
