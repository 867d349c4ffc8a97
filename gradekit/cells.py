"""Cell helpers on top of `nbgrader.utils`, shared by every stage of the kit.

nbgrader.utils already answers "is this a grade / solution / locked cell" and
"did this cell fail" (`has_failed`: an error or anything on stderr); the kit adds
only what it lacks: a cell's grade_id, the grade cells of a notebook in the
order students see them, and the grade cells of an assignment as the gradebook
knows them (points, tests, manually graded answers), so no command keeps its own
list of grade ids.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader.utils import has_failed, is_grade

__all__ = ["grade_id", "grade_ids_in_order", "AssignmentCells", "assignment_cells", "has_failed", "is_grade"]


def grade_id(cell) -> str | None:
    """The nbgrader grade_id of a cell, or None for a cell nbgrader does not know.

    Works on an nbformat NotebookNode and on a plain JSON dict alike (a student's notebook read with
    json.load, which may hold anything): missing or malformed metadata gives None.
    """
    metadata = cell.get("metadata") if isinstance(cell, dict) else None
    nbgrader = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    return nbgrader.get("grade_id") if isinstance(nbgrader, dict) else None


def grade_ids_in_order(notebook_path: str | Path) -> list[str]:
    """grade_ids of the grade cells in the order the notebook shows them ([] without the notebook)."""
    if not Path(notebook_path).is_file():
        return []
    notebook = nbformat.read(notebook_path, as_version=4)
    return [grade_id(cell) for cell in notebook.cells if is_grade(cell)]


@dataclass
class AssignmentCells:
    """The grade cells of one notebook of an assignment, in notebook order."""

    notebook: str
    points: dict[str, float]  # grade_id -> max score
    tests: list[str]  # autograded (code) grade cells
    manual: list[str]  # manually graded answers (markdown grade cells)

    @property
    def grade_ids(self) -> list[str]:
        return [g for g in self.points if g in self.tests or g in self.manual]


def assignment_cells(gradebook, assignment: str, source_dir: str | Path) -> AssignmentCells:
    """The grade cells of the assignment's first notebook, from the gradebook, ordered as in source/.

    Args:
        gradebook: an open nbgrader Gradebook.
        assignment: the assignment's name.
        source_dir: the assignment's folder under source/ (for the cells' order).

    Returns:
        AssignmentCells. Raises nbgrader's MissingEntry or IndexError when the gradebook has no such notebook.
    """
    notebook = gradebook.find_assignment(assignment).notebooks[0]
    order = grade_ids_in_order(Path(source_dir) / f"{notebook.name}.ipynb")
    cells = sorted(notebook.grade_cells,
                   key=lambda cell: (order.index(cell.name) if cell.name in order else len(order), cell.name))
    return AssignmentCells(
        notebook=notebook.name,
        points={cell.name: cell.max_score for cell in cells},
        tests=[cell.name for cell in cells if cell.cell_type == "code"],
        manual=[cell.name for cell in cells if cell.cell_type == "markdown"],
    )
