"""Самопроверка работы перед сдачей.

Запуск из папки задания (там же, где numpy_nn.ipynb и util.py):

    python self_check.py numpy_nn.ipynb            # полная проверка: блокнот выполняется заново
    python self_check.py numpy_nn.ipynb --no-run   # быстрая проверка без выполнения

или последней ячейкой блокнота (сначала сохраните блокнот, Ctrl+S):

    import self_check; self_check.check("numpy_nn.ipynb")

Что проверяется:
- блокнот выполняется сверху вниз в новом ядре (как Kernel -> Restart & Run All)
  с теми же ограничениями времени, что и при проверке;
- какие видимые тесты не проходят (скрытые тесты при проверке добавятся к ним);
- не изменены и не удалены ли ячейки с тестами и заданный код;
- на все ли задания и вопросы есть ответ, указаны ли фамилия, имя и группа;
- сколько баллов можно получить, если сдать работу сегодня.

Код возврата 0 — всё в порядке, 1 — есть что исправить.
Нужны только numpy, matplotlib, scikit-learn и jupyter (nbformat, nbclient).
Параметры проверки (сроки, ограничения времени, список ячеек) лежат в
self_check.json рядом с этим файлом; они создаются вместе с заданием.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import time
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


class SelfCheckError(Exception):
    """The check cannot be made (missing file, broken notebook); the message says what to do."""


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


def read_notebook(path: Path):
    """The notebook as nbformat reads it; a one-line SelfCheckError when it cannot be read."""
    import nbformat

    path = Path(path)
    if not path.is_file():
        raise SelfCheckError(f"файл {path} не найден: укажите путь к сохранённому блокноту")
    try:
        return nbformat.read(str(path), as_version=4)
    except Exception as error:  # any parse error of a damaged file
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise SelfCheckError(f"{path.name} не читается как блокнот Jupyter ({first_line[:ERROR_LENGTH]})") from None


def cell_label(index: int, cell: dict) -> str:
    """How the report names a cell: its number from the top, and its grade_id when it has one."""
    grade_id = nbgrader_meta(cell).get("grade_id")
    return f"ячейка №{index + 1} ({grade_id})" if grade_id else f"ячейка №{index + 1}"


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

def _client_class():
    """nbclient's NotebookClient with the grader's limits; imported late so that --no-run needs no nbclient."""
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError
    from traitlets import Dict

    class LimitedClient(NotebookClient):
        """Runs every code cell under the grader's limits: per cell, per test cell, and the whole notebook."""

        limits = Dict(help="The grader's limits in seconds: cell_seconds, test_cell_seconds, notebook_seconds.")

        def __init__(self, nb, **kwargs):
            super().__init__(nb, **kwargs)
            self.deadline = time.monotonic() + self.limits["notebook_seconds"]
            self.stop_reason = None
            self.results = {}
            self.timeout_func = self.cell_limit

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
    try:
        client_class = _client_class()
    except ImportError:
        raise SelfCheckError("не установлен nbclient (pip install nbclient) — или запустите с --no-run") from None
    kernel = notebook.metadata.get("kernelspec", {}).get("name", "python3")
    client = client_class(notebook, kernel_name=kernel, allow_errors=True, interrupt_on_timeout=True,
                          error_on_timeout={"ename": "Timeout", "evalue": "время вышло", "traceback": []},
                          resources={"metadata": {"path": str(folder)}}, limits=limits)
    if verbose:
        client.on_cell_complete = lambda **_: print(".", end="", flush=True)
    env = {**os.environ, **settings.get("kernel_env", {}), NESTED_VARIABLE: "1"}
    failure = None
    try:
        # the kernel's own stderr (its start-up warnings) would only clutter the report
        client.execute(env=env, stderr=subprocess.DEVNULL)
    except Exception as error:  # no such kernel, a kernel that never starts
        failure = shorten(str(error) or type(error).__name__)
    if verbose:
        print(flush=True)  # ends the line of progress dots
    if failure:
        raise SelfCheckError(f"не удалось выполнить блокнот в ядре Python «{kernel}»: {failure}")
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


def execution_problems(cells: list, results: dict) -> tuple[list[str], list[str], list[str]]:
    """What a run showed.

    Args:
        cells: the executed cells.
        results: run_notebook's record per code cell.

    Returns:
        (failing visible tests, errors in other cells, cells that used over half their time limit).
    """
    failing, errors, slow = [], [], []
    for index, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        result = results.get(index, {})
        # test cells: nbgrader's rule (stderr counts); other cells: only errors stop Restart & Run All
        failed = has_failed(cell) if is_grade(cell) else any(o.get("output_type") == "error"
                                                             for o in cell.get("outputs", []))
        problem = result.get("problem") or (first_failure(cell) if failed else "")
        if problem:
            (failing if is_grade(cell) else errors).append(f"{cell_label(index, cell)}: {problem}")
        elif result.get("seconds", 0) > result.get("limit", float("inf")) / 2:
            slow.append(f"{cell_label(index, cell)}: {result['seconds']:.0f} с из {result['limit']} с")
    return failing, errors, slow


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
    path = Path(path)
    notebook = read_notebook(path)
    cells = notebook.cells
    lines = [f"Самопроверка {path.name}"]
    expected_name = f"{settings['assignment']}.ipynb"
    problems = section(lines, "Имя файла", [f"{path.name}: сдавайте блокнот под именем {expected_name}, "
                                             "файл с другим именем при сборе работ не принимается"]
                       if path.name != expected_name else [])
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
        failing, errors, slow = execution_problems(notebook.cells, results)
        tests = sum(1 for c in notebook.cells if is_grade(c) and c.get("cell_type") == "code")
        problems += section(lines, f"Не проходят видимые тесты из {tests}", failing)
        problems += section(lines, "Ошибки при выполнении (Restart & Run All)", errors)
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


def main(argv: list[str] | None = None) -> int:
    """Command line: python self_check.py NOTEBOOK [--no-run] [--cell-timeout S] ...; returns the exit code."""
    parser = argparse.ArgumentParser(description="Самопроверка блокнота перед сдачей.")
    parser.add_argument("notebook", nargs="?", default="numpy_nn.ipynb", help="сохранённый блокнот")
    parser.add_argument("--no-run", action="store_true", help="только быстрые проверки, без выполнения блокнота")
    parser.add_argument("--cell-timeout", type=int, help="секунд на ячейку (по умолчанию как при проверке)")
    parser.add_argument("--test-cell-timeout", type=int, help="секунд на ячейку с тестами")
    parser.add_argument("--notebook-timeout", type=int, help="секунд на весь блокнот")
    parser.add_argument("--now", help="оценить сроки на эту дату: 2024-02-20 или '2024-02-20 18:00'")
    args = parser.parse_args(argv)
    # a console in a legacy code page (Windows cp1251, cp866) cannot print ✘/✔: never crash on that
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="replace")
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
    print("\n".join(lines))
    return code


if __name__ == "__main__":
    sys.exit(main())
