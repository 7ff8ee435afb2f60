"""Linear readouts of frozen embeddings, baselines, peers, and the MABe protocol."""

from bams.evaluation.evaluate import PAPER_SPLIT, Evaluation, EvaluationConfig, evaluate
from bams.evaluation.readout import evaluate_readouts, fit_readout, metrics, summarize
from bams.evaluation.tasks import Split, Task, make_splits, tasks_from

__all__ = [
    "PAPER_SPLIT",
    "Evaluation",
    "EvaluationConfig",
    "Split",
    "Task",
    "evaluate",
    "evaluate_readouts",
    "fit_readout",
    "make_splits",
    "metrics",
    "summarize",
    "tasks_from",
]
