"""Torch CNNs of the IceQream paper's comparison (CREsted 1.3.0 zoo), adapted to short inputs.

Every model maps a one-hot batch of shape (batch, 4, length) (rows A, C, G, T; N is all zeros)
to (batch, n_tasks) outputs on the rescaled target scale of :mod:`dl.training`. ``width``
multiplies every channel count (1.0 = the paper's configuration); the pooling and the depth
are adapted to the input length as each class says, since the paper's inputs are 500-2,114 bp
and ours 110-300 bp.

- :class:`DeepTopicCNN`: conv 1024 k17 GELU, 2 x conv 512 k11 ReLU, residual conv 512 k5,
  residual conv 512 k2, each but the last max-pooled; dense 1024; sigmoid output.
- :class:`SimpleConvNet`: conv 192 k13 exponential pool 8, conv 256 k7 pool 2, conv 512 k7
  pool 2, dense 256 swish, dense 8 bottleneck; softplus output.
- :class:`DilatedResidualCNN`: ChromBPNet-like: conv 512 k5 GELU, dilated residual convs 512 k3
  (dilation 2, 4, 8, ...), counts head (global average pool + dense); softplus output.
- :class:`ExplaiNN`: independent single-filter CNN units (conv k19, exponential, max-pool 7,
  two small dense layers) summed by one linear layer (Novakovsky et al. 2023).
"""

from __future__ import annotations

import abc
import math

import torch
from torch import nn


class Exponential(nn.Module):
    """Elementwise ``exp``: the exponential first-layer activation (Koo & Ploenzke 2021)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.exp(x)


class ConvBlock(nn.Module):
    """Conv -> batch norm -> activation (-> + input) -> max pool -> dropout, 'same' padding.

    Parameters
    ----------
    c_in, c_out : int
        Input and output channels.
    kernel : int
        Kernel width (bp at the block's resolution).
    activation : nn.Module
    pool : int
        Max-pool width and stride (1: none); ``ceil_mode`` keeps a partial last window.
    dropout : float
    residual : bool
        Add the input (through a 1 x 1 conv when the channel counts differ).
    dilation : int
    """

    def __init__(
        self,
        c_in: int,
        c_out: int,
        kernel: int,
        activation: nn.Module,
        *,
        pool: int = 1,
        dropout: float = 0.0,
        residual: bool = False,
        dilation: int = 1,
    ):
        super().__init__()
        total = dilation * (kernel - 1)  # 'same' padding, the extra base on the right (Keras)
        self.pad = nn.ConstantPad1d((total // 2, total - total // 2), 0.0)
        self.conv = nn.Conv1d(c_in, c_out, kernel, dilation=dilation, bias=False)
        self.norm = nn.BatchNorm1d(c_out)
        self.activation = activation
        self.skip = None
        if residual:
            self.skip = nn.Identity() if c_in == c_out else nn.Conv1d(c_in, c_out, 1, bias=False)
        self.pool = nn.MaxPool1d(pool, ceil_mode=True) if pool > 1 else nn.Identity()
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.activation(self.norm(self.conv(self.pad(x))))
        if self.skip is not None:
            y = y + self.skip(x)
        return self.dropout(self.pool(y))


def _dense(c_in: int, c_out: int, activation: nn.Module, dropout: float) -> nn.Sequential:
    """Linear (no bias) -> batch norm -> activation -> dropout."""
    return nn.Sequential(
        nn.Linear(c_in, c_out, bias=False), nn.BatchNorm1d(c_out), activation, nn.Dropout(dropout)
    )


def _channels(base: int, width: float) -> int:
    return max(4, round(base * width))


def _pooled_length(length: int, pools) -> int:
    for pool in pools:
        length = math.ceil(length / pool)
    return length


class SequenceModel(nn.Module, abc.ABC):
    """Base class: ``output_activation(output(features(x)))``, output bias initialisation and
    L2 penalties of chosen conv kernels (Keras ``kernel_regularizer`` style).

    Subclasses set ``self.output`` (the last ``nn.Linear``), ``self.output_activation`` and
    implement :meth:`features`.

    Attributes
    ----------
    trains_on_states : bool
        The paper trains this architecture on per-state signal and takes differences (only
        the ChromBPNet-like model).
    """

    trains_on_states = False

    def __init__(self):
        super().__init__()
        self._l2: list[tuple[str, float]] = []

    @abc.abstractmethod
    def features(self, x: torch.Tensor) -> torch.Tensor:
        """(batch, 4, length) one-hot -> (batch, n_features) input of the output layer."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.output_activation(self.output(self.features(x)))

    @torch.no_grad()
    def initialize_output(self, mean: torch.Tensor) -> None:
        """Set the output bias so that a zero feature vector predicts ``mean`` (n_tasks,)."""
        mean = mean.to(self.output.bias)
        if isinstance(self.output_activation, nn.Sigmoid):
            bias = torch.logit(mean.clamp(1e-3, 1 - 1e-3))
        elif isinstance(self.output_activation, nn.Softplus):
            bias = torch.log(torch.expm1(mean.clamp(min=1e-3)))
        else:
            bias = mean
        self.output.bias.copy_(bias)

    def regularize(self, name: str, strength: float) -> None:
        """Add ``strength * sum(weight ** 2)`` of submodule ``name`` to :meth:`l2_penalty`."""
        self._l2.append((name, strength))

    def l2_penalty(self) -> torch.Tensor:
        """Sum of the registered L2 terms (a scalar tensor)."""
        total = torch.zeros((), device=next(self.parameters()).device)
        for name, strength in self._l2:
            total = total + strength * self.get_submodule(name).weight.square().sum()
        return total


class DeepTopicCNN(SequenceModel):
    """DeepTopic-like CNN (CREsted ``deeptopic_cnn``) with its pool width scaled to the input.

    Four of the five conv blocks max-pool by ``p = max(2, round((length / 2) ** 0.25))``: 4 for
    the paper's 500 bp (2 positions reach the dense layers), 3-4 for 110-300 bp (2-4
    positions). Conv dropout 0.15, L2 1e-4 on the first kernel and 1e-5 on the others, dropout
    0.5 before and after the dense layer.

    Parameters
    ----------
    seq_length : int
        Input length (bp).
    n_tasks : int
        Outputs.
    width : float, default 1.0
        Channel multiplier (1.0: 1024 / 512 filters and 1024 dense units).
    """

    def __init__(self, seq_length: int, n_tasks: int, *, width: float = 1.0):
        super().__init__()
        pool = max(2, round((seq_length / 2) ** 0.25))
        first, other = _channels(1024, width), _channels(512, width)
        self.convs = nn.Sequential(
            ConvBlock(4, first, 17, nn.GELU(), pool=pool, dropout=0.15),
            ConvBlock(first, other, 11, nn.ReLU(), pool=pool, dropout=0.15),
            ConvBlock(other, other, 11, nn.ReLU(), pool=pool, dropout=0.15),
            ConvBlock(other, other, 5, nn.ReLU(), pool=pool, dropout=0.15, residual=True),
            ConvBlock(other, other, 2, nn.ReLU(), residual=True),
        )
        flat = other * _pooled_length(seq_length, [pool] * 4)
        self.head = nn.Sequential(
            nn.Flatten(), nn.Dropout(0.5), _dense(flat, _channels(1024, width), nn.ReLU(), 0.5)
        )
        self.output = nn.Linear(_channels(1024, width), n_tasks)
        self.output_activation = nn.Sigmoid()
        self.regularize("convs.0.conv", 1e-4)
        for i in range(1, 5):
            self.regularize(f"convs.{i}.conv", 1e-5)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.convs(x))


class SimpleConvNet(SequenceModel):
    """Simple-ConvNet-like CNN (CREsted ``simple_convnet``): pools 8, 2, 2 at any length.

    The flattened map has about ``length / 32`` positions (67 for the paper's 2,114 bp with
    'same' pooling, 10 for 300 bp, 4 for 110 bp). Dropout 0.1 / 0.2 after conv 2 / 3 and 0.3
    after the swish dense layer.

    Parameters
    ----------
    seq_length, n_tasks, width
        As in :class:`DeepTopicCNN` (width 1.0: 192 / 256 / 512 filters, 256 dense units).
    """

    def __init__(self, seq_length: int, n_tasks: int, *, width: float = 1.0):
        super().__init__()
        c1, c2, c3 = (_channels(c, width) for c in (192, 256, 512))
        self.convs = nn.Sequential(
            ConvBlock(4, c1, 13, Exponential(), pool=8),
            ConvBlock(c1, c2, 7, nn.ReLU(), pool=2, dropout=0.1),
            ConvBlock(c2, c3, 7, nn.ReLU(), pool=2, dropout=0.2),
        )
        dense = _channels(256, width)
        self.head = nn.Sequential(
            nn.Flatten(),
            _dense(c3 * _pooled_length(seq_length, (8, 2, 2)), dense, nn.SiLU(), 0.3),
            _dense(dense, 8, nn.ReLU(), 0.0),
        )
        self.output = nn.Linear(8, n_tasks)
        self.output_activation = nn.Softplus()

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.convs(x))


def n_dilated_layers(seq_length: int) -> int:
    """Smallest number of dilated layers whose receptive field reaches half the input.

    The field of conv k5 followed by k3 convs with dilations 2, 4, ..., 2**n is
    ``5 + 2 * (2 ** (n + 1) - 2)`` bp: 1,025 bp for the paper's 8 layers on 2,114 bp. Here
    300 bp gives 6 layers (257 bp), 230-249 bp 5 (129 bp), 110 bp 4 (65 bp).
    """
    n = 1
    while 5 + 2 * (2 ** (n + 1) - 2) < seq_length / 2:
        n += 1
    return n


class DilatedResidualCNN(SequenceModel):
    """ChromBPNet-like dilated residual CNN with a counts head.

    conv k5 GELU, then :func:`n_dilated_layers` residual blocks (k3, dilation 2**i, batch norm,
    ReLU, dropout 0.1, L2 1e-5), global average pooling, one dense layer; softplus output.
    The paper trains it on per-state signal and subtracts states (``trains_on_states``).

    Parameters
    ----------
    seq_length, n_tasks, width
        As in :class:`DeepTopicCNN` (width 1.0: 512 filters).
    """

    trains_on_states = True

    def __init__(self, seq_length: int, n_tasks: int, *, width: float = 1.0):
        super().__init__()
        channels = _channels(512, width)
        layers = [ConvBlock(4, channels, 5, nn.GELU())]
        for i in range(1, n_dilated_layers(seq_length) + 1):
            layers.append(
                ConvBlock(
                    channels, channels, 3, nn.ReLU(), dropout=0.1, residual=True, dilation=2**i
                )
            )
        self.convs = nn.Sequential(*layers)
        self.output = nn.Linear(channels, n_tasks)
        self.output_activation = nn.Softplus()
        for i in range(len(layers)):
            self.regularize(f"convs.{i}.conv", 1e-5)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.convs(x).mean(dim=2)


class ExplaiNN(SequenceModel):
    """ExplaiNN-like model: independent one-filter CNN units and a linear output layer.

    Unit ``u``: conv (1 filter, k19) -> batch norm -> exp -> max pool 7 -> dense 100 -> batch
    norm -> ReLU -> dropout 0.3 -> dense 1 -> batch norm -> ReLU. The units run in parallel as
    grouped convolutions; the output is a linear layer over the unit outputs (identity
    activation), so each unit's contribution is readable from one weight per task.

    Parameters
    ----------
    seq_length, n_tasks
        As in :class:`DeepTopicCNN`.
    width : float, default 1.0
        Unit multiplier (1.0: 100 units).
    """

    def __init__(self, seq_length: int, n_tasks: int, *, width: float = 1.0):
        super().__init__()
        units = _channels(100, width)
        pooled = _pooled_length(seq_length - 18, (7,))
        self.filters = nn.Sequential(
            nn.Conv1d(4, units, 19),
            nn.BatchNorm1d(units),
            Exponential(),
            nn.MaxPool1d(7, ceil_mode=True),
        )
        self.units = nn.Sequential(
            nn.Conv1d(units, units * 100, pooled, groups=units),
            nn.BatchNorm1d(units * 100),
            nn.ReLU(),
            nn.Dropout(0.3),
            nn.Conv1d(units * 100, units, 1, groups=units),
            nn.BatchNorm1d(units),
            nn.ReLU(),
            nn.Flatten(),
        )
        self.output = nn.Linear(units, n_tasks)
        self.output_activation = nn.Identity()

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.units(self.filters(x))


ARCHITECTURES: dict[str, type[SequenceModel]] = {
    "DeepTopic CNN": DeepTopicCNN,
    "Simple ConvNet": SimpleConvNet,
    "Dilated CNN (ChromBPNet-like)": DilatedResidualCNN,
    "ExplaiNN": ExplaiNN,
}
"""Display name -> class; every class takes ``(seq_length, n_tasks, *, width)``."""


def n_parameters(model: nn.Module) -> int:
    """Number of trainable weights (batch-norm scales and shifts included)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
