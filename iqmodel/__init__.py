"""iqmodel: physically interpretable models of chromatin accessibility from DNA sequence.

An IceQream-style model explains the accessibility change (dAP) of peaks along a
differentiation trajectory with a few transcription-factor motifs: each motif's binding
energy (a log-sum-exp over its windows, weighted by a spatial profile) enters through
saturating logistic dose-responses, combined by a lasso-logistic GLM.

Main entry points:

- :class:`IQModel` (:mod:`iqmodel.model`): one trajectory, fitted from sequences and dAP;
- :class:`MultiIQModel` (:mod:`iqmodel.multi`): several trajectories sharing one set of
  motifs;
- :class:`Motif` (:mod:`iqmodel.motifs`) and :func:`iqmodel.io.load_motif_db`: PWMs with
  spatial profiles, and the bundled JASPAR 2024 database;
- :func:`load_model`: read a saved model.

Building blocks: :mod:`iqmodel.seq` (sequences), :mod:`iqmodel.energy` (binding energies),
:mod:`iqmodel.prego` (motif learning), :mod:`iqmodel.pipeline` (the fit stages),
:mod:`iqmodel.glm`, :mod:`iqmodel.interpret` (decompositions), :mod:`iqmodel.ap` (ATAC
signal to access probabilities), :mod:`iqmodel.trajectory` (runs from files) and
:mod:`iqmodel.datasets` (example and planted data). ``IQModel``, ``MultiIQModel`` and
``load_model`` are imported lazily, so ``import iqmodel`` stays light.

Examples
--------
A model on sequences with planted CEBPB and CTCF sites, using the planted motifs:

>>> import iqmodel
>>> from iqmodel.datasets import make_planted_dataset
>>> data = make_planted_dataset(n_seqs=300, seq_length=100, n_motifs=2, random_state=0)
>>> model = iqmodel.IQModel(verbose=0, random_state=0)
>>> model = model.fit_with_motifs(data.sequences, data.dap, data.truth.motifs)
>>> [motif.label for motif in model.motifs_]
['MA0466.4 (CEBPB)', 'MA0139.2 (CTCF)']
>>> bool(model.score(data.sequences, data.dap) > 0.9)
True
"""

from __future__ import annotations

import os

# numba's OpenMP threads otherwise spin between parallel calls and starve the NumPy/BLAS work
# running in between (PREGO alternates the two); must be set before the runtime loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from iqmodel.motifs import Motif

__version__ = "0.1.0"

__all__ = ["IQModel", "IQModelWarning", "Motif", "MultiIQModel", "__version__", "load_model"]


def __getattr__(name: str):
    """Import the estimator lazily: ``import iqmodel`` stays light."""
    if name == "IQModelWarning":
        from iqmodel.exceptions import IQModelWarning

        return IQModelWarning
    if name in ("IQModel", "load_model"):
        from iqmodel import model

        return getattr(model, name)
    if name == "MultiIQModel":
        from iqmodel.multi import MultiIQModel

        return MultiIQModel
    raise AttributeError(f"module 'iqmodel' has no attribute {name!r}")
