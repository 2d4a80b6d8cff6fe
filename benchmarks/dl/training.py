"""The IceQream paper's training protocol for the CNN baselines (CREsted 1.3.0 settings).

- Multi-task: one network per data set predicts all its trajectories (or states) at once.
- Target: each column is min-max rescaled on the training rows, ``y01 = (y - min) / range``,
  the affine map IQ uses for dAP. Negative dAP therefore becomes a value in [0, 1] and is never
  clipped or dropped; validation rows may fall slightly outside [0, 1] and the signed log
  below handles them. Predictions are mapped back with the inverse map. The output bias starts
  at the training mean (through the inverse of the output activation), so training does not
  spend its first epochs on the offset (our addition; the sets here are small).
- Loss: CREsted's ``CosineMSELogLoss``: ``w * (-cos(y, yhat)) + mean((slog(yhat) -
  slog(y)) ** 2)`` with ``slog(v) = sign(v) * log(1 + m * |v|)``, the cosine taken across the
  tasks of each row and ``w = clip(mse, 1, max_weight)``. CREsted's ``m = 1000`` turns mean
  bigWig coverage (about 1e-3) into counts; our rescaled targets are already O(1), so ``m = 1``.
  With one task the cosine is the constant sign product and only the MSE term trains.
- Adam, learning rate 1e-3, batches of 32 (the paper's 128 gives ~600 steps per epoch on its
  80,000 peaks; our sets have 700-6,140 training rows, where 128 would leave 6-48); learning
  rate x 0.25 after 5 epochs without a better validation loss; early stopping after
  ``patience`` (10) such epochs, at most ``max_epochs`` (60); the weights of the best
  validation epoch are kept.
- Augmentation: each training sequence is reverse-complemented with probability 1/2 and
  shifted by a uniform -3..+3 bp (N fills the vacated bases) every epoch. Predictions average
  the forward and reverse-complement strands, so every model is reverse-complement invariant.
- Determinism: one seed drives the weights, dropout, batch order and augmentation; on CUDA the
  deterministic algorithms are requested.
- Device: ``"auto"`` takes the GPU when torch sees one and the CPU otherwise; the code path is
  the same. The device and the wall time are recorded on the fitted regressor.
"""

from __future__ import annotations

import copy
import os
import time
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from .models import ARCHITECTURES, n_parameters

_ONE_HOT = torch.cat([torch.eye(4), torch.zeros(1, 4)])  # code 4 (N) -> all zeros


@dataclass(frozen=True)
class TrainConfig:
    """Settings of one training run (defaults: the paper's protocol).

    Attributes
    ----------
    max_epochs : int
        Upper bound on epochs (CREsted ``fit(epochs=60)``).
    patience : int
        Early stopping: epochs without a better validation loss before stopping.
    lr_patience : int
        Epochs without improvement before the learning rate is multiplied by ``lr_factor``.
    lr, lr_factor : float
        Adam learning rate and its reduction factor.
    batch_size : int
    max_shift : int
        Largest random shift (bp) in either direction.
    reverse_complement : bool
        Reverse-complement augmentation (probability 1/2 per sequence and epoch).
    multiplier, max_weight : float
        ``m`` of the signed log and the upper clip of the cosine weight of the loss.
    seed : int
    """

    max_epochs: int = 60
    patience: int = 10
    lr_patience: int = 5
    lr: float = 1e-3
    lr_factor: float = 0.25
    batch_size: int = 32
    max_shift: int = 3
    reverse_complement: bool = True
    multiplier: float = 1.0
    max_weight: float = 100.0
    seed: int = 0


class History(NamedTuple):
    """What a fit did: losses, the kept epoch, device and wall time.

    ``train_loss`` holds the mean loss of each epoch's (augmented, dropout) batches; the
    ``*_fit_loss`` fields are the loss on the training rows without augmentation or dropout,
    before training and with the kept weights.
    """

    initial_fit_loss: float
    final_fit_loss: float
    train_loss: list[float]
    val_loss: list[float]
    best_epoch: int
    device: str
    seconds: float


def resolve_device(device: str) -> torch.device:
    """``"auto"`` -> CUDA when available, else CPU; ``"cuda"`` without a GPU is an error."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("--device cuda was asked for, but torch sees no CUDA device")
    if device not in ("cpu", "cuda"):
        raise ValueError(f"device must be 'auto', 'cpu' or 'cuda', got {device!r}")
    return torch.device(device)


def describe_device(device: torch.device) -> str:
    """E.g. ``"cpu (2 threads)"`` or ``"cuda (NVIDIA H200)"``."""
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return f"cpu ({torch.get_num_threads()} threads)"


def one_hot(codes: torch.Tensor) -> torch.Tensor:
    """int codes (batch, length), A=0 C=1 G=2 T=3 N=4 -> float32 (batch, 4, length)."""
    return _ONE_HOT.to(codes.device)[codes].transpose(1, 2)


def reverse_complement(codes: torch.Tensor) -> torch.Tensor:
    """Reverse complement of int codes (batch, length); N stays N."""
    flipped = codes.flip(1)
    return torch.where(flipped < 4, 3 - flipped, flipped)


def shift(codes: torch.Tensor, offsets: torch.Tensor, max_shift: int) -> torch.Tensor:
    """Shift each row by ``offsets`` (batch,) bp in [-max_shift, max_shift], filling with N.

    A positive offset moves the sequence to the right (its first bases become N).
    """
    length = codes.shape[1]
    padded = nn.functional.pad(codes, (max_shift, max_shift), value=4)
    index = torch.arange(length, device=codes.device)[None, :] + (max_shift - offsets)[:, None]
    return padded.gather(1, index)


class CosineMSELogLoss(nn.Module):
    """CREsted's cosine + MSE-of-signed-log loss (see the module docstring).

    Parameters
    ----------
    multiplier : float
        ``m`` in ``slog(v) = sign(v) * log(1 + m * |v|)``.
    max_weight : float
        Upper clip of the weight of the cosine term (lower clip 1).
    """

    def __init__(self, multiplier: float = 1.0, max_weight: float = 100.0):
        super().__init__()
        self.multiplier = multiplier
        self.max_weight = max_weight

    def _slog(self, values: torch.Tensor) -> torch.Tensor:
        return torch.sign(values) * torch.log1p(self.multiplier * values.abs())

    def forward(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Scalar loss of predictions and targets of shape (batch, n_tasks)."""
        mse = (self._slog(prediction) - self._slog(target)).square().mean()
        weight = mse.clamp(1.0, self.max_weight)
        cosine = nn.functional.cosine_similarity(prediction, target, dim=1, eps=1e-7).mean()
        return weight * -cosine + mse


class DeepRegressor:
    """One CNN trained with :class:`TrainConfig` on int8 sequence codes.

    Parameters
    ----------
    architecture : str
        Key of :data:`dl.models.ARCHITECTURES`.
    width : float, default 1.0
        Channel multiplier of the network.
    config : TrainConfig, optional
    device : {"auto", "cpu", "cuda"}, default "auto"

    Attributes
    ----------
    model_ : SequenceModel
        The network with the weights of the best validation epoch.
    history_ : History
    n_parameters_ : int
    y_min_, y_range_ : ndarray of float64, shape (n_tasks,)
        The target rescaling of the training rows.
    """

    def __init__(
        self,
        architecture: str,
        *,
        width: float = 1.0,
        config: TrainConfig | None = None,
        device: str = "auto",
    ):
        if architecture not in ARCHITECTURES:
            raise ValueError(f"architecture must be one of {list(ARCHITECTURES)}")
        self.architecture = architecture
        self.width = width
        self.config = config or TrainConfig()
        self.device = device

    def _tensor(self, values, dtype) -> torch.Tensor:
        return torch.as_tensor(np.asarray(values), dtype=dtype, device=self.device_)

    def _scaled(self, y: np.ndarray) -> torch.Tensor:
        return self._tensor(
            (np.asarray(y, dtype=float) - self.y_min_) / self.y_range_, torch.float32
        )

    def _batches(self, n: int, rng: np.random.Generator | None):
        """Row indices per batch: shuffled training batches, or blocks of 256 to evaluate."""
        order = np.arange(n) if rng is None else rng.permutation(n)
        size = self.config.batch_size if rng is not None else 256
        starts = range(0, n, size)
        # batch norm needs 2 rows: a last batch of one row joins the previous one
        bounds = [(s, min(s + size, n)) for s in starts]
        if len(bounds) > 1 and bounds[-1][1] - bounds[-1][0] < 2:
            bounds[-2:] = [(bounds[-2][0], n)]
        return [order[a:b] for a, b in bounds]

    def _augment(self, codes: torch.Tensor, rng: np.random.Generator) -> torch.Tensor:
        cfg = self.config
        if cfg.reverse_complement:
            flip = self._tensor(rng.random(len(codes)) < 0.5, torch.bool)
            codes = torch.where(flip[:, None], reverse_complement(codes), codes)
        if cfg.max_shift:
            offsets = rng.integers(-cfg.max_shift, cfg.max_shift + 1, len(codes))
            codes = shift(codes, self._tensor(offsets, torch.long), cfg.max_shift)
        return codes

    def _epoch(self, codes, y, loss_fn, optimizer, rng) -> float:
        self.model_.train()
        total = 0.0
        for batch in self._batches(len(codes), rng):
            x = one_hot(self._augment(codes[batch], rng))
            loss = loss_fn(self.model_(x), y[batch])
            optimizer.zero_grad()
            (loss + self.model_.l2_penalty()).backward()
            optimizer.step()
            total += float(loss.detach()) * len(batch)
        return total / len(codes)

    @torch.no_grad()
    def _loss(self, codes: torch.Tensor, y: torch.Tensor, loss_fn) -> float:
        self.model_.eval()
        total = 0.0
        for batch in self._batches(len(codes), None):
            total += float(loss_fn(self.model_(one_hot(codes[batch])), y[batch])) * len(batch)
        return total / len(codes)

    def fit(self, codes, y, val_codes, val_y) -> DeepRegressor:
        """Train on ``(codes, y)``, early-stopping on ``(val_codes, val_y)``.

        Parameters
        ----------
        codes : ndarray of int8, shape (n, length)
            Training sequences (:func:`iqmodel.seq.encode`).
        y : ndarray of float, shape (n, n_tasks)
        val_codes : ndarray of int8, shape (n_val, length)
        val_y : ndarray of float, shape (n_val, n_tasks)

        Returns
        -------
        self
        """
        start = time.perf_counter()
        cfg = self.config
        self.device_ = resolve_device(self.device)
        if self.device_.type == "cuda":
            os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
            torch.backends.cudnn.benchmark = False
            torch.use_deterministic_algorithms(True, warn_only=True)
        y = np.asarray(y, dtype=float)
        self.y_min_ = y.min(axis=0)
        self.y_range_ = np.where(np.ptp(y, axis=0) > 0, np.ptp(y, axis=0), 1.0)
        torch.manual_seed(cfg.seed)
        rng = np.random.default_rng(cfg.seed)
        seq_length = np.asarray(codes).shape[1]
        self.model_ = ARCHITECTURES[self.architecture](seq_length, y.shape[1], width=self.width)
        self.model_.to(self.device_)
        self.n_parameters_ = n_parameters(self.model_)
        train_x, train_y = self._tensor(codes, torch.long), self._scaled(y)
        self.model_.initialize_output(train_y.mean(dim=0))
        val_x, val_y = self._tensor(val_codes, torch.long), self._scaled(val_y)
        loss_fn = CosineMSELogLoss(cfg.multiplier, cfg.max_weight)
        optimizer = torch.optim.Adam(self.model_.parameters(), lr=cfg.lr)
        scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
            optimizer, factor=cfg.lr_factor, patience=cfg.lr_patience
        )
        initial = self._loss(train_x, train_y, loss_fn)
        train_loss, val_loss, best, best_epoch, best_state = [], [], np.inf, 0, None
        for epoch in range(cfg.max_epochs):
            train_loss.append(self._epoch(train_x, train_y, loss_fn, optimizer, rng))
            val_loss.append(self._loss(val_x, val_y, loss_fn))
            scheduler.step(val_loss[-1])
            if val_loss[-1] < best:
                best, best_epoch = val_loss[-1], epoch
                best_state = copy.deepcopy(self.model_.state_dict())
            elif epoch - best_epoch >= cfg.patience:
                break
        self.model_.load_state_dict(best_state)
        self.model_.eval()
        self.history_ = History(
            initial,
            self._loss(train_x, train_y, loss_fn),
            train_loss,
            val_loss,
            best_epoch,
            describe_device(self.device_),
            time.perf_counter() - start,
        )
        return self

    @torch.no_grad()
    def predict(self, codes) -> np.ndarray:
        """Predictions on the original target scale, shape (n, n_tasks), strand-averaged."""
        self.model_.eval()
        x = self._tensor(codes, torch.long)
        out = []
        for batch in self._batches(len(x), None):
            forward = self.model_(one_hot(x[batch]))
            backward = self.model_(one_hot(reverse_complement(x[batch])))
            out.append(((forward + backward) / 2).double().cpu().numpy())
        values = np.concatenate(out) if out else np.empty((0, len(self.y_min_)))
        return self.y_min_ + self.y_range_ * values
