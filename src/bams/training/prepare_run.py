"""The prepared training data of a run: which backing, which folder, shared by the processes.

With the disk backing (:attr:`bams.config.TrainConfig.prepared`), rank 0 prepares the folder
before training starts, into a temporary sibling folder that is published (renamed into
place) only once the run has passed its checks and claimed its run directory, so a run that
fails to start leaves the run directory as it was. The other processes open the published
folder once training has started; a node that does not see it (no shared file system) gets
its own copy, written by its first process.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bams.config import TrainConfig
from bams.data import Recordings
from bams.layout import PREPARED_DIR
from bams.preprocessing import Preprocessor
from bams.training.prepared import (
    PreparedRecordings,
    open_prepared,
    write_prepared,
    write_prepared_into,
)
from bams.utils.atomic import publish_directory, temporary_directory

__all__ = ["TrainingData", "prepare_training_data", "uses_disk"]


def uses_disk(train: TrainConfig, data: Recordings) -> bool:
    """Whether ``train.prepared`` puts the prepared data on disk for these recordings."""
    if train.prepared == "auto":
        return data.source is not None and Path(data.source).suffix == ".bams"
    return train.prepared == "disk"


@dataclass
class TrainingData:
    """The recordings a run trains on, prepared or about to be.

    Attributes
    ----------
    prepared
        The prepared recordings; ``None`` on a process other than rank 0 with the disk
        backing, until :meth:`resolve` opens the folder.
    directory
        The folder of the disk backing (``None`` in memory).
    staged
        Rank 0's temporary folder, until :meth:`publish` renames it to ``directory``.
    temporary
        A temporary folder holding ``directory`` (no run directory), removed by
        :meth:`discard`.
    """

    prepared: PreparedRecordings | None
    directory: Path | None = None
    staged: Path | None = None
    temporary: Path | None = None

    def publish(self, data: Recordings, preprocessor: Preprocessor) -> None:
        """Rename the staged folder into place (rank 0, once the run directory is claimed)."""
        if self.staged is None:
            return
        publish_directory(self.staged, self.directory, overwrite=True)
        self.staged = None
        self.prepared = open_prepared(self.directory, data, preprocessor)

    def resolve(self, fabric, data: Recordings, preprocessor: Preprocessor) -> PreparedRecordings:
        """The prepared recordings on this process; called by every process after launch."""
        if self.directory is None:
            return self.prepared
        fabric.barrier()  # rank 0 has published the folder
        prepared = self.prepared
        if prepared is None:
            prepared = open_prepared(self.directory, data, preprocessor)
            if prepared is None and fabric.local_rank == 0:  # not shared with this node
                prepared = write_prepared(self.directory, data, preprocessor)
        fabric.barrier()
        if prepared is None:  # written by this node's first process, or a private folder
            prepared = open_prepared(self.directory, data, preprocessor) or write_prepared(
                self.directory, data, preprocessor
            )
        return prepared

    def discard(self) -> None:
        """Remove what was not published and the temporary folder (after training)."""
        for path in (self.staged, self.temporary):
            if path is not None:
                shutil.rmtree(path, ignore_errors=True)
        self.staged = self.temporary = None


def prepare_training_data(
    data: Recordings,
    preprocessor: Preprocessor,
    train: TrainConfig,
    run_dir: Path | None,
    is_global_zero: bool = True,
) -> TrainingData:
    """Prepare ``data`` in memory, or on disk (reused when the folder matches, else staged).

    The folder is ``train.prepared_dir``, else ``run_dir/prepared``, else a temporary one.
    """
    if not uses_disk(train, data):
        return TrainingData(PreparedRecordings.build(data, preprocessor))
    temporary = None
    if train.prepared_dir:
        directory = Path(train.prepared_dir)
    elif run_dir is not None:
        directory = Path(run_dir) / PREPARED_DIR
    else:
        temporary = Path(tempfile.mkdtemp(prefix="bams-prepared-"))
        directory = temporary / PREPARED_DIR
    if not is_global_zero:
        return TrainingData(None, directory, temporary=temporary)
    existing = open_prepared(directory, data, preprocessor)
    if existing is not None:
        return TrainingData(existing, directory, temporary=temporary)
    staged = temporary_directory(directory)
    try:
        write_prepared_into(staged, data, preprocessor)
        prepared = open_prepared(staged, data, preprocessor)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    return TrainingData(prepared, directory, staged=staged, temporary=temporary)
