"""The files and folders of a run directory: one list of names that every stage uses.

A run directory holds the resolved configuration, the training checkpoints and logs, the
trained model, the embeddings of the run's recordings, the evaluation and the report::

    RUN/config.yaml  RUN/model.pt  RUN/checkpoints/last.ckpt  RUN/logs/
    RUN/prepared/ (the preprocessed training data, with train.prepared "disk")
    RUN/embeddings.npz  RUN/evaluation/  RUN/report/index.html
    RUN/motifs/ (bams motifs; its movies/)  RUN/comparison/COLUMN/ (bams compare --by COLUMN)
"""

from __future__ import annotations

CONFIG_FILE = "config.yaml"
MODEL_FILE = "model.pt"
CHECKPOINT_DIR = "checkpoints"
LAST_CHECKPOINT = "last.ckpt"
PREPARED_DIR = "prepared"
EMBEDDINGS_FILE = "embeddings.npz"
EVALUATION_DIR = "evaluation"
REPORT_DIR = "report"
MOTIFS_DIR = "motifs"
MOVIES_DIR = "movies"
COMPARISON_DIR = "comparison"
