"""The similarity report: disguised copies flagged, honest pairs not, bad input reported, pages escaped.

Fast: nothing is autograded. Submissions are the release notebook with answers typed in
(gradekit.dev.samples), from tests/submissions/ and from the variants in tests/similarity/.
"""
import csv
import io
import itertools
import json
import shutil
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from types import SimpleNamespace

import nbformat
import pytest

from gradekit.course import REPO_ROOT, copy_course, tool_environment
from gradekit.dev.lab import ASSIGNMENT
from gradekit.dev.samples import load_sample, place_samples, place_submission, sample_names
from gradekit.submitted.similarity import main, read_course
from gradekit.submitted.similarity_report import CSV_COLUMNS

VARIANTS = REPO_ROOT / "tests" / "similarity"
HONEST = ["correct", "correct_alt", "honest_a", "honest_b", "honest_c"]
COPIES = [name for name in sample_names(VARIANTS) if name.startswith("copy_")]


def new_course(released_course, destination):
    """A course directory with the release of the session's released course and nothing submitted."""
    course = copy_course(destination)
    shutil.copytree(released_course / "release", course / "release")
    return course


def run_command(course, *args):
    """The command as an instructor runs it: python -m ... in the course directory."""
    return subprocess.run([sys.executable, "-m", "gradekit.submitted.similarity", "--course-dir", str(course), *args],
                          cwd=course, env=tool_environment(), capture_output=True, text=True, timeout=300)


def run(course, *args):
    """The command's main() in this process (faster); returns what run_command would."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["--course-dir", str(course), *args])
    return SimpleNamespace(returncode=code, stdout=out.getvalue(), stderr=err.getvalue())


def read_flagged(course):
    with open(course / "reports" / f"similarity_{ASSIGNMENT}.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def variants_course(released_course, tmp_path_factory):
    """Two correct samples, three honest independent solutions and the disguised copies of `correct`."""
    course = new_course(released_course, tmp_path_factory.mktemp("similarity") / "course")
    place_samples(course, ["correct", "correct_alt"])
    place_samples(course, sample_names(VARIANTS), samples_dir=VARIANTS)
    return course


@pytest.fixture(scope="module")
def comparison(variants_course):
    return read_course(variants_course, ASSIGNMENT, [])


def pair_of(comparison, first, second):
    return next(p for p in comparison.pairs if {p.a.name, p.b.name} == {first, second})


def load_any(name):
    """A sample from tests/similarity/ or, failing that, from tests/submissions/."""
    return load_sample(name, VARIANTS) if (VARIANTS / name).is_dir() else load_sample(name)


def test_the_variants_are_what_they_claim():
    """Each disguised copy says it copies `correct`; the honest ones share no answer cell with it."""
    correct = load_sample("correct")
    assert COPIES and all(json.loads((VARIANTS / name / "submission.json").read_text())["copy_of"] == "correct"
                          for name in COPIES)
    for name in HONEST[1:]:
        answers = load_any(name).answers
        assert not any(answers.get(cell) == correct.answers[cell] for cell in correct.answers), name


@pytest.mark.parametrize("copy", COPIES)
def test_every_disguised_copy_is_flagged_for_its_code(comparison, copy):
    pair = pair_of(comparison, copy, "correct")
    assert pair.code_flag, (copy, pair.code)
    assert pair.code.similarity >= comparison.settings.code_threshold


@pytest.mark.parametrize("copy", COPIES)
def test_every_copied_set_of_answers_is_flagged_for_its_text(comparison, copy):
    pair = pair_of(comparison, copy, "correct")
    assert pair.text_flags, (copy, pair.texts)


def test_honest_pairs_are_not_flagged(comparison):
    for first, second in itertools.combinations(HONEST, 2):
        pair = pair_of(comparison, first, second)
        assert not pair.flagged, (first, second, pair.code, pair.texts)
        assert pair.code.similarity < comparison.settings.code_threshold


def test_copies_rank_above_every_honest_pair(comparison):
    ranked = [{p.a.name, p.b.name} for p in comparison.pairs]
    last_copy = max(ranked.index({copy, "correct"}) for copy in COPIES)
    first_honest = min(ranked.index(set(pair)) for pair in itertools.combinations(HONEST, 2))
    assert last_copy < first_honest


def test_the_command_writes_the_csv_and_the_pages(variants_course):
    result = run_command(variants_course)
    assert result.returncode == 0, result.stderr
    assert f"similarity report -> {variants_course / 'reports' / f'similarity_{ASSIGNMENT}' / 'index.html'}" \
        in result.stdout
    with open(variants_course / "reports" / f"similarity_{ASSIGNMENT}.csv", newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert tuple(header) == CSV_COLUMNS
    rows = read_flagged(variants_course)
    flagged = {frozenset((row["student_a"], row["student_b"])) for row in rows}
    assert {frozenset((copy, "correct")) for copy in COPIES} <= flagged
    assert not any(frozenset(pair) in flagged for pair in itertools.combinations(HONEST, 2))
    for row in rows:
        assert row["compared_with"] == "student"
        assert row["flagged_by"] in ("code", "text", "code+text")
        assert 0 <= float(row["code_similarity"]) <= 1 and 0 <= float(row["text_similarity"]) <= 1
        assert (variants_course / "reports" / row["page"]).is_file()
    # the pair page shows both students' code side by side, the matching code marked
    row = next(r for r in rows if {r["student_a"], r["student_b"]} == {"copy_renamed", "correct"})
    page = (variants_course / "reports" / row["page"]).read_text(encoding="utf-8")
    assert "<mark>" in page and "copy_renamed" in page and "correct" in page
    assert "np.where(input &gt; 0, input, 0.0)" in page.replace("<mark>", "").replace("</mark>", "")


def test_thresholds_come_from_the_course_config(released_course, variants_course, tmp_path):
    course = tmp_path / "course"
    shutil.copytree(variants_course, course, ignore=shutil.ignore_patterns("reports"))
    with open(course / "nbgrader_config.py", "a", encoding="utf-8") as config:
        config.write("\nc.Similarity.code_threshold = 0.999\nc.Similarity.text_threshold = 0.999\n")
    comparison = read_course(course, ASSIGNMENT, [])
    assert comparison.settings.code_threshold == 0.999
    assert not pair_of(comparison, "copy_reordered", "correct").flagged


def test_released_code_never_counts(released_course, tmp_path):
    """Two untouched releases have no answer code and no answers: nothing to compare, nothing flagged."""
    course = new_course(released_course, tmp_path / "course")
    place_samples(course, ["blank"])
    shutil.copytree(course / "submitted" / "blank", course / "submitted" / "blank2")
    comparison = read_course(course, ASSIGNMENT, [])
    (pair,) = comparison.pairs
    assert pair.code is None and pair.texts == {} and not pair.flagged
    assert any("no answer code of their own" in p.message for p in comparison.problems)


def test_bad_inputs_are_reported_and_the_rest_compared(released_course, tmp_path):
    course = new_course(released_course, tmp_path / "course")
    place_samples(course, ["correct", "late_correct", "correct_alt"])
    broken = course / "submitted" / "broken_json" / ASSIGNMENT
    broken.mkdir(parents=True)
    (broken / f"{ASSIGNMENT}.ipynb").write_text('{"cells": [', encoding="utf-8")
    renamed = course / "submitted" / "no_notebook" / ASSIGNMENT
    renamed.mkdir(parents=True)
    (renamed / "timestamp.txt").write_text("2024-02-20 18:00:00+03:00\n", encoding="utf-8")
    (renamed / "numpy_nn (1).txt").write_text("not a notebook", encoding="utf-8")
    stripped = course / "submitted" / "no_metadata" / ASSIGNMENT
    stripped.mkdir(parents=True)
    notebook = nbformat.read(course / "submitted" / "correct" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    for cell in notebook.cells:
        cell.metadata = {}
    nbformat.write(notebook, stripped / f"{ASSIGNMENT}.ipynb")

    result = run(course)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    out = result.stdout
    assert f"skipped: broken_json: {ASSIGNMENT}.ipynb is not a readable notebook" in out
    assert f"skipped: no_notebook: no {ASSIGNMENT}.ipynb in" in out
    assert f"skipped: no_metadata: {ASSIGNMENT}.ipynb has no nbgrader answer cells" in out
    # correct_alt left every manual answer empty
    assert "skipped: correct_alt: empty answer(s) not compared: tsne_conclusion, parity_conclusion" in out
    assert "3 submissions, 0 reference notebooks, 3 pairs compared" in out
    page = (course / "reports" / f"similarity_{ASSIGNMENT}" / "index.html").read_text(encoding="utf-8")
    skipped = page.split("<h2>Skipped inputs</h2>")[1]
    for student in ("broken_json", "no_notebook", "no_metadata", "correct_alt"):
        assert f"<td>{student}</td>" in skipped
    # the rest was compared: the late copy of `correct` is flagged
    assert {frozenset((r["student_a"], r["student_b"])) for r in read_flagged(course)} == {
        frozenset(("correct", "late_correct"))}


def test_a_course_without_release_is_one_clear_error(tmp_path, capsys):
    course = copy_course(tmp_path / "course")
    assert main(["--course-dir", str(course)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("similarity: error: ") and "no released notebook" in err and len(err.splitlines()) == 1


def type_answers(release_notebook, answers):
    notebook = nbformat.read(release_notebook, as_version=4)
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    return notebook


HOSTILE_TEXT = ("Вывод <script>alert('xss')</script> и картинка <img src=x onerror=alert(1)> и "
                "[ссылка](javascript:alert(2)): представления сети разделяют классы лучше пикселей.")
HOSTILE_CODE = 'class ReLU(Layer):\n    def forward(self, input):\n        """</pre><script>alert(3)</script>"""\n' \
               '        return np.maximum(input, 0)  # <b>bold</b>\n'


def test_html_escapes_student_text_and_code(released_course, tmp_path):
    course = new_course(released_course, tmp_path / "course")
    place_samples(course, ["correct"])
    release = course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    for student in ("mallory", "trudy"):
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        answers = {**load_sample("correct").answers, "tsne_conclusion": HOSTILE_TEXT, "relu": HOSTILE_CODE}
        nbformat.write(type_answers(release, answers), folder / f"{ASSIGNMENT}.ipynb")
    result = run(course)
    assert result.returncode == 0, result.stderr
    (row,) = [r for r in read_flagged(course) if {r["student_a"], r["student_b"]} == {"mallory", "trudy"}]
    assert "tsne_conclusion" in row["text_questions"]
    folder = course / "reports" / f"similarity_{ASSIGNMENT}"
    page = (course / "reports" / row["page"]).read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(" in page and "&lt;/pre&gt;&lt;script&gt;alert(3)" in page
    for page_path in folder.glob("*.html"):
        text = page_path.read_text(encoding="utf-8")
        assert "<script" not in text and "<img" not in text and "<b>" not in text, page_path.name
        assert 'href="javascript:' not in text


def test_reference_notebooks_are_compared_with_students_only(released_course, tmp_path):
    course = new_course(released_course, tmp_path / "course")
    place_samples(course, ["correct_alt"])
    place_samples(course, ["copy_renamed"], samples_dir=VARIANTS)
    references = tmp_path / "last_year"
    for name in ("correct", "honest_a"):
        place_submission(load_any(name), course / "release" / ASSIGNMENT, references / "2023")
    result = run(course, "--reference", str(references))
    assert result.returncode == 0, result.stderr
    assert "2 submissions, 2 reference notebooks, 5 pairs compared" in result.stdout
    rows = read_flagged(course)
    assert [(r["student_a"], r["student_b"], r["compared_with"]) for r in rows] == [
        ("copy_renamed", f"last_year/2023/correct/{ASSIGNMENT}/{ASSIGNMENT}.ipynb", "reference")]


def test_class_report_links_to_the_similarity_report(variants_course, tmp_path):
    from test_class_report import write_gradebook, write_grades

    from gradekit.grades.class_report import main as class_report

    course = tmp_path / "course"
    shutil.copytree(variants_course, course)
    write_grades(course / "grades.csv")
    write_gradebook(course)
    assert run(course).returncode == 0
    flagged = len(read_flagged(course))
    assert class_report(["--course-dir", str(course)]) == 0
    page = (course / "reports" / "class_report" / "class_report.html").read_text(encoding="utf-8")
    assert f'{flagged} flagged pair(s) in the <a href="../similarity_{ASSIGNMENT}/index.html">similarity report</a>' \
        in page
    # without a similarity report, no link
    shutil.rmtree(course / "reports" / f"similarity_{ASSIGNMENT}")
    assert class_report(["--course-dir", str(course)]) == 0
    assert "similarity report" not in (course / "reports" / "class_report" / "class_report.html").read_text()
