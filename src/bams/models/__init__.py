"""Neural network modules: encoders, their registry, and the BAMS network."""

from bams.models.network import BAMSNetwork, BootstrapHead
from bams.models.registry import build_encoder, list_encoders, register_encoder
from bams.models.tcn import TCN, CausalConv1d, TemporalBlock

__all__ = [
    "BAMSNetwork",
    "BootstrapHead",
    "CausalConv1d",
    "TCN",
    "TemporalBlock",
    "build_encoder",
    "list_encoders",
    "register_encoder",
]
