"""Cell helpers on top of `nbgrader.utils`, shared by every stage of the kit.

nbgrader.utils already answers "is this a grade / solution / locked cell" and
"did this cell fail" (`has_failed`: an error or anything on stderr); the kit adds
only what it lacks: a cell's grade_id, the grade cells of a notebook in the
order students see them, and the grade cells of an assignment as the gradebook
knows them (points, tests, manually graded answers), so no command keeps its own
list of grade ids; and the one reader of delimited regions (hidden tests,
solutions), with nbgrader's own delimiters and matching rule, for every part of the
kit that shows, folds, redacts or scans them.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions
from nbgrader.utils import has_failed, is_grade

__all__ = ["grade_id", "grade_ids_in_order", "AssignmentCells", "assignment_cells", "has_failed", "is_grade",
           "Region", "regions", "hidden_test_delimiters", "solution_delimiters", "hidden_regions", "without_regions"]


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


@dataclass(frozen=True)
class Region:
    """A delimited region of a cell's source, in lines of `source.splitlines()`."""

    first: int  # the line holding the begin delimiter
    last: int  # the line holding the end delimiter (the last line, if the region is not closed)
    inner: tuple[str, ...]  # the lines between the delimiters

    @property
    def length(self) -> int:
        """Lines the region spans, delimiters included."""
        return self.last - self.first + 1


def hidden_test_delimiters(config=None) -> tuple[str, str]:
    """(begin, end) of a hidden-test region as nbgrader's ClearHiddenTests has them (its defaults, or `config`)."""
    clear = ClearHiddenTests(config=config)
    return clear.begin_test_delimeter, clear.end_test_delimeter


def solution_delimiters(config=None) -> tuple[str, str]:
    """(begin, end) of a solution region as nbgrader's ClearSolutions has them (its defaults, or `config`)."""
    clear = ClearSolutions(config=config)
    return clear.begin_solution_delimeter, clear.end_solution_delimeter


def regions(source: str, begin: str, end: str) -> list[Region]:
    """The regions of `source` between lines containing `begin` and `end`, matched as nbgrader does.

    nbgrader (ClearHiddenTests, ClearSolutions) starts a region at any line that contains the
    begin delimiter and ends it at the next line containing the end delimiter. Unlike nbgrader,
    which refuses to release such a cell, an unclosed region runs to the end of the source.
    """
    lines = source.splitlines()
    found, first = [], None
    for number, line in enumerate(lines):
        if first is None and begin in line:
            first = number
        elif first is not None and end in line:
            found.append(Region(first, number, tuple(lines[first + 1:number])))
            first = None
    if first is not None:
        found.append(Region(first, len(lines) - 1, tuple(lines[first + 1:])))
    return found


def hidden_regions(source: str, config=None) -> list[Region]:
    """The hidden-test regions of a cell's source (nbgrader's delimiters)."""
    return regions(source, *hidden_test_delimiters(config))


def without_regions(source: str, found: list[Region], replacement=None) -> str:
    """The source with each region (delimiters included) cut out, or replaced by `replacement(region)`."""
    lines, start = source.splitlines(), 0
    kept = []
    for region in found:
        kept.extend(lines[start:region.first])
        if replacement is not None:
            kept.append(replacement(region))
        start = region.last + 1
    kept.extend(lines[start:])
    return "\n".join(kept)
