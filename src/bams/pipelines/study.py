"""One run spine for every study: data -> train -> embed -> evaluate -> report, timed.

A :class:`Study` says where its data come from, how BAMS is set up and how the result is
judged; :func:`run_study` runs the stages in memory, handing each the objects the previous
one made, and writes the run directory (:mod:`bams.layout`) as it goes: the training run,
``embeddings.npz`` (read back by ``bams evaluate`` / ``bams report`` on the same run),
``evaluation/`` and ``report/``. The synthetic, quadruped, MABe and decision-making studies
are all instances.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from bams.config import resolve_timescales, to_dict
from bams.data import Recordings
from bams.embedding import Embedding
from bams.estimator import BAMS
from bams.evaluation.evaluate import Evaluation, EvaluationConfig, evaluate
from bams.layout import EVALUATION_DIR, MODEL_FILE, REPORT_DIR
from bams.report.write import write_report
from bams.runs import save_run_embeddings
from bams.utils.timing import Stopwatch

__all__ = ["Study", "StudyContext", "StudyResult", "run_study"]


@dataclass
class StudyContext:
    """What the evaluation stage of a study receives.

    Attributes
    ----------
    model, data
        The trained model and the study's recordings.
    embeddings
        ``model.transform(data)``, or ``None`` for a study that embeds as it evaluates.
    output_dir
        The run directory.
    console
        Where to print.
    """

    model: BAMS
    data: Recordings
    embeddings: list[Embedding] | None
    output_dir: Path
    console: Console


@dataclass
class Study:
    """One experiment, from its data to its judgement.

    Attributes
    ----------
    name
        A title, printed first.
    load_data
        ``(output_dir) -> Recordings``: makes, simulates or reads the data (may cache them in
        ``output_dir``).
    params
        Keyword arguments of :class:`bams.BAMS` (e.g. from :func:`bams.presets.preset_params`);
        ``output_dir`` is the run directory.
    evaluation
        Readout settings of the standard evaluation (:func:`bams.evaluation.evaluate`).
    evaluate
        A study's own evaluation stage instead, ``(StudyContext) -> result`` (e.g. a MABe
        submission and its scores); its result is returned as it is, and no report is written.
    embed
        Embed every recording once after training (``embeddings.npz``), for the evaluation
        and the report; ``False`` for a study whose evaluation embeds as it goes (bounded
        memory on large data).
    report
        Write ``report/index.html`` after the standard evaluation.
    describe
        ``(data) -> str`` printed after the data are ready (default: their summary).
    """

    name: str
    load_data: Callable[[Path], Recordings]
    params: dict[str, Any] = field(default_factory=dict)
    evaluation: EvaluationConfig = field(default_factory=EvaluationConfig)
    evaluate: Callable[[StudyContext], Any] | None = None
    embed: bool = True
    report: bool = True
    describe: Callable[[Recordings], str] | None = None


@dataclass
class StudyResult:
    """What :func:`run_study` made: objects in memory, and the seconds of each stage.

    ``report`` is the report's ``index.html`` (if written); ``reused`` says whether the model
    was found in the run directory instead of trained.
    """

    output_dir: Path
    data: Recordings
    model: BAMS
    embeddings: list[Embedding] | None
    evaluation: Any
    seconds: dict[str, float]
    report: Path | None = None
    reused: bool = False

    @property
    def summary(self) -> list[dict]:
        """The evaluation's summary rows (standard evaluation only)."""
        return self.evaluation.summary if isinstance(self.evaluation, Evaluation) else []


def run_study(
    study: Study,
    output_dir: str | Path,
    *,
    resume: bool = False,
    reuse: bool = False,
    overwrite: bool = False,
    console: Console | None = None,
) -> StudyResult:
    """Run ``study`` into ``output_dir``: data, training, embeddings, evaluation, report.

    Parameters
    ----------
    study
        The experiment.
    output_dir
        The run directory (created if needed).
    resume
        Continue the training run of ``output_dir`` from its last checkpoint (after an
        interruption, or with more ``max_steps``).
    reuse
        Use the model already in ``output_dir`` instead of training, if it was trained with
        the same model and training settings (benchmarks that are rerun for their readouts).
    overwrite
        Replace a run that ``output_dir`` holds (else such a directory is refused, unless it
        is resumed or reused).
    console
        Where to print (default: standard output).

    Returns
    -------
    StudyResult
        The data, model, embeddings, evaluation, stage times (``data``, ``training``,
        ``embedding``, ``evaluation``, ``report``) and the report's ``index.html``.
    """
    console = console or Console()
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    watch = Stopwatch()
    console.rule(f"[bold]{study.name}")
    with watch.stage("data"):
        data = study.load_data(out)
    description = study.describe(data) if study.describe else f"Data: {data}"
    console.print(f"{description} ({watch.seconds['data']:.0f} s)")
    with watch.stage("training"):
        model, reused = _trained(study, data, out, resume=resume, reuse=reuse, overwrite=overwrite)
    embeddings = None
    if study.embed:
        with watch.stage("embedding"):
            embeddings = model.transform(data)
            save_run_embeddings(out, embeddings, data)
    context = StudyContext(model, data, embeddings, out, console)
    with watch.stage("evaluation"):
        evaluation = _evaluate(study, context)
    report = None
    if study.report and isinstance(evaluation, Evaluation):
        with watch.stage("report"):
            report = write_report(
                model, data, evaluation, out / REPORT_DIR, embeddings=embeddings, run_dir=out
            )
    seconds = dict(watch.seconds)
    return StudyResult(out, data, model, embeddings, evaluation, seconds, report, reused)


def _trained(
    study: Study, data: Recordings, out: Path, *, resume: bool, reuse: bool, overwrite: bool
) -> tuple[BAMS, bool]:
    """The study's model: trained (or resumed), or the run's own when ``reuse`` finds it."""
    model = BAMS(**{**study.params, "output_dir": out})
    if reuse:
        if (out / MODEL_FILE).is_file():
            saved = BAMS.load(out / MODEL_FILE)
            wanted, found = model.get_config(), saved.get_config()
            wanted.model = resolve_timescales(wanted.model, data.frame_rate)  # as fit does
            same_model = to_dict(wanted.model) == to_dict(found.model)
            if same_model and to_dict(wanted.train) == to_dict(found.train):
                return saved, True
        overwrite = True  # what reuse could not use (other settings, a broken run) is replaced
    return model.fit(data, resume=resume, overwrite=overwrite), False


def _evaluate(study: Study, context: StudyContext) -> Any:
    if study.evaluate is not None:
        return study.evaluate(context)
    folder = context.output_dir / EVALUATION_DIR
    evaluation = evaluate(
        context.model,
        context.data,
        study.evaluation,
        embeddings=context.embeddings,
        ablations_dir=folder,
        console=context.console,
    )
    evaluation.save(folder)
    return evaluation
