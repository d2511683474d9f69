"""oncorwe.report: the publication-ready report. It formats numbers; it computes nothing new.

``write_report(outputs, out_dir)`` writes ``report.html`` (self-contained), ``figures/`` and
``tables/`` from one ``oncorwe.results.StudyOutputs``.
"""

from oncorwe.report.write import write_report

__all__ = ["write_report"]
