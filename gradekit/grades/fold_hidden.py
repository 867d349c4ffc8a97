"""Fold the hidden-test regions in the Formgrader's view of a submission.

The Formgrader renders an autograded notebook with nbconvert's `HTMLExporter`,
built from the course's config (nbgrader's `FormgradeExtension` passes its config,
which includes `nbgrader_config.py`). `c.HTMLExporter.preprocessors` is the public
seam: this preprocessor replaces each `### BEGIN/END HIDDEN TESTS` region of a
cell's source by one comment line saying how many lines it hides, so a TA does not
scroll past the ~330 lines of checks in the first cell. Only the rendered copy
changes; the autograded notebook on disk keeps everything. nbgrader's feedback
(also an HTMLExporter) has no hidden regions left when this runs (RedactHiddenTests).
"""
from __future__ import annotations

from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode
from traitlets import Unicode

FOLDED = "# ··· {count} lines of hidden tests folded (see the source notebook) ···"


class FoldHiddenTests(Preprocessor):
    """Replace every hidden-test region of a code cell by one line."""

    begin_test_delimeter = Unicode("BEGIN HIDDEN TESTS", help="The line that starts a hidden region.").tag(config=True)
    end_test_delimeter = Unicode("END HIDDEN TESTS", help="The line that ends a hidden region.").tag(config=True)
    placeholder = Unicode(FOLDED, help="What stands for a folded region; {count} is its number of lines."
                          ).tag(config=True)

    def fold(self, source: str) -> str:
        """The source with each hidden region (delimiters included) replaced by the placeholder.

        Args:
            source: a cell's source.

        Returns:
            The folded source; an unterminated region is folded to the end of the cell.
        """
        lines, region = [], None
        for line in source.splitlines():
            if region is None and self.begin_test_delimeter in line:
                region = [line]
            elif region is not None:
                region.append(line)
                if self.end_test_delimeter in line:
                    lines.append(self.placeholder.format(count=len(region)))
                    region = None
            else:
                lines.append(line)
        if region is not None:
            lines.append(self.placeholder.format(count=len(region)))
        return "\n".join(lines)

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int) -> tuple[NotebookNode, dict]:
        if cell.cell_type == "code" and self.begin_test_delimeter in cell.source:
            cell.source = self.fold(cell.source)
        return cell, resources
