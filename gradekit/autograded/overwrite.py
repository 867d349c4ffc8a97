"""nbgrader's OverwriteCells with a working re-insertion of deleted grade cells.

Stock nbgrader (0.9.6) puts a deleted grade cell back after the master cell
that precedes it, but only looks that cell up among the submission's grade and
solution cells. In this notebook a test cell usually follows a locked Markdown
cell, so the look-up fails with a KeyError and nbgrader records no grade at all
for the student. Here the cell goes after the nearest preceding master cell that
the submission still has (any cell with a grade_id), or first.

A locked cell whose master has hidden tests reaches students without them, so its
checksum always differs from the master's: stock nbgrader logs that as a changed
cell for every such cell of every student (a dozen warnings a student, thousands a
class). Here a locked cell that is exactly the released text gets its master source
back silently; a really edited one is still reported, and restored, as before.
"""
from nbgrader.api import MissingEntry
from nbgrader.preprocessors import OverwriteCells
from nbgrader.utils import is_locked

from gradekit.cells import grade_id, hidden_regions, without_regions


class RestoringOverwriteCells(OverwriteCells):

    def preprocess_cell(self, cell, resources, cell_index):
        name = grade_id(cell)
        if name is not None and is_locked(cell):
            try:
                master = self.gradebook.find_source_cell(name, self.notebook_id, self.assignment_id)
            except MissingEntry:
                master = None  # nbgrader reports it
            if master is not None and master.locked and master.source != cell.source:
                found = hidden_regions(master.source, self.config)
                if found and cell.source == without_regions(master.source, found):
                    cell.source = master.source  # the released text: the hidden part is all that differs
        return super().preprocess_cell(cell, resources, cell_index)

    def add_missing_grade_cells(self, nb, resources):
        master = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        master_order = [cell.name for cell in master.source_cells]
        grade_cells = {cell.name: cell for cell in master.grade_cells}
        solution_ids = {cell.name for cell in master.solution_cells}

        for position, name in enumerate(master_order):
            present = {grade_id(cell): index for index, cell in enumerate(nb.cells) if grade_id(cell)}
            if name not in grade_cells or name in present:
                continue
            self.log.warning("Missing grade cell %s encountered, adding it back", name)
            restored = self.missing_cell_transform(master.source_cells[position], grade_cells[name].max_score,
                                                   is_solution=name in solution_ids)
            earlier = [present[n] for n in master_order[:position] if n in present]
            nb.cells.insert(max(earlier) + 1 if earlier else 0, restored)
        return nb, resources
