"""`make solutions`' commands give TAs an executed solution notebook and its HTML."""
import html as html_module
import re
import subprocess
import sys

import nbformat

from gradekit.course import run_nbgrader, tool_environment
from gradekit.dev.execution import errors
from gradekit.dev.lab import ASSIGNMENT


def test_generate_solution_executes_and_renders(released_course):
    run_nbgrader(["generate_solution", ASSIGNMENT, "--force"], released_course)
    notebook_path = released_course / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", str(notebook_path)],
                   check=True, env=tool_environment(), capture_output=True)

    solution = nbformat.read(notebook_path, as_version=4)
    code = [c for c in solution.cells if c.cell_type == "code"]
    assert all(c.get("execution_count") for c in code), "every code cell has been executed"
    assert [e.ename for c in code for e in errors(c)] == []
    html = notebook_path.with_suffix(".html").read_text(encoding="utf-8")
    text = html_module.unescape(re.sub(r"<[^>]+>", "", html))  # code is split into highlighting spans
    assert "np.maximum(input, 0)" in text and "Точность на валидационной выборке" in text
