"""Readable tables in nbgrader's feedback HTML.

nbgrader's `feedback` template loads only Bootstrap 3, which sets table cells'
padding to 0 and draws no borders, and none of the notebook CSS that styles
`.rendered_html` tables: the notebook's deadline table reads `29.02.20245`.
The template inlines every string in `resources["inlining"]["css"]` (filled by
nbconvert's CSSHTMLHeaderPreprocessor); this preprocessor, placed after that
one, adds table rules there.
"""
from __future__ import annotations

from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode
from traitlets import Bool, List, Unicode

TABLE_CSS = """
.rendered_html table { border-collapse: collapse; margin: 0.8em 0; border: 1px solid #bbb; }
.rendered_html table th, .rendered_html table td {
  border: 1px solid #bbb; padding: 0.3em 0.8em; text-align: left; vertical-align: top;
}
.rendered_html table thead th { background: #f3f3f3; font-weight: bold; }
.rendered_html table tbody tr:nth-child(even) { background: #fafafa; }
"""


class FeedbackTableStyle(Preprocessor):
    """Add CSS for Markdown and HTML-output tables to the page's inlined styles."""

    css = Unicode(TABLE_CSS, help="CSS added to the feedback page to lay out tables (borders, cell padding).").tag(
        config=True)
    # nbgrader registers converter preprocessors as they are: on unless configured off.
    enabled = Bool(True, help="Whether the preprocessor runs.").tag(config=True)
    # HTMLExporter configures this for every preprocessor of the exporter (see GetGrades).
    display_data_priority = List([]).tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        """Append the CSS to resources["inlining"]["css"], which the feedback template inlines."""
        resources.setdefault("inlining", {}).setdefault("css", []).append(self.css)
        return nb, resources
