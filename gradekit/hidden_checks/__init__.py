"""Hidden checks of the assignments, on the grading side only.

Nothing under this package is ever copied into a release: `source/` holds the
notebooks, and the first cell of a notebook imports its checks from here inside
a hidden region (`numpy_nn.make_checks`). A grading kernel reads these files in
the sandbox (`kernel_paths`, bound read-only through
`c.SandboxProvisioner.read_only_paths`); the feedback drops every traceback
frame and output line that quotes them (`gradekit.feedback.redact`).

The kernel imports this package from the `gradekit` the grader itself loaded
(`kernel_arguments` puts its folder first on the kernel's path, before the
submission's folder), so a course folder with its own copy of the kit, or an
environment installed from another folder, grades with the checks it binds.

A check that finds a bug of its own (not the student's) raises `GraderFault`: the
grader then stops that student's grading as a fault instead of scoring it
(gradekit.autograded.faults); `guard` turns the unmistakable bugs of a check's own
code (a NameError, an import that fails) into one.
"""
import ast
import builtins
import functools
import types
from functools import cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
KIT_ROOT = PACKAGE_DIR.parent.parent  # the folder holding the `gradekit` package this process imported
# Errors that only a check's own code can cause when raised in a frame of its module.
OWN_BUGS = (NameError, ImportError, SyntaxError)


class GraderFault(Exception):
    """Raised in the grading kernel when a hidden check cannot judge because of the grader's side."""


def _raised_in_checks(error: BaseException) -> bool:
    """Whether the innermost frame of the error's traceback is in a file of this package."""
    traceback, last = error.__traceback__, None
    while traceback is not None:
        last, traceback = traceback.tb_frame.f_code.co_filename, traceback.tb_next
    return last is not None and Path(last).resolve().parent == PACKAGE_DIR


def guard(check: types.FunctionType) -> types.FunctionType:
    """The check, with a bug of its own code (OWN_BUGS raised in this package) turned into GraderFault.

    Args:
        check: a check function of a lab's module.
    Returns:
        A function that calls it; AssertionError (the verdict) and the student's errors pass unchanged.
    """
    @functools.wraps(check)
    def guarded(*args, **kwargs):
        try:
            return check(*args, **kwargs)
        except OWN_BUGS as error:
            if not _raised_in_checks(error):
                raise
            raise GraderFault(f"скрытая проверка {check.__name__} неисправна (ошибка на стороне проверяющего, "
                              f"не студента): {type(error).__name__}: {error}") from error
    return guarded


def snapshot(module: types.ModuleType, **children) -> types.SimpleNamespace:
    """A frozen copy of a module's names (children: replacements, e.g. a snapshot of a submodule)."""
    copy = types.SimpleNamespace(**vars(module))
    vars(copy).update(children)
    return copy


def bind_checks(module_globals: dict, names: tuple[str, ...], replacements: dict) -> types.SimpleNamespace:
    """A lab's checks, each rebound to private globals taken now, before any student code runs.

    Every function defined in the lab's module gets a copy of the module's globals in which
    `__builtins__` is a copy of builtins and `replacements` (snapshots of numpy, ...) stand for the
    live modules, so a student cell that later patches them cannot fool the checks. Hence the rule for
    a lab's module: no module-level classes or decorators (their methods keep the live globals).

    Args:
        module_globals: `globals()` of the lab's check module.
        names: the public checks, in the order the notebook calls them.
        replacements: names of the module to replace in the private globals.
    Returns:
        A namespace of the checks, each guarded (`guard`).
    """
    namespace = dict(module_globals)
    namespace.update({"__builtins__": dict(vars(builtins)), **replacements})
    for name, value in list(namespace.items()):
        if isinstance(value, types.FunctionType) and value.__module__ == module_globals["__name__"]:
            rebound = types.FunctionType(value.__code__, namespace, value.__name__, value.__defaults__,
                                         value.__closure__)
            rebound.__kwdefaults__, rebound.__doc__ = value.__kwdefaults__, value.__doc__
            rebound.__qualname__ = value.__qualname__
            namespace[name] = rebound
    return types.SimpleNamespace(**{name: guard(namespace[name]) for name in names})


def kernel_arguments() -> list[str]:
    """Arguments of the grading kernel: it imports `gradekit` from KIT_ROOT before any cell runs.

    IPython puts the working folder ('') first on the path when the kernel starts; this line runs
    after that and before any cell: with KIT_ROOT first for a moment, `gradekit` is imported from this
    process's kit (the one the sandbox binds), not from the environment's install or the submission's
    folder; KIT_ROOT then leaves the path, so the students' `import util` still finds their folder's.
    """
    root = repr(str(KIT_ROOT))
    return [f"--IPKernelApp.exec_lines=__import__('sys').path.insert(0, {root}); __import__('gradekit'); "
            f"__import__('sys').path.remove({root})"]


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
    Docstrings are left out too: they explain the machinery, and their generic lines
    ("Returns:") stand in any Python file.
    """
    lines = set()
    for path in module_files():
        text = path.read_text(encoding="utf-8")
        skipped = _docstring_lines(text)
        for number, line in enumerate(text.splitlines(), start=1):
            line = line.strip()
            if line and number not in skipped and not line.startswith(("import ", "from ")):
                lines.add(line)
    return frozenset(lines)


def _docstring_lines(text: str) -> set[int]:
    """Line numbers (from 1) of the docstrings of a module and of its functions and classes."""
    numbers = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                numbers.update(range(first.lineno, first.end_lineno + 1))
    return numbers
