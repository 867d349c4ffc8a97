"""Reading the master notebook: its nbgrader cells and the regions students never see."""
import jupytext
import nbformat

from gradekit.cells import hidden_test_delimiters, regions, solution_delimiters, without_regions
from gradekit.dev.lab import MASTER_NOTEBOOK
from gradekit.hidden_checks import module_lines

MASTER_MARKDOWN = MASTER_NOTEBOOK.with_suffix(".md")  # the jupytext twin the notebook is made from


def _secret_regions(source):
    """The solution and hidden-test regions of a cell, in source order."""
    found = regions(source, *solution_delimiters()) + regions(source, *hidden_test_delimiters())
    return sorted(found, key=lambda region: region.first)


def nbgrader_meta(cell):
    return cell.metadata.get("nbgrader", {})


def read_master(path=MASTER_NOTEBOOK):
    return nbformat.read(path, as_version=4)


def read_master_markdown(path=MASTER_MARKDOWN):
    return jupytext.read(path)


def secret_texts(notebook):
    """Everything a student must never see: solution and hidden-test regions, whole
    manually graded answer cells (the model answers), and the hidden checks' module
    that the first cell's hidden region imports (gradekit/hidden_checks/)."""
    texts = []
    for cell in notebook.cells:
        meta = nbgrader_meta(cell)
        if cell.cell_type == "markdown" and meta.get("solution"):
            texts.append(cell.source)
        else:
            texts.extend("\n".join(region.inner) for region in _secret_regions(cell.source))
    texts.append("\n".join(sorted(module_lines())))
    return texts


def given_text(notebook):
    """The source with every secret region cut out: what the release may legitimately contain."""
    parts = []
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and nbgrader_meta(cell).get("solution"):
            continue
        parts.append(without_regions(cell.source, _secret_regions(cell.source)))
    return "\n".join(parts)


def secret_lines(notebook):
    """Meaningful secret lines that do not also occur in the given code."""
    given = {line.strip() for line in given_text(notebook).splitlines()}
    lines = set()
    for text in secret_texts(notebook):
        for line in text.splitlines():
            line = line.strip()
            if len(line) >= 8 and line not in given:
                lines.add(line)
    return lines
