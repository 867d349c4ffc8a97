"""The bubblewrap sandbox of grading kernels: attacks fail, honest work scores the same, set-up errors are clear."""
import os
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import nbformat
import pytest
from jupyter_client import KernelManager
from jupyter_client.provisioning import KernelProvisionerFactory, LocalProvisioner
from nbformat.v4 import new_code_cell, new_notebook
from traitlets.config import Config

from gradekit.autograded.execute import ResilientExecute
from gradekit.autograded.sandbox import SANDBOX_SWITCH, SandboxProvisioner, bwrap_command
from gradekit.course import REPO_ROOT, copy_course, grading_environment, run_nbgrader, tool_environment
from gradekit.dev.lab import ASSIGNMENT, TESTS
from gradekit.dev.samples import SAMPLES_DIR, load_sample, place_samples

from test_autograde import autograded_outputs, error_text, failing, scores_of

ATTACKS = sorted(p.name for p in SAMPLES_DIR.glob("attack_*"))


def attack_lines(course, sample):
    """What the attack printed in its answer cell (the relu cell), one line per finding."""
    outputs = autograded_outputs(course, sample)["relu"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    return [line for line in text.splitlines() if line.startswith("ATTACK")]


def number_in(lines, pattern):
    match = next(m for m in (re.search(pattern, line) for line in lines) if m)
    return int(match.group(1))


# --- the attack samples, graded with all the others -------------------------------------------

@pytest.mark.parametrize("name", ATTACKS)
def test_attacker_gains_no_points(graded_courses, name):
    assert sum(score for score, _ in scores_of(graded_courses[name], name).values()) == 0


def test_gradebooks_are_intact(graded_courses):
    for course in set(graded_courses.values()):
        with sqlite3.connect(course / "gradebook.db") as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert db.execute("SELECT count(*) FROM grade WHERE auto_score = 1000 OR manual_score = 1000"
                              ).fetchone() == (0,)
        assert not list(course.rglob("PWNED_BY_ATTACK"))


def test_course_files_are_not_readable(graded_courses):
    lines = attack_lines(graded_courses["attack_read_course"], "attack_read_course")
    assert not [line for line in lines if "LEAKED" in line]
    assert number_in(lines, r"tried (\d+) patterns") > 20  # the attack did run


def test_gradebook_is_not_writable(graded_courses):
    lines = attack_lines(graded_courses["attack_write_gradebook"], "attack_write_gradebook")
    assert not [line for line in lines if "WROTE" in line]
    assert number_in(lines, r"found (\d+) gradebooks") == 0


def test_no_network(graded_courses):
    lines = attack_lines(graded_courses["attack_network"], "attack_network")
    assert "ATTACK network: interfaces ['lo']" in lines
    assert not [line for line in lines if "CONNECTED" in line]
    assert len([line for line in lines if "failed" in line]) == 4


def test_memory_is_capped(graded_courses):
    lines = attack_lines(graded_courses["attack_memory"], "attack_memory")
    assert number_in(lines, r"allocated (\d+) MiB") < 2048


def test_processes_are_capped(graded_courses):
    lines = attack_lines(graded_courses["attack_fork"], "attack_fork")
    assert number_in(lines, r"started (\d+) processes") < 128


def test_file_size_is_capped(graded_courses):
    lines = attack_lines(graded_courses["attack_big_file"], "attack_big_file")
    sizes = [int(m.group(1)) for m in (re.search(r"wrote (\d+) MiB", line) for line in lines) if m]
    assert len(sizes) == 2 and max(sizes) <= 256


def test_hanging_test_times_out_and_no_process_outlives_the_kernel(graded_courses):
    outputs = autograded_outputs(graded_courses["attack_sleep_forever"], "attack_sleep_forever")
    assert "ATTACK sleep: daemon started" in "".join(o.get("text", "") for o in outputs["relu"])
    assert "CellTimeoutError" in error_text(outputs["test_relu"])
    survivors = [p for p in Path("/proc").iterdir() if p.name.isdigit() and b"3654.321987" in _cmdline(p)]
    assert survivors == []


def _cmdline(process):
    try:
        return (process / "cmdline").read_bytes()
    except OSError:
        return b""


def test_grader_cannot_be_killed(graded_courses):
    lines = attack_lines(graded_courses["attack_kill_grader"], "attack_kill_grader")
    assert "ATTACK kill: graders seen and signalled: []" in lines
    # the kernel survived its attack: the cells after it ran
    outputs = autograded_outputs(graded_courses["attack_kill_grader"], "attack_kill_grader")
    assert "NotExecuted" not in error_text(outputs["test_parity"])


# --- the same attacks, run directly: real without the sandbox, harmless with it --------------

def fake_course(tmp_path):
    """A course-like tree with secrets around the kernel's folder autograded/me/numpy_nn."""
    course = tmp_path / "course"
    (course / "source" / ASSIGNMENT).mkdir(parents=True)
    (course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").write_text("### BEGIN HIDDEN TESTS")
    (course / "gradebook.db").write_text("SQLite format 3 secret")
    (course / "autograded" / "other" / ASSIGNMENT).mkdir(parents=True)
    (course / "autograded" / "other" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").write_text("other's work")
    workdir = course / "autograded" / "me" / ASSIGNMENT
    workdir.mkdir(parents=True)
    (workdir / "util.py").write_text("")
    return workdir


def run_attack(source, workdir, sandbox):
    notebook = new_notebook(cells=[new_code_cell("class Layer:\n    pass"), new_code_cell(source)])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    ResilientExecute(sandbox=sandbox, timeout=60).preprocess(notebook, {"metadata": {"path": str(workdir)}})
    return "".join(o.get("text", "") for o in notebook.cells[1].outputs)


def test_reading_the_course_works_without_the_sandbox_and_fails_with_it(tmp_path):
    attack = load_sample("attack_read_course").answers["relu"]
    workdir = fake_course(tmp_path)
    unsandboxed = run_attack(attack, workdir, sandbox=False)
    assert "SQLite format 3 secret" in unsandboxed and "BEGIN HIDDEN TESTS" in unsandboxed
    assert "other's work" in unsandboxed
    assert "LEAKED" not in run_attack(attack, workdir, sandbox=True)


def test_loopback_service_is_reachable_only_without_the_sandbox(tmp_path):
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    accepted = []
    threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True).start()
    attack = f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=3)\nprint('CONNECTED')"
    try:
        assert "CONNECTED" not in run_attack(attack, tmp_path, sandbox=True)
        assert "CONNECTED" in run_attack(attack, tmp_path, sandbox=False)
    finally:
        listener.close()


def test_kernel_cannot_change_the_files_nbgrader_writes(tmp_path):
    workdir = fake_course(tmp_path)
    attack = "import os\nos.remove('util.py')\nos.symlink('../../../gradebook.db', 'numpy_nn.ipynb')\nprint('done')"
    assert "done" in run_attack(attack, workdir, sandbox=True)
    assert sorted(p.name for p in workdir.iterdir()) == ["util.py"]
    assert (tmp_path / "course" / "gradebook.db").read_text() == "SQLite format 3 secret"


def test_opt_out_warns_loudly(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv(SANDBOX_SWITCH, "off")
    notebook = new_notebook(cells=[new_code_cell("print(1)")])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    executor = ResilientExecute()
    assert executor.sandbox is False
    with caplog.at_level("WARNING"):
        executor.preprocess(notebook, {"metadata": {"path": str(tmp_path)}})
    assert "WITHOUT the sandbox" in caplog.text


# --- set-up: a machine without bwrap, and honest work graded both ways ------------------------

@pytest.fixture(scope="module")
def blank_course(tmp_path_factory):
    course = copy_course(tmp_path_factory.mktemp("no_bwrap") / "course")
    run_nbgrader(["generate_assignment", ASSIGNMENT, "--force"], course)
    place_samples(course, ["blank"])
    return course


def test_missing_bwrap_stops_grading_with_a_clear_message(blank_course):
    env = tool_environment()
    env["PATH"] = str(Path(sys.executable).parent)  # no /usr/bin: bwrap cannot be found
    env.pop(SANDBOX_SWITCH, None)
    result = subprocess.run([sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT], cwd=blank_course,
                            env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "bubblewrap (bwrap) is not installed" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    # nothing half-graded: the next run grades the student
    assert not (blank_course / "autograded" / "blank").exists()
    with sqlite3.connect(blank_course / "gradebook.db") as db:
        assert db.execute("SELECT count(*) FROM submitted_assignment").fetchone() == (0,)


def grade_unsandboxed(course_parent, samples):
    course = copy_course(course_parent / "course")
    run_nbgrader(["generate_assignment", ASSIGNMENT, "--force"], course)
    place_samples(course, samples)
    env = {**grading_environment(), SANDBOX_SWITCH: "off"}
    process = subprocess.Popen([sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT],
                               cwd=course, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return course, process


HONEST = ["correct", "correct_alt"]


def test_honest_work_scores_the_same_with_and_without_the_sandbox(tmp_path, graded_courses):
    # graded_courses (conftest) graded every sample in the sandbox; grade the honest ones again without it,
    # one course per sample so the two gradings share the cores
    unsandboxed = {sample: grade_unsandboxed(tmp_path / sample, [sample]) for sample in HONEST}
    for course, process in unsandboxed.values():
        log = process.communicate()[0]
        assert process.returncode == 0, log[-3000:]
    for sample in HONEST:
        sandboxed, without = graded_courses[sample], unsandboxed[sample][0]
        assert scores_of(sandboxed, sample) == scores_of(without, sample)
        assert sum(score for score, _ in scores_of(sandboxed, sample).values()) == 3.75
        with_box, without_box = autograded_outputs(sandboxed, sample), autograded_outputs(without, sample)
        assert with_box.keys() == without_box.keys()
        for cell in with_box:
            assert failing(with_box[cell]) == failing(without_box[cell]), (sample, cell)
        for test in TESTS:
            # a print may reach the notebook as one stream output or as two ("text", "\n")
            assert printed(with_box[test]) == printed(without_box[test]), (sample, test)


def printed(outputs):
    return {name: "".join(o.text for o in outputs if o.output_type == "stream" and o.name == name)
            for name in ("stdout", "stderr")}


def test_validate_runs_the_notebook_in_the_sandbox(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("solutions")
    check = new_code_cell(f"import os\nassert not os.path.exists({str(secret)!r}), 'the sandbox is off'",
                          metadata={"nbgrader": {"grade": True, "grade_id": "check", "locked": True, "points": 1,
                                                 "solution": False, "schema_version": 3, "task": False}})
    notebook = new_notebook(cells=[check])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    (tmp_path / "student").mkdir()
    path = tmp_path / "student" / "work.ipynb"
    nbformat.write(notebook, path)
    result = run_nbgrader(["validate", str(path)], REPO_ROOT, check=False, capture=True)
    assert "Success! Your notebook passes all the tests." in result.stdout, result.stdout + result.stderr


@pytest.mark.skipif(os.geteuid() != 0 or not Path("/usr/bin/python3").exists(),
                    reason="plays an ordinary user with setpriv, which needs root")
def test_sandbox_of_an_unprivileged_grader():
    """The bwrap command of a non-root grader (user namespace, no setpriv), run as uid 65534."""
    with tempfile.TemporaryDirectory() as folder:  # pytest's tmp_path is closed to other users
        check_unprivileged_sandbox(Path(folder))


def check_unprivileged_sandbox(tmp_path):
    for name in ("work", "scratch", "runtime"):
        (tmp_path / name).mkdir()
    (tmp_path / "secret.txt").write_text("solutions")
    for path in (tmp_path, *tmp_path.iterdir()):
        os.chown(path, 65534, 65534)
    probe = (f"import os, resource\nprint(os.getuid(), os.getcwd(), resource.getrlimit(resource.RLIMIT_NPROC)[0], "
             f"os.path.exists({str(tmp_path / 'secret.txt')!r}))")
    command = bwrap_command(["/usr/bin/python3", "-c", probe], workdir=tmp_path / "work",
                            scratch=tmp_path / "scratch", runtime_dir=tmp_path / "runtime", memory_mb=1024,
                            processes=32, file_size_mb=10, tmp_size_mb=16, env={"PATH": "/usr/bin"})
    result = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--", *command],
                            capture_output=True, text=True)
    assert result.stdout.split() == ["65534", str(tmp_path / "work"), "32", "False"], result.stderr


@pytest.mark.parametrize("limit_mb", [512, 0])
def test_the_memory_cap_is_set_once_for_sandboxed_kernels(limit_mb):
    """c.ResilientExecute.memory_limit_mb reaches the sandbox's prlimit; 0 means no cap, not a zero cap."""
    preprocessor = ResilientExecute(sandbox=True, memory_limit_mb=limit_mb, kernel_name="python3")
    preprocessor.nb = new_notebook()
    kernel_manager = preprocessor.create_kernel_manager()
    provisioner = KernelProvisionerFactory.instance().create_provisioner_instance(
        "test", kernel_manager.kernel_spec, parent=kernel_manager)
    assert isinstance(provisioner, SandboxProvisioner)
    assert provisioner.memory_limit_mb == limit_mb
    command = bwrap_command(["python3"], workdir=Path("/w"), scratch=Path("/s"), runtime_dir=Path("/r"),
                            memory_mb=provisioner.memory_limit_mb, processes=32, file_size_mb=10,
                            tmp_size_mb=16, env={})
    caps = [arg for arg in command if arg.startswith("--as=")]
    assert caps == ([f"--as={limit_mb * 2 ** 20}"] if limit_mb else [])


# --- the provisioner: grading kernels only -----------------------------------------------------

PROBE = "print(open('/proc/1/cmdline').read().split(chr(0))[0])"


def test_a_grading_kernel_is_started_by_the_sandbox_provisioner(tmp_path):
    """ResilientExecute's kernel: SandboxProvisioner, PID 1 of its namespace is bwrap, ipc, message interrupts."""
    notebook = new_notebook(cells=[new_code_cell(PROBE)])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    executor = ResilientExecute(sandbox=True, timeout=60)
    seen = {}

    def record(**_):
        seen.update(provisioner=type(executor.km.provisioner), transport=executor.km.transport,
                    interrupt=executor.km.kernel_spec.interrupt_mode,
                    folder=executor.km.provisioner.sandbox_dir)

    executor.on_notebook_start = record
    executor.preprocess(notebook, {"metadata": {"path": str(tmp_path)}})
    assert seen["provisioner"] is SandboxProvisioner
    assert (seen["transport"], seen["interrupt"]) == ("ipc", "message")
    assert notebook.cells[0].outputs[0].text.strip() == "bwrap"
    assert not seen["folder"].exists()  # the runtime folder and the copy are gone with the kernel


def test_a_plain_kernel_manager_is_not_sandboxed(tmp_path):
    """A TA's own kernel (jupyter_client's default KernelManager) keeps the local provisioner and the host."""
    km = KernelManager(kernel_name="python3")
    km.start_kernel(cwd=str(tmp_path))
    try:
        assert type(km.provisioner) is LocalProvisioner
        assert km.transport == "tcp"
        client = km.blocking_client()
        client.start_channels()
        client.wait_for_ready(timeout=60)
        texts = []
        client.execute_interactive(PROBE, timeout=60,
                                   output_hook=lambda msg: texts.append(msg["content"].get("text", "")))
        client.stop_channels()
    finally:
        km.shutdown_kernel(now=True)
    assert "bwrap" not in "".join(texts)
    assert "".join(texts).strip()  # the probe did print PID 1's name


def test_sandbox_settings_reach_the_provisioner():
    """c.SandboxProvisioner.* in the grader's config applies to the grading kernel's provisioner."""
    config = Config()
    config.SandboxProvisioner.process_limit = 7
    config.SandboxProvisioner.read_only_paths = ["/srv/data"]
    preprocessor = ResilientExecute(sandbox=True, kernel_name="python3", config=config)
    preprocessor.nb = new_notebook()
    kernel_manager = preprocessor.create_kernel_manager()
    provisioner = KernelProvisionerFactory.instance().create_provisioner_instance(
        "test", kernel_manager.kernel_spec, parent=kernel_manager)
    assert (provisioner.process_limit, provisioner.read_only_paths) == (7, ["/srv/data"])
    assert provisioner.file_size_limit_mb == 256  # the rest keeps its defaults


def test_a_grading_kernel_imports_the_hidden_checks_and_sees_no_more_of_the_kit(tmp_path):
    """The first cell imports gradekit.hidden_checks: the course config lets the sandbox read that package
    (and gradekit/__init__.py), while the rest of the kit, the course and the master stay invisible."""
    from gradekit.settings import load_course

    workdir = tmp_path / "me" / ASSIGNMENT
    workdir.mkdir(parents=True)
    for helper in ("util.py", "mnist_loader.py"):
        (workdir / helper).write_bytes((REPO_ROOT / helper).read_bytes())
    kit = Path(__import__("gradekit").__file__).parent
    probe = new_code_cell(
        "from gradekit.hidden_checks.numpy_nn import make_checks\n"
        "import os\n"
        "print('CHECKS', sorted(vars(make_checks())))\n"
        f"print('KIT', sorted(os.listdir({str(kit)!r})))\n"
        f"print('SOURCE', os.path.exists({str(REPO_ROOT / 'source')!r}))")
    notebook = new_notebook(cells=[probe])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    ResilientExecute(config=load_course(REPO_ROOT).config, timeout=120).preprocess(
        notebook, {"metadata": {"path": str(workdir)}})
    printed = "".join(o.get("text", "") for o in notebook.cells[0].outputs)
    assert not [o for o in notebook.cells[0].outputs if o.output_type == "error"], printed
    assert "CHECKS ['accuracy', 'dense_forward'," in printed
    assert "KIT ['__init__.py', 'hidden_checks']" in printed and "SOURCE False" in printed
