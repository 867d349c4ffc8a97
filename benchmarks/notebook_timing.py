"""Execute the master notebook once and print each code cell's wall time and the validation accuracy.

Used to size nbgrader's per-cell timeout (nbgrader_config.py) and for release notes.
Run: .venv/bin/python benchmarks/notebook_timing.py
"""
import re
import sys
import tempfile
from pathlib import Path

from gradekit.course import copy_course
from gradekit.dev.execution import errors, execute_notebook
from gradekit.dev.lab import ASSIGNMENT
from gradekit.dev.source import nbgrader_meta


def main():
    with tempfile.TemporaryDirectory() as tmp:
        course = copy_course(Path(tmp) / "course")
        notebook = execute_notebook(course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    total = 0.0
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        seconds = cell.metadata.get("execution_seconds", 0.0)
        total += seconds
        label = nbgrader_meta(cell).get("grade_id") or cell.source.splitlines()[0][:40]
        status = "ERROR " + errors(cell)[0].ename if errors(cell) else ""
        print(f"{index:3d}  {seconds:7.2f} s  {label}  {status}")
    printed = "".join(o.get("text", "") for c in notebook.cells for o in c.get("outputs", []))
    accuracy = re.findall(r"Точность на валидационной выборке: ([0-9.]+)", printed)
    print(f"whole notebook: {total:.1f} s; validation accuracy: {accuracy[-1] if accuracy else 'n/a'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
