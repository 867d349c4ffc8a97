"""Hidden checks of the assignments, on the grading side only.

Nothing under this package is ever copied into a release: `source/` holds the
notebooks, and the first cell of a notebook imports its checks from here inside
a hidden region (`numpy_nn.make_checks`). A grading kernel reads these files in
the sandbox (`kernel_paths`, bound read-only through
`c.SandboxProvisioner.read_only_paths`); the feedback drops every traceback
frame and output line that quotes them (`gradekit.feedback.redact`).
"""
from functools import cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def kernel_paths() -> list[str]:
    """What a grading kernel must see to import the checks: this package and `gradekit/__init__.py`.

    Only these, not the whole `gradekit` folder (nor the course around it in an editable install).
    """
    return [str(PACKAGE_DIR.parent / "__init__.py"), str(PACKAGE_DIR)]


def module_files() -> list[Path]:
    """The source files of the hidden checks, whose lines no student may read."""
    return sorted(PACKAGE_DIR.glob("*.py"))


@cache  # read once per process: the feedback redacts every student's notebook with them
def module_lines() -> frozenset[str]:
    """The stripped lines of the hidden checks' source files that are theirs to hide.

    Imports are left out: `import warnings` or `from pathlib import Path` name public
    modules, and the same lines occur in util.py and the self-check shipped to students.
    """
    lines = set()
    for path in module_files():
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith(("import ", "from ")):
                lines.add(line)
    return frozenset(lines)
