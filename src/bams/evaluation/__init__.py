"""Linear readouts of frozen embeddings."""

from bams.evaluation.readout import linear_readout, readout_table, split_recordings

__all__ = ["linear_readout", "readout_table", "split_recordings"]
