"""Integrity report: suspicious code in submitted notebooks, listed per student.

It never changes a score. It flags code that tampers with the grader's world
(reassigning attributes of numpy, builtins, util or mnist_loader; globals(), sys.modules,
get_ipython(), inspect, ctypes; killing the process; opening files by absolute
or parent paths) and test or locked cells that a student edited or deleted
(nbgrader restores those before grading, so that only shows intent).

Usage, from the course root:  python -m gradekit.submitted.integrity numpy_nn
"""
import argparse
import ast
import csv
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
from IPython.core.inputtransformer2 import TransformerManager

from gradekit.cells import grade_id
from gradekit.settings import CourseError, add_course_arguments, load_course

# mnist_loader: util.load_mnist, which the hidden checks call, is its function and reads its globals.
PROTECTED_MODULES = {"np", "numpy", "builtins", "__builtins__", "util", "mnist_loader", "sklearn", "math"}
SUSPICIOUS_CALLS = {"globals", "locals", "vars", "get_ipython", "exec", "eval", "compile", "__import__",
                    "setattr", "delattr"}
SUSPICIOUS_IMPORTS = {"inspect", "ctypes", "gc", "builtins", "importlib", "subprocess", "signal"}
SUSPICIOUS_ATTRIBUTES = {("sys", "modules"), ("sys", "_getframe"), ("os", "_exit"), ("os", "kill"),
                         ("os", "system"), ("os", "killpg"), ("sys", "exit")}


@dataclass
class Finding:
    student: str
    cell: str
    line: int
    rule: str
    code: str


def dotted_root(node):
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def scan_source(source):
    """(line, rule) pairs for one cell's code; IPython magics are translated first."""
    try:
        tree = ast.parse(TransformerManager().transform_cell(source))
    except SyntaxError as error:
        return [(error.lineno or 0, "cell is not valid Python: not scanned")]
    findings = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and dotted_root(target) in PROTECTED_MODULES:
                    findings.append((node.lineno, f"reassigns an attribute of {dotted_root(target)}"))
        elif isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else (
                node.func.attr if isinstance(node.func, ast.Attribute) else None)
            if name in SUSPICIOUS_CALLS:
                findings.append((node.lineno, f"calls {name}()"))
            if name == "open" and node.args and is_outside_path(node.args[0]):
                findings.append((node.lineno, "opens a file outside the assignment folder"))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for module in modules:
                if module.split(".")[0] in SUSPICIOUS_IMPORTS:
                    findings.append((node.lineno, f"imports {module}"))
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if (node.value.id, node.attr) in SUSPICIOUS_ATTRIBUTES:
                findings.append((node.lineno, f"uses {node.value.id}.{node.attr}"))
    return sorted(set(findings))


def is_outside_path(argument):
    """A literal path that is absolute or climbs out; a computed path cannot be judged statically."""
    if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
        path = argument.value
        return path.startswith(("/", "~")) or ".." in Path(path).parts
    return not isinstance(argument, ast.Constant)


def protected_cells(release_notebook):
    """Sources of the cells students must not change, by grade_id."""
    protected = {}
    for cell in release_notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("locked") or (meta.get("grade") and not meta.get("solution")):
            protected[grade_id(cell)] = cell.source
    return protected


def scan_notebook(student, notebook, protected, released_sources):
    """Findings for one notebook; code identical to a released cell is the kit's own and is skipped."""
    findings = []
    present = set()
    for index, cell in enumerate(notebook.cells):
        label = grade_id(cell) or f"cell {index}"
        present.add(grade_id(cell))
        if grade_id(cell) in protected and cell.source.strip() != protected[grade_id(cell)].strip():
            findings.append(Finding(student, label, 0, "edited a locked or test cell (restored before grading)", ""))
        if cell.cell_type != "code" or cell.source.strip() in released_sources:
            continue
        lines = cell.source.splitlines()
        for line, rule in scan_source(cell.source):
            code = lines[line - 1].strip() if 0 < line <= len(lines) else ""
            findings.append(Finding(student, label, line, rule, code))
    for missing in sorted(set(protected) - present):
        findings.append(Finding(student, missing, 0, "deleted a locked or test cell (re-added before grading)", ""))
    return findings


def scan_course(course_dir, assignment=None):
    """Findings for every submitted notebook of the assignment, each compared with its released notebook.

    Args:
        course_dir: the course directory.
        assignment: default: the only assignment under source/.

    Returns:
        The findings, student by student.
    """
    course = load_course(course_dir)
    assignment = assignment or course.default_assignment()
    release_dir = course.assignment_dir("release", None, assignment)
    releases = {path.name: nbformat.read(path, as_version=4) for path in sorted(release_dir.glob("*.ipynb"))}
    if not releases:
        raise CourseError(f"{release_dir}: no released notebook (run nbgrader generate_assignment {assignment})")
    findings = []
    for path in sorted(course.directory("submitted").glob(f"*/{assignment}/*.ipynb")):
        student = path.parent.parent.name
        release = releases.get(path.name)
        if release is None:
            findings.append(Finding(student, path.name, 0, "a notebook the release does not have (renamed?): "
                                    "not graded", ""))
            continue
        try:
            notebook = nbformat.read(path, as_version=4)
        except Exception as error:  # a broken file is itself worth a line in the report
            findings.append(Finding(student, path.name, 0, f"notebook cannot be read: {error}", ""))
            continue
        findings.extend(scan_notebook(student, notebook, protected_cells(release),
                                      {cell.source.strip() for cell in release.cells}))
    return findings


def write_csv(findings, path):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_NONNUMERIC)
        writer.writerow(["student", "cell", "line", "rule", "code"])
        for f in findings:
            writer.writerow([f.student, f.cell, f.line, f.rule, f.code])
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description="List suspicious code in submitted notebooks (scores unchanged).")
    parser.add_argument("assignment", nargs="?", help="default: the only assignment under source/")
    add_course_arguments(parser, gradebook=False)
    parser.add_argument("--output", default=None, help="CSV path (default: reports/integrity_<assignment>.csv)")
    args = parser.parse_args(argv)
    try:
        course = load_course(args.course_dir)
        assignment = args.assignment or course.default_assignment()
        findings = scan_course(course.root, assignment)
    except CourseError as error:
        print(f"integrity: error: {error}", file=sys.stderr)
        return 2
    output = args.output or course.root / "reports" / f"integrity_{assignment}.csv"
    write_csv(findings, output)
    flagged = sorted({f.student for f in findings})
    print(f"{len(findings)} findings for {len(flagged)} students -> {output}")
    for student in flagged:
        rules = sorted({f.rule for f in findings if f.student == student})
        print(f"  {student}: {'; '.join(rules)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
