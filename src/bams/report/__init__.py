"""The visual report of a run: one self-contained HTML page and its figures as PNG files."""

from bams.report.html import write_report

__all__ = ["write_report"]
