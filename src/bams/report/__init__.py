"""The visual report of a run: one self-contained HTML page and its figures as PNG files."""

from bams.report.run import write_run_report
from bams.report.write import write_report

__all__ = ["write_report", "write_run_report"]
