"""Behavior discovery without labels: motifs ("syllables") in a latent of BAMS.

Needs the ``discovery`` extra (``pip install 'bams[discovery]'``: hmmlearn, pandas).
"""

from bams.discovery.compare import Comparison, compare_groups
from bams.discovery.compare_io import SavedComparison, load_comparison, save_comparison
from bams.discovery.motifs import COVARIANCE_TYPE, Motifs, find_motifs
from bams.discovery.save import load_motifs, save_motifs
from bams.discovery.smoothing import smooth_labels, sticky_transitions
from bams.discovery.summaries import motif_features, run_lengths

__all__ = [
    "COVARIANCE_TYPE",
    "Comparison",
    "Motifs",
    "SavedComparison",
    "compare_groups",
    "find_motifs",
    "load_comparison",
    "load_motifs",
    "motif_features",
    "run_lengths",
    "save_comparison",
    "save_motifs",
    "smooth_labels",
    "sticky_transitions",
]
