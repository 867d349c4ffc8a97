"""The students' self-check (source/numpy_nn/self_check.py), run from the release as a student would."""
import importlib.util
import json
import shutil
import subprocess
import sys
import time

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from nbgrader.utils import compute_checksum

from gradekit.course import REPO_ROOT
from gradekit.deadlines import SoftHardDeadlines, late_status
from gradekit.dev.lab import ASSIGNMENT, TESTS
from gradekit.dev.samples import fill_notebook, load_sample
from gradekit.release.self_check_settings import build_settings, render
from gradekit.settings import load_course

SHIPPED = ("self_check.py", "self_check.json")
# Blank release: these two tests check given code and pass (docs/decisions.md, Points).
PASSING_WHEN_BLANK = {"test_dense_init", "test_loss"}


@pytest.fixture(scope="module")
def release_dir(released_course):
    return released_course / "release" / ASSIGNMENT


@pytest.fixture(scope="module")
def released(release_dir):
    return nbformat.read(release_dir / f"{ASSIGNMENT}.ipynb", as_version=4)


@pytest.fixture(scope="module")
def shipped(release_dir):
    """The released self_check.py, imported from the release folder."""
    spec = importlib.util.spec_from_file_location("released_self_check", release_dir / "self_check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def student_folder(release_dir, tmp_path, notebook=None):
    """A copy of the release as the student has it, with `notebook` saved as numpy_nn.ipynb."""
    folder = tmp_path / ASSIGNMENT
    shutil.copytree(release_dir, folder)
    if notebook is not None:
        nbformat.write(notebook, folder / f"{ASSIGNMENT}.ipynb")
    return folder


def run_check(folder, *args, env=None, timeout=600):
    """`python self_check.py ...` in the folder; (exit code, stdout + stderr)."""
    result = subprocess.run([sys.executable, "self_check.py", *args], cwd=folder, capture_output=True, text=True,
                            timeout=timeout, env=env)
    return result.returncode, result.stdout + result.stderr


def section_items(output, title):
    """The indented lines under the report section starting with `✘ title`."""
    lines = output.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith(f"✘ {title}")), None)
    if start is None:
        return []
    items = []
    for line in lines[start + 1:]:
        if not line.startswith("    "):
            break
        items.append(line.strip())
    return items


def ids_in(items):
    return {item.split("(", 1)[1].split(")", 1)[0] for item in items if "(" in item.split(":", 1)[0]}


def solved(release_dir):
    """The released notebook with the correct sample's answers, the title block and the conclusions filled in."""
    notebook = fill_notebook(release_dir / f"{ASSIGNMENT}.ipynb", load_sample("correct"))
    for cell in notebook.cells:
        cell.source = (cell.source.replace("_впишите фамилию и имя_", "Иванов Иван")
                       .replace("_впишите номер группы_", "ПМ-21")
                       .replace("_Кратко опишите, что сделано в работе и какие результаты получены._",
                                "Сеть обучена, точность выше 97 %."))
    return notebook


# --- single source of truth ----------------------------------------------------------------------

def test_checksum_is_nbgrader_s_on_every_release_cell(shipped, released):
    cells = [c for c in released.cells if "nbgrader" in c.metadata]
    assert len(cells) > 40
    for cell in cells:
        assert shipped.compute_checksum(cell) == compute_checksum(cell) == cell.metadata.nbgrader.checksum
        edited = nbformat.from_dict(json.loads(json.dumps(cell)))
        edited.source += "\nprint('изменено')"
        assert shipped.compute_checksum(edited) == compute_checksum(edited) != cell.metadata.nbgrader.checksum


def test_settings_file_matches_config_and_master():
    committed = (REPO_ROOT / "source" / ASSIGNMENT / "self_check.json").read_text(encoding="utf-8")
    course = load_course(REPO_ROOT)
    assert committed == render(build_settings(course, ASSIGNMENT)), \
        "self_check.json is stale: run `python -m gradekit.release.self_check_settings`"
    settings = json.loads(committed)
    config = course.config
    assert settings["limits"] == {"cell_seconds": config.Execute.timeout,
                                  "test_cell_seconds": config.ResilientExecute.grade_cell_timeout,
                                  "notebook_seconds": config.ResilientExecute.notebook_timeout}
    assert settings["stubs"] == {"code": config.ClearSolutions.code_stub["python"],
                                 "text": config.ClearSolutions.text_stub}


def test_settings_know_every_release_cell(shipped, released):
    settings = shipped.load_settings(shipped.SETTINGS_FILE)
    expected = [c.metadata.nbgrader.grade_id for c in released.cells if "nbgrader" in c.metadata]
    assert [c["grade_id"] for c in settings["cells"]] == expected
    assert {c["grade_id"] for c in settings["cells"] if c["role"] == "test"} == set(TESTS)
    assert settings["max_points"] == sum(c.metadata.nbgrader.get("points", 0) for c in released.cells
                                         if c.metadata.get("nbgrader", {}).get("grade"))


def test_generator_follows_a_changed_config(tmp_path, capsys):
    from gradekit.course import copy_course
    from gradekit.release.self_check_settings import main as generate
    course = copy_course(tmp_path / "course")
    config = course / "nbgrader_config.py"
    config.write_text(config.read_text(encoding="utf-8").replace(
        'soft_deadline = "2024-02-29"', 'soft_deadline = "2024-03-05 18:00"').replace(
        "c.ResilientExecute.grade_cell_timeout = 120", "c.ResilientExecute.grade_cell_timeout = 90"), encoding="utf-8")
    assert generate(["--course-dir", str(course), "--check"]) == 1
    assert generate(["--course-dir", str(course)]) == 0
    settings = json.loads((course / "source" / ASSIGNMENT / "self_check.json").read_text(encoding="utf-8"))
    assert settings["deadlines"]["soft"] == "2024-03-05T18:00:00+03:00"
    assert settings["deadlines"]["soft_text"] == "05.03.2024 18:00"
    assert settings["limits"]["test_cell_seconds"] == 90
    assert generate(["--course-dir", str(course), "--check"]) == 0


@pytest.mark.parametrize("moment", ["2024-02-29 23:59", "2024-03-01 00:00", "2024-03-01 00:01",
                                    "2024-03-14 23:59", "2024-03-15 00:00:01", "2026-01-01"])
def test_points_follow_the_graders_deadlines(shipped, moment):
    settings = shipped.load_settings(shipped.SETTINGS_FILE)
    config = load_course(REPO_ROOT).config
    plugin = SoftHardDeadlines(config=config)
    now = shipped.parse_now(moment, settings)
    expected = late_status((now - plugin.soft_instant()).total_seconds(), plugin.grace_seconds())
    status, points = shipped.points_available(now, settings)
    assert status == expected
    assert points == {"on_time": 5.0, "late": 2.5, "too_late": 0.0}[status]


def test_release_files_leak_no_hidden_test(release_dir):
    text = "\n".join((release_dir / name).read_text(encoding="utf-8") for name in SHIPPED)
    assert "HIDDEN" not in text and "_nnkit_checks" not in text


# --- the checks on real notebooks ----------------------------------------------------------------

def test_blank_release_quick_check_lists_every_unanswered_question(release_dir, released, tmp_path):
    code, output = run_check(student_folder(release_dir, tmp_path), f"{ASSIGNMENT}.ipynb", "--no-run")
    assert code == 1
    answers = {c.metadata.nbgrader.grade_id for c in released.cells if c.metadata.get("nbgrader", {}).get("solution")}
    assert ids_in(section_items(output, "Нет ответа")) == answers
    assert any("Кратко опишите" in item for item in section_items(output, "Нет ответа"))
    assert len(section_items(output, "Не заполнено")) == 2
    assert "Изменены" not in output and "Удалены" not in output and "видимые тесты" not in output
    assert "Traceback" not in output


def test_blank_release_run_lists_the_failing_visible_tests(release_dir, tmp_path):
    code, output = run_check(student_folder(release_dir, tmp_path), f"{ASSIGNMENT}.ipynb", timeout=900)
    assert code == 1
    failing = section_items(output, "Не проходят видимые тесты")
    assert ids_in(failing) == set(TESTS) - PASSING_WHEN_BLANK
    assert any("NotImplementedError" in item for item in failing)


@pytest.mark.parametrize("sample, title", [("tamper_edit_tests", "Изменены"), ("tamper_delete_tests", "Удалены")])
def test_edited_or_deleted_test_cells_are_reported(shipped, release_dir, tmp_path, sample, title):
    notebook = fill_notebook(release_dir / f"{ASSIGNMENT}.ipynb", load_sample(sample))
    folder = student_folder(release_dir, tmp_path, notebook)
    code, lines = shipped.self_check(folder / f"{ASSIGNMENT}.ipynb", run=False)
    items = section_items("\n".join(lines), title)
    found = ids_in(items) if title == "Изменены" else {item.split(":")[0] for item in items}
    assert code == 1
    assert found == set(TESTS)


def test_edited_given_code_and_text_are_reported(shipped, release_dir, tmp_path):
    notebook = solved(release_dir)
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") in ("loss_functions", "how_to"):
            cell.source += "\n# моя правка"
    folder = student_folder(release_dir, tmp_path, notebook)
    code, lines = shipped.self_check(folder / f"{ASSIGNMENT}.ipynb", run=False, now="2024-02-20")
    assert code == 1
    assert ids_in(section_items("\n".join(lines), "Изменены")) == {"loss_functions", "how_to"}


def test_solved_notebook_passes(release_dir, tmp_path):
    folder = student_folder(release_dir, tmp_path, solved(release_dir))
    code, output = run_check(folder, f"{ASSIGNMENT}.ipynb", "--now", "2024-02-20", timeout=900)
    assert code == 0, output
    assert "✘" not in output
    assert f"Все видимые тесты пройдены ({len(TESTS)})" in output
    assert "максимум 5 из 5" in output
    assert output.strip().splitlines()[-1] == "✔ Всё в порядке, работу можно сдавать."


def test_late_solved_notebook_shows_half_points_without_failing(release_dir, tmp_path):
    folder = student_folder(release_dir, tmp_path, solved(release_dir))
    code, output = run_check(folder, f"{ASSIGNMENT}.ipynb", "--no-run", "--now", "2024-03-10 12:00")
    assert code == 0, output
    assert "максимум 2.5 из 5" in output
    assert output.strip().splitlines()[-1].startswith("✔ Быстрая проверка пройдена")


def test_a_renamed_notebook_is_reported(shipped, release_dir, tmp_path):
    folder = student_folder(release_dir, tmp_path)
    nbformat.write(solved(release_dir), folder / f"{ASSIGNMENT} (1).ipynb")
    code, lines = shipped.self_check(folder / f"{ASSIGNMENT} (1).ipynb", run=False, now="2024-02-20")
    assert code == 1
    assert [line for line in lines if line.startswith("✘ ")][0] == "✘ Имя файла (1)"
    code, lines = shipped.self_check(folder / f"{ASSIGNMENT}.ipynb", run=False, now="2024-02-20")
    assert not any(line.startswith("✘ Имя файла") for line in lines)


# --- time limits, on tiny notebooks --------------------------------------------------------------

def tiny_folder(tmp_path, cells):
    folder = tmp_path / "tiny"
    folder.mkdir()
    for name in SHIPPED:
        shutil.copy(REPO_ROOT / "source" / ASSIGNMENT / name, folder / name)
    notebook = new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, folder / "tiny.ipynb")
    return folder


def test_cell_time_limit_interrupts_the_cell_and_goes_on(tmp_path):
    test_cell = new_code_cell("time.sleep(30)")
    test_cell.metadata["nbgrader"] = {"grade": True, "grade_id": "test_slow", "points": 1.0,
                                      "solution": False, "locked": True}
    folder = tiny_folder(tmp_path, [new_code_cell("import time\ntime.sleep(30)"), new_code_cell("print('дальше')"),
                                    test_cell])
    started = time.monotonic()
    code, output = run_check(folder, "tiny.ipynb", "--cell-timeout", "2", "--test-cell-timeout", "3")
    assert time.monotonic() - started < 30
    assert code == 1
    assert section_items(output, "Ошибки при выполнении") == [
        "ячейка №1: выполнялась дольше 2 с и была прервана (бесконечный цикл?)"]
    assert section_items(output, "Не проходят видимые тесты") == [
        "ячейка №3 (test_slow): выполнялась дольше 3 с и была прервана (бесконечный цикл?)"]


def test_notebook_time_limit_stops_the_run(tmp_path):
    cells = [new_code_cell("import time\ntime.sleep(1.5)") for _ in range(4)] + [new_code_cell("print('конец')")]
    folder = tiny_folder(tmp_path, cells)
    started = time.monotonic()
    code, output = run_check(folder, "tiny.ipynb", "--notebook-timeout", "3")
    assert time.monotonic() - started < 30
    assert code == 1
    errors = section_items(output, "Ошибки при выполнении")
    assert errors and errors[-1] == "ячейка №5: не выполнена: исчерпано время на весь блокнот (3 с)"


def test_a_dying_kernel_costs_the_cells_from_there_on(tmp_path):
    folder = tiny_folder(tmp_path, [new_code_cell("x = 1"), new_code_cell("import os\nos._exit(1)"),
                                    new_code_cell("print(x)")])
    code, output = run_check(folder, "tiny.ipynb")
    assert code == 1
    assert section_items(output, "Ошибки при выполнении") == [
        "ячейка №2: ядро Python аварийно завершилось (segfault, os._exit?)",
        "ячейка №3: не выполнена: ядро Python аварийно завершилось в одной из ячеек выше"]


def test_a_self_check_cell_in_the_notebook_does_not_recurse(tmp_path):
    folder = tiny_folder(tmp_path, [new_code_cell("x = 1"),
                                    new_code_cell("import self_check; self_check.check('tiny.ipynb')")])
    notebook = nbformat.read(folder / "tiny.ipynb", as_version=4)
    from nbclient import NotebookClient
    NotebookClient(notebook, timeout=120, allow_errors=True, resources={"metadata": {"path": str(folder)}}).execute()
    printed = "".join(o.get("text", "") for o in notebook.cells[1].outputs)
    assert printed.count("Самопроверка tiny.ipynb") == 1
    assert "Блокнот выполнен за" in printed


# --- bad input and the grader ---------------------------------------------------------------------

def test_bad_input_gives_one_line(release_dir, tmp_path):
    folder = student_folder(release_dir, tmp_path)
    (folder / "broken.ipynb").write_text("{ not json", encoding="utf-8")
    for args in (["missing.ipynb"], ["broken.ipynb"], [f"{ASSIGNMENT}.ipynb", "--no-run", "--now", "завтра"]):
        code, output = run_check(folder, *args)
        assert code == 1
        assert output.strip().startswith("✘ Самопроверка невозможна:") and len(output.strip().splitlines()) == 1
    (folder / "self_check.json").write_text('{"limits": {}}', encoding="utf-8")
    code, output = run_check(folder, f"{ASSIGNMENT}.ipynb", "--no-run")
    assert code == 1 and "self_check.json" in output and "Traceback" not in output
    (folder / "self_check.json").unlink()
    code, output = run_check(folder, f"{ASSIGNMENT}.ipynb", "--no-run")
    assert code == 1 and "self_check.json" in output and "Traceback" not in output


def test_does_nothing_while_nbgrader_executes_the_notebook(release_dir, tmp_path):
    import os
    env = {**os.environ, "NBGRADER_EXECUTION": "autograde"}
    code, output = run_check(student_folder(release_dir, tmp_path), f"{ASSIGNMENT}.ipynb", env=env, timeout=60)
    assert code == 0
    assert "пропущена" in output
