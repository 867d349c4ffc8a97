"""Feedback shows every test's verdict and the hidden checks' messages, never hidden test code."""
import html
import re

import nbformat
import pytest
from nbconvert import HTMLExporter
from nbformat.v4 import new_code_cell, new_notebook, new_output
from nbgrader.api import Gradebook
from traitlets.config.loader import PyFileConfigLoader

from gradekit.cells import hidden_regions, without_regions
from gradekit.course import REPO_ROOT, run_nbgrader
from gradekit.dev.execution import execute_notebook
from gradekit.dev.lab import ASSIGNMENT, COURSE_ID, TESTS
from gradekit.dev.samples import load_sample
from gradekit.hidden_checks import module_files, module_lines
from gradekit.dev.source import read_master
from gradekit.feedback.redact import HIDDEN_FRAMES, MarkTestResults, RedactHiddenTests

FAILED, PASSED = "✘ Тест не пройден", "✔ Тест пройден"


def page_text(page):
    """What a reader of the HTML sees: tags (and pygments' spans) stripped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def hidden_test_lines(notebook, *visible_notebooks):
    """Meaningful lines of the hidden-test regions and of the hidden checks' module (gradekit/hidden_checks/)
    that occur nowhere else (given code, solutions, the student's own cells): none may reach a student."""
    visible = set()
    for source in [without_regions(cell.source, hidden_regions(cell.source)) for cell in notebook.cells] + [
            cell.source for other in visible_notebooks for cell in other.cells]:
        visible.update(line.strip() for line in source.splitlines())
    hidden = {line.strip() for cell in notebook.cells for region in hidden_regions(cell.source)
              for line in region.inner}
    hidden.update(module_lines())
    return {line for line in hidden - visible if len(line) >= 8}


def notebook_path(course, stage, student):
    return course / stage / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"


def errors(cell):
    return [output for output in cell.get("outputs", []) if output.output_type == "error"]


# --- the preprocessors on a small synthetic notebook (fast) -------------------------

SECRET_CHECK = "assert _secret_value == 42, 'скрытая проверка: ожидалось 42'"
STUDENT_LINE = "return helper_of_student(x)"
HIDDEN_TRACEBACK = [  # IPython's, one entry per frame: test cell -> hidden check -> student's code
    "\x1b[0;31mAssertionError\x1b[0m  Traceback (most recent call last)",
    "\x1b[36mCell In[3], line 3\x1b[39m\n----> 3 _nnkit_checks.secret(student_code)\n",
    f"Cell In[1], line 4, in secret()\n----> 4     {SECRET_CHECK}\n",
    f"File /tmp/ipykernel_1/1.py:4, in secret()\n----> 4     {SECRET_CHECK}\n",
    "\x1b[36mFile \x1b[39m\x1b[32m/opt/kit/gradekit/hidden_checks/numpy_nn.py:9\x1b[39m, in \x1b[36msecret\x1b[39m()\n"
    "----> 9 x = 1\n",
    f"Cell In[2], line 2, in student_code(x)\n----> 2     {STUDENT_LINE}\n",
    "\x1b[0;31mAssertionError\x1b[0m: скрытая проверка: ожидалось 42",
]


def grade_meta(grade_id, points, grade=True):
    return {"nbgrader": {"grade": grade, "grade_id": grade_id, "locked": True, "points": points,
                         "solution": False, "schema_version": 3, "task": False}}


def synthetic_autograded():
    imports = new_code_cell("import numpy as np\n### BEGIN HIDDEN TESTS\ndef _nnkit_secret():\n"
                            f"    {SECRET_CHECK}\n### END HIDDEN TESTS", metadata=grade_meta("imports", 0, False),
                            execution_count=1)
    student = new_code_cell(f"def student_code(x):\n    {STUDENT_LINE}", execution_count=2)
    failed = new_code_cell("assert True\nprint('Отлично!')\n### BEGIN HIDDEN TESTS\n_nnkit_checks.secret(student_code)\n"
                           "### END HIDDEN TESTS", metadata=grade_meta("test_failed", 0.5), execution_count=3)
    failed.outputs = [new_output("stream", name="stdout", text="Отлично!\n"),
                      new_output("error", ename="AssertionError", evalue="скрытая проверка: ожидалось 42",
                                 traceback=HIDDEN_TRACEBACK)]
    warned = new_code_cell("x = 1", metadata=grade_meta("test_warned", 0.0), execution_count=4)
    warned.outputs = [new_output("stream", name="stderr", text=f"RuntimeWarning: overflow\n  {SECRET_CHECK}\n")]
    passed = new_code_cell("print('Отлично!')", metadata=grade_meta("test_passed", 0.25), execution_count=5)
    passed.outputs = [new_output("stream", name="stdout", text="Отлично!\n")]
    return new_notebook(cells=[imports, student, failed, warned, passed])


def render_for_student(notebook):
    exporter = HTMLExporter()
    exporter.register_preprocessor(RedactHiddenTests(), enabled=True)
    exporter.register_preprocessor(MarkTestResults(), enabled=True)
    return exporter.from_notebook_node(notebook)[0]


def test_redaction_keeps_messages_and_drops_hidden_code():
    notebook = synthetic_autograded()
    text = page_text(render_for_student(notebook))
    secrets = hidden_test_lines(notebook)
    assert SECRET_CHECK in secrets and "_nnkit_checks.secret(student_code)" in secrets
    assert [line for line in secrets if line in text] == []
    assert "AssertionError: скрытая проверка: ожидалось 42" in text
    assert "BEGIN HIDDEN TESTS" not in text
    # the student's own frame stays: a bare assert there says nothing without it
    assert STUDENT_LINE in text and "Cell In[2], line 2, in student_code(x)" in text
    assert text.count(HIDDEN_FRAMES) == 1 and "Cell In[1]" not in text and "Cell In[3]" not in text
    assert "hidden_checks" not in text  # the module's frame goes by its file, whatever line it shows
    # the same rendering without the kit's preprocessors does leak: the check above can fail
    plain = page_text(HTMLExporter().from_notebook_node(synthetic_autograded())[0])
    assert SECRET_CHECK in plain


def test_redaction_drops_lines_of_the_hidden_checks_module_from_any_output():
    """A student cell that prints the module (inspect.getsource in the grading kernel) shows nothing of it."""
    notebook = synthetic_autograded()
    module = next(path for path in module_files() if path.name == f"{ASSIGNMENT}.py").read_text(encoding="utf-8")
    printer = new_code_cell("print(inspect.getsource(_nnkit_checks.relu))", execution_count=6)
    printer.outputs = [new_output("stream", name="stdout", text=module),
                       new_output("execute_result", data={"text/plain": module}, execution_count=6)]
    notebook.cells.append(printer)
    text = page_text(render_for_student(notebook))
    leaked = [line for line in hidden_test_lines(notebook) if line in text]
    assert len(hidden_test_lines(notebook)) > 100 and leaked == []


@pytest.fixture(scope="module")
def hidden_failure_in_student_code(tmp_path_factory):
    """A real kernel's output: the hidden check of test_dense_grad_input fails inside the student's
    Dense.backward (sample bug_bias_2d_init, a bare assert), through the module's frames."""
    folder = tmp_path_factory.mktemp("hidden_failure")
    master = {cell.metadata.get("nbgrader", {}).get("grade_id"): cell for cell in read_master().cells}
    dense = new_code_cell(load_sample("bug_bias_2d_init").answers["dense"])
    notebook = new_notebook(cells=[master["imports"], master["layer"], dense, master["test_dense_grad_input"]])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, folder / f"{ASSIGNMENT}.ipynb")
    for helper in ("util.py", "mnist_loader.py"):
        (folder / helper).write_bytes((REPO_ROOT / helper).read_bytes())
    return execute_notebook(folder / f"{ASSIGNMENT}.ipynb")


def test_real_traceback_through_the_module_keeps_only_the_students_frame(hidden_failure_in_student_code):
    executed = hidden_failure_in_student_code
    (error,) = errors(executed.cells[-1])
    raw = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(error.traceback))
    assert "gradekit/hidden_checks/numpy_nn.py" in raw and "in dense_grad_input(Dense)" in raw  # the real thing
    text = page_text(render_for_student(executed))
    submitted = new_notebook(cells=[executed.cells[2]])
    assert [line for line in hidden_test_lines(executed, submitted) if line in text] == []
    assert "hidden_checks" not in text and "_nnkit" not in text and HIDDEN_FRAMES in text
    # the student's own frame and failing line stay: the bare assert has no message
    assert "assert grad_weights.shape == self.weights.shape" in text and "in Dense.backward" in text
    assert f"{error.ename}: {error.evalue}" in text or error.ename in text


def test_every_test_cell_states_its_verdict():
    text = page_text(render_for_student(synthetic_autograded()))
    assert text.count(FAILED) == 2  # the error, and stderr, which nbgrader also scores 0
    assert text.count(PASSED) == 1
    assert text.index("скрытая проверка") < text.index(FAILED) < text.index("поток ошибок") < text.index(PASSED)


def test_feedback_config_adds_the_preprocessors_after_the_grades():
    config = PyFileConfigLoader("nbgrader_config.py", path=str(REPO_ROOT)).load_config()
    names = [p.__name__ for p in config.GenerateFeedback.preprocessors]
    assert names == ["GetGrades", "RedactHiddenTests", "MarkTestResults", "ExplainDeadline",
                     "CSSHTMLHeaderPreprocessor", "FeedbackTableStyle"]


# --- real `nbgrader generate_feedback` on every autograded sample ------------------

@pytest.fixture(scope="module")
def feedback_courses(graded_courses):
    for course in sorted(set(graded_courses.values())):
        run_nbgrader(["generate_feedback", ASSIGNMENT, "--force"], course)
    return graded_courses


def feedback_page(course, student):
    return (course / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text(encoding="utf-8")


def sections_by_test(text):
    """{test id: the feedback text from its grade cell heading to the next cell heading}."""
    starts = sorted((text.index(f"Grade cell: {test}"), test) for test in TESTS)
    sections = {}
    for start, test in starts:
        ends = [i for i in (text.find("Grade cell:", start + 1), text.find("Student's answer", start + 1)) if i > 0]
        sections[test] = text[start:min(ends, default=len(text))]
    return sections


def failed(cell):
    """nbgrader's rule for a code grade cell: an error or anything on stderr scores 0."""
    return any(o.output_type == "error" or (o.output_type == "stream" and o.name == "stderr") for o in cell.outputs)


def check_feedback(course, student, master):
    """Everything the feedback of one autograded submission must (not) show;
    returns how many of its tests failed inside a hidden check."""
    text = page_text(feedback_page(course, student))
    submitted = nbformat.read(notebook_path(course, "submitted", student), as_version=4)
    leaked = [line for line in hidden_test_lines(master, submitted) if line in text]
    assert leaked == [], f"{student}: hidden test code in the feedback"

    autograded = nbformat.read(notebook_path(course, "autograded", student), as_version=4)
    cells = {cell.metadata.get("nbgrader", {}).get("grade_id"): cell for cell in autograded.cells}
    hidden_check_failures = 0
    for test, section in sections_by_test(text).items():
        verdict = FAILED if failed(cells[test]) else PASSED
        assert verdict in section, f"{student}: {test} does not say {verdict!r}"
        for error in errors(cells[test]):
            assert f"{error.ename}: {error.evalue}" in section, f"{student}: the error of {test} is not shown"
            if "_nnkit_checks" in "".join(error.traceback):  # its frames are replaced, its message stays
                assert HIDDEN_FRAMES in section, f"{student}: {test} shows no trace of its hidden check"
                hidden_check_failures += 1

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", COURSE_ID) as gradebook:
        notebook = gradebook.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student)
        score, max_score = notebook.score - (notebook.late_submission_penalty or 0), notebook.max_score
    assert f"(Score: {round(score, 2)} / {round(max_score, 2)})" in text
    assert max_score == 5.0
    return hidden_check_failures


def test_feedback_of_every_sample_hides_hidden_tests_and_shows_results(feedback_courses):
    master = read_master()
    hidden_check_failures = sum(check_feedback(course, student, master)
                                for student, course in sorted(feedback_courses.items()))
    assert hidden_check_failures > 0  # the samples with hidden_failures exercise the redaction
