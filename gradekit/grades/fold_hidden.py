"""Fold the hidden-test regions in the Formgrader's view of a submission.

The Formgrader renders an autograded notebook with nbconvert's `HTMLExporter`,
built from the course's config (nbgrader's `FormgradeExtension` passes its config,
which includes `nbgrader_config.py`). `c.HTMLExporter.preprocessors` is the public
seam: this preprocessor replaces each `### BEGIN/END HIDDEN TESTS` region of a
cell's source by one comment line saying how many lines it hides, so a TA sees
test cells as students do. Only the rendered copy
changes; the autograded notebook on disk keeps everything. nbgrader's feedback
(also an HTMLExporter) has no hidden regions left when this runs (RedactHiddenTests).
"""
from __future__ import annotations

from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode
from traitlets import Unicode

from gradekit.cells import Region, hidden_regions, without_regions

FOLDED = "# ··· {count} lines of hidden tests folded (see the source notebook) ···"


class FoldHiddenTests(Preprocessor):
    """Replace every hidden-test region of a code cell by one line."""

    # The delimiters are nbgrader's (ClearHiddenTests, as configured): gradekit.cells.hidden_regions.
    placeholder = Unicode(FOLDED, help="What stands for a folded region; {count} is its number of lines."
                          ).tag(config=True)

    def fold(self, source: str) -> str:
        """The source with each hidden region (delimiters included) replaced by the placeholder.

        Args:
            source: a cell's source.

        Returns:
            The folded source; an unterminated region is folded to the end of the cell.
        """
        return self._fold(source, hidden_regions(source, self.config))

    def _fold(self, source: str, found: list[Region]) -> str:
        return without_regions(source, found, lambda region: self.placeholder.format(count=region.length))

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int) -> tuple[NotebookNode, dict]:
        found = hidden_regions(cell.source, self.config) if cell.cell_type == "code" else []
        if found:
            cell.source = self._fold(cell.source, found)
        return cell, resources
