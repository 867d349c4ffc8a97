"""The grade-by-question page (gradekit.grades.by_question) and the Formgrader's folded hidden tests.

One real `nbgrader autograde` of the `correct` sample (module fixture); four more
students are made from its autograded notebook with other answers and added to
the gradebook through nbgrader's API (`add_student`, `add_submission`), one of
them with an answer that tries to run script, one with a damaged notebook. A real
`jupyter server` with a token serves the course; Playwright drives Debian's
chromium. The browser tests skip only when /usr/bin/chromium is absent.
"""
from __future__ import annotations

import csv
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest

from gradekit.course import copy_course, grading_environment, run_nbgrader, tool_environment
from gradekit.dev.answers import near_duplicate_answers
from gradekit.dev.lab import ASSIGNMENT
from gradekit.dev.samples import place_samples
from gradekit.grades.by_question.answers import Question, question_prompts, save_decision
from gradekit.grades.by_question.grouping import all_pairs, group_items, jaccard_floor, minhash_pairs, normalise
from gradekit.grades.by_question.render import render_markdown
from gradekit.grades.by_question.rubric import RubricError, load_rubric
from gradekit.cells import hidden_regions
from gradekit.grades.fold_hidden import FoldHiddenTests
from gradekit.settings import load_course

CHROMIUM = Path("/usr/bin/chromium")
needs_browser = pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium (Debian package "
                                   "`chromium`, installed by `make venv` as root): browser tests skipped")
TOKEN = "test-token-0123456789"
NB = ASSIGNMENT  # the notebook has the assignment's name
QUESTION = "tsne_conclusion"
ATTACK = ("Вывод: <script>window.pwned = 1</script> <img src=x onerror=\"window.pwned = 2\"> "
          "[подробнее](javascript:window.pwned=3) кластеры разделены.")
# id: (first name, last name, tsne_conclusion answer or None to keep the correct one)
FABRICATED = {
    "ivanov.ii": ("Иван", "Иванов", None),                                        # identical to `correct`
    "petrova.aa": ("Анна", "Петрова", "near"),                                   # near-identical
    "hacker.xx": ("Хакер", "Хакеров", ATTACK),
    "broken.bb": ("Борис", "Битый", "broken"),                                   # damaged notebook
}


# ---------------------------------------------------------------- fast checks, no server

def test_markdown_cannot_run_script():
    html = render_markdown(ATTACK + "\n\n**жирный** [ссылка](https://example.org)")
    assert "<script" not in html and "<img" not in html and "javascript:" not in html.split("(")[0]
    assert 'href="javascript' not in html
    assert "&lt;script&gt;" in html and "<strong>жирный</strong>" in html
    assert '<a href="https://example.org">ссылка</a>' in html


def test_grouping_identical_near_and_different():
    answers = ["Кластеры разделены лучше.", "кластеры  разделены ЛУЧШЕ", "Кластеры разделены лучще!",
               "Совсем другой ответ про чётность", "ВАШ ОТВЕТ ЗДЕСЬ", "Ваш ответ здесь."]
    groups = group_items(answers, str)
    assert groups[0] == answers[:3]
    assert sorted(map(sorted, groups[1:])) == sorted([[answers[3]], sorted(answers[4:])])
    assert normalise("Ёж, ёлка!") == "еж елка"
    assert len(group_items(answers, str, threshold=1.0)) == 4  # only identical after normalising


def test_minhash_grouping_finds_the_groups_of_every_pair():
    """The LSH candidates lose no near-identical pair that judging every pair finds; the judge (LCS ratio)
    agrees with difflib's ratio, the measure of the page before, on every pair."""
    import difflib
    import itertools

    from gradekit.grades.by_question.grouping import similar

    texts = near_duplicate_answers(60, words=20, seed=3)
    keys = [normalise(text) for text in texts]
    for a, b in itertools.combinations(keys, 2):
        assert similar(a, b) == (difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= 0.9), (a, b)
    exhaustive = group_items(texts, str, candidates=all_pairs)
    assert len(exhaustive) < 52  # most of the 12 near-copies did join their original
    assert group_items(texts, str) == exhaustive
    assert group_items(texts, str, threshold=0.8) == group_items(texts, str, threshold=0.8, candidates=all_pairs)
    assert 0.5 < jaccard_floor(0.9) < 0.6 and jaccard_floor(0.5) == 0


def test_minhash_candidates_grow_with_the_answers_not_the_pairs():
    """300 different 90-word answers: difflib judges a few hundred pairs at most, not all 44,850."""
    texts = [normalise(text) for text in near_duplicate_answers(300, words=90, seed=4)]
    pairs = minhash_pairs(texts, 0.9)
    assert len(pairs) < 500
    assert all(0 <= i < j < len(texts) for i, j in pairs)


def test_save_request_is_checked():
    """Only finite numbers in range, "clear", or no score at all; never a silent clear; 400 not 500."""
    from gradekit.grades.by_question.answers import KEEP, GradingError
    from gradekit.grades.by_question.app import parse_decision

    seen = {"t": {"score": 0.2, "comment": "было"}}

    def body(**fields):
        return json.dumps({"students": ["t"], "expected": seen, **fields}).encode()

    assert parse_decision(body(score=0.25)) == (["t"], 0.25, KEEP, {"t": (0.2, "было")})
    assert parse_decision(body(score="clear", comment=""))[1:3] == (None, "")
    assert parse_decision(body(comment="текст"))[1:3] == (KEEP, "текст")
    bad = [body(score=None), body(score="abc"), body(score=True), body(), body(comment=5),
           b'{"students": ["t"], "expected": {"t": {"score": 0.2, "comment": ""}}, "score": NaN}',
           b'{"students": ["t"], "expected": {"t": {"score": 0.2, "comment": ""}}, "score": 1e309}',
           b'{"students": ["t"], "expected": {"t": {"score": 0.2, "comment": ""}}, "score": ' + b"9" * 400 + b"}",
           json.dumps({"students": ["t"], "score": 0.25}).encode(), b"[1]", b"{"]
    for request in bad:
        with pytest.raises(GradingError):
            parse_decision(request)


def test_rubric_file(tmp_path):
    assert load_rubric(tmp_path / "missing.yaml") == {}
    bad = tmp_path / "rubric.yaml"
    bad.write_text("questions:\n  q: {levels: [{points: много}]}\n", encoding="utf-8")
    with pytest.raises(RubricError, match=r"questions\.q\.levels\[0\]\.points"):
        load_rubric(bad)
    bad.write_text("questions: [\n", encoding="utf-8")
    with pytest.raises(RubricError, match="cannot read"):
        load_rubric(bad)
    good = tmp_path / "good.yaml"
    good.write_text("questions:\n  q:\n    levels:\n      - {points: 0.25, comment: да}\n"
                    "      - {points: 1, comment: слишком много}\n", encoding="utf-8")
    rubric = load_rubric(good)["q"].usable(0.25)
    assert [level.points for level in rubric.levels] == [0.25]
    assert "left out" in rubric.problems[0]


def test_committed_rubric_covers_every_manual_question():
    from gradekit.dev.lab import MANUAL_ANSWERS
    from gradekit.course import REPO_ROOT

    rubric = load_rubric(REPO_ROOT / "rubric.yaml")
    assert set(rubric) == set(MANUAL_ANSWERS)
    for question in rubric.values():
        assert question.levels and all(0 <= level.points <= 0.25 for level in question.levels)


def test_fold_hidden_tests():
    source = "import numpy as np\n### BEGIN HIDDEN TESTS\na = 1\nb = 2\n### END HIDDEN TESTS\nprint(np)"
    folded = FoldHiddenTests().fold(source)
    assert folded.splitlines()[0] == "import numpy as np" and folded.splitlines()[-1] == "print(np)"
    assert "a = 1" not in folded and "4 lines of hidden tests folded" in folded


def test_read_answer_from_raw_json(tmp_path):
    """Student notebooks are read as plain JSON: list-of-lines fields, odd outputs, damage."""
    from gradekit.grades.by_question.answers import GradingError, read_answer, read_image

    cell = lambda grade_id, **rest: {"cell_type": "code", "metadata": {"nbgrader": {"grade_id": grade_id}}, **rest}
    notebook = {"cells": [
        cell("parity", source="x", outputs=[
            {"output_type": "stream", "name": "stdout", "text": ["0.90 ", "0.96\n"]},
            {"output_type": "stream", "name": "stderr", "text": "ConvergenceWarning"},
            {"output_type": "display_data", "data": {"image/png": ["iVBORw0KGgo=\n"]}},
            {"output_type": "display_data", "data": {"image/png": "\" onerror=\"alert(1)"}},
            "not an output"]),
        {"cell_type": "markdown", "metadata": [], "source": "no metadata dict"},
        {"cell_type": "markdown", "metadata": {"nbgrader": {"grade_id": "answer"}}, "source": ["Ответ ", "здесь"]},
    ]}
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    text, images, outputs = read_answer(path, "answer", ("parity", "missing"))
    assert text == "Ответ здесь" and outputs == ["0.90 0.96\n"]
    assert images == ["image/png"]  # the non-base64 "image" is dropped
    assert read_image(path, ("parity", "missing"), 0) == ("image/png", b"\x89PNG\r\n\x1a\n")
    with pytest.raises(GradingError, match="no such image"):
        read_image(path, ("parity",), 1)
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(GradingError, match="unreadable notebook nb.ipynb: not a notebook"):
        read_answer(path, "answer")
    with pytest.raises(GradingError, match="no autograded notebook"):
        read_answer(tmp_path / "none.ipynb", "answer")


# ---------------------------------------------------------------- the course and the server

def _answer_cell(notebook, grade_id):
    return next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """One real autograde (`correct`) plus fabricated students in the gradebook."""
    course = copy_course(tmp_path_factory.mktemp("gbq") / "course")
    assert (course / "rubric.yaml").is_file()  # part of every course copy
    run_nbgrader(["generate_assignment", ASSIGNMENT, "--force", "--log-level=ERROR"], course)
    place_samples(course, ["correct"])
    result = subprocess.run([sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT, "--log-level=ERROR"],
                            cwd=course, env=grading_environment(), capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    settings = load_course(course)
    graded = settings.assignment_dir("autograded", "correct", ASSIGNMENT) / f"{NB}.ipynb"
    original = nbformat.read(graded, as_version=4)
    correct_answer = _answer_cell(original, QUESTION).source
    with settings.gradebook() as gradebook:
        for number, (student, (first, last, answer)) in enumerate(FABRICATED.items()):
            gradebook.add_student(student, first_name=first, last_name=last)
            gradebook.add_submission(ASSIGNMENT, student, timestamp="2024-02-20 15:00:00")
            folder = settings.assignment_dir("autograded", student, ASSIGNMENT)
            folder.mkdir(parents=True)
            if answer == "broken":
                (folder / f"{NB}.ipynb").write_text("{ not a notebook", encoding="utf-8")
                continue
            notebook = nbformat.read(graded, as_version=4)
            if answer == "near":
                answer = correct_answer.replace("гораздо", "намного")
            _answer_cell(notebook, QUESTION).source = answer or correct_answer
            _answer_cell(notebook, "control_q1").source = f"Свой ответ номер {number}: " + "нейрон " * number
            nbformat.write(notebook, folder / f"{NB}.ipynb")
    return course


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(course, tmp_path_factory):
    """`jupyter server` in the course directory, on 127.0.0.1 with a token; yields its base URL."""
    port = _free_port()
    home = tmp_path_factory.mktemp("jupyter")
    env = {**tool_environment(), "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_RUNTIME_DIR": str(home / "rt"),
           "JUPYTER_DATA_DIR": str(home / "data")}
    # enabled explicitly, so the test does not depend on the venv's etc/jupyter (make venv writes that)
    (home / "config").mkdir()
    (home / "config" / "jupyter_server_config.json").write_text(json.dumps({"ServerApp": {"jpserver_extensions": {
        "gradekit.grades.by_question": True, "nbgrader.server_extensions.formgrader": True}}}))
    log = open(home / "server.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={course}",
         *(["--allow-root"] if os.geteuid() == 0 else [])],  # CI runs as root
        cwd=course, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=5)
                break
            except (urllib.error.URLError, ConnectionError):
                assert process.poll() is None, (home / "server.log").read_text()[-3000:]
                assert time.monotonic() < deadline, "jupyter server did not start in 90 s"
                time.sleep(0.5)
        yield base
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        log.close()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium: browser tests skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):
    # bypass_csp: the page's CSP is the second line of defence; with it off, the escaping alone
    # must keep a student's script from running (the header itself is checked separately)
    context = browser.new_context(viewport={"width": 1200, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{server}/login?next=/grade-by-question&token={TOKEN}")  # the token login sets the cookie
    yield page
    context.close()


def expect(locator):
    """Playwright's expect (imported here: playwright is only needed by the browser tests)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def _url(server, grade_id, anonymous=False):
    return f"{server}/grade-by-question/{ASSIGNMENT}/{NB}/{grade_id}" + ("?anonymous=1" if anonymous else "")


def _gradebook_scores(course, grade_id):
    with load_course(course).gradebook() as gradebook:
        rows = {}
        for student in ["correct", *FABRICATED]:
            grade = gradebook.find_grade(grade_id, NB, ASSIGNMENT, student)
            comment = gradebook.find_comment(grade_id, NB, ASSIGNMENT, student)
            rows[student] = (grade.manual_score, comment.manual_comment)
        return rows


# ---------------------------------------------------------------- browser tests

def test_login_required(server):
    request = urllib.request.Request(_url(server, QUESTION))
    opener = urllib.request.build_opener(type("NoRedirect", (urllib.request.HTTPRedirectHandler,),
                                              {"redirect_request": lambda *a, **k: None}))
    with pytest.raises(urllib.error.HTTPError) as error:
        opener.open(request)
    assert error.value.code in (302, 403)
    post = urllib.request.Request(f"{server}/grade-by-question/api/{ASSIGNMENT}/{NB}/{QUESTION}", method="POST",
                                  data=json.dumps({"students": ["x"], "score": 0.25}).encode())
    with pytest.raises(urllib.error.HTTPError) as error:
        opener.open(post)
    assert error.value.code in (302, 403)


@needs_browser
def test_ta_grades_a_question_for_the_class(page, server, course):
    pwned = []
    page.on("dialog", lambda dialog: (pwned.append(dialog.message), dialog.dismiss()))
    response = page.goto(_url(server, QUESTION))
    assert response.status == 200
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp
    assert "t-SNE" in page.locator(".question").inner_text()  # the question text from the release

    groups = page.locator("article.group")
    assert groups.count() == 3  # {correct, ivanov.ii, petrova.aa}, {hacker.xx}, {broken.bb}
    big = groups.nth(0)
    assert big.locator("input.member").count() == 3
    labels = big.locator(".members").inner_text()
    assert "correct" in labels and "Иван Иванов (ivanov.ii)" in labels and "Анна Петрова (petrova.aa)" in labels
    assert big.locator("details.variant").count() == 1  # petrova's wording differs slightly
    assert big.locator(".context img").count() == 6  # each student's two t-SNE pictures
    hacker = page.locator("article.group", has_text="Хакер")
    assert "<script>window.pwned = 1</script>" in hacker.locator(".answer").inner_text()  # shown as text
    assert hacker.locator(".answer script, .answer img, .answer a").count() == 0
    assert "unreadable notebook" in page.locator("article.group", has_text="Битый").inner_text()
    assert page.evaluate("window.pwned") is None and not pwned

    # one decision grades the group: the first rubric line, by mouse
    big.locator("button.level").first.click()
    expect(big.locator(".status")).to_have_text("saved for 3 students")
    # keyboard: the clicked group is the current one; j moves to the attacker's answer, k back, j again,
    # and 4 picks the fourth rubric line (0 points, saved at once)
    page.keyboard.press("j")
    page.keyboard.press("k")
    page.keyboard.press("j")
    expect(groups.nth(1)).to_have_class("group current")
    page.keyboard.press("4")
    expect(groups.nth(1).locator(".status")).to_have_text("saved for 1 student")
    assert page.locator("#graded").inner_text() == "4"
    # a score above the gradebook's maximum (0.25) is refused and nothing is written
    broken = groups.nth(2)  # unreadable notebooks come last
    broken.locator("input.score").fill("3")
    broken.locator("button.save").click()
    expect(broken.locator(".status")).to_contain_text('not saved: "3" is not a score: type a number from 0 to 0.25')

    rows = _gradebook_scores(course, QUESTION)
    assert {s: rows[s][0] for s in rows} == {"correct": 0.25, "ivanov.ii": 0.25, "petrova.aa": 0.25,
                                            "hacker.xx": 0.0, "broken.bb": None}
    assert rows["correct"][1].startswith("Верно") and rows["hacker.xx"][1] == "Вывода нет."

    page.reload()
    assert page.locator("#graded").inner_text() == "4"
    assert page.locator("article.group").nth(0).locator("input.score").input_value() == "0.25"
    assert page.locator("article.group").nth(0).locator("textarea.comment").input_value().startswith("Верно")
    assert page.evaluate("window.pwned") is None and not pwned

    # the scores reach nbgrader export
    run_nbgrader(["export", "--to", "grades.csv", "--log-level=ERROR"], course)
    with open(course / "grades.csv", encoding="utf-8") as handle:
        exported = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert float(exported["correct"][QUESTION]) == 0.25 and float(exported["petrova.aa"][QUESTION]) == 0.25
    assert float(exported["hacker.xx"][QUESTION]) == 0.0


@needs_browser
def test_two_tas_on_different_questions_lose_nothing(browser, server, course):
    pages = []
    for _ in range(2):
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{server}/login?next=/grade-by-question&token={TOKEN}")
        pages.append(page)
    first, second = pages
    first.goto(_url(server, "control_q2"))
    second.goto(_url(server, "control_q3"))  # both pages loaded before either saves
    first.locator("article.group").first.locator("button.level").nth(1).click()
    expect(first.locator("article.group .status").first).to_contain_text("saved for")
    second.locator("article.group").first.locator("button.level").nth(0).click()
    expect(second.locator("article.group .status").first).to_contain_text("saved for")
    q2, q3 = _gradebook_scores(course, "control_q2"), _gradebook_scores(course, "control_q3")
    assert q2["correct"][0] == 0.15 and q3["correct"][0] == 0.25
    # the index shows each question's progress
    first.goto(f"{server}/grade-by-question")
    table = first.locator("table.progress").inner_text()
    assert "control_q2" in table and "tsne_conclusion" in table
    for page in pages:
        page.context.close()


@needs_browser
def test_anonymous_mode_hides_names(page, server):
    page.goto(_url(server, "control_q1", anonymous=True))
    html = page.content()
    for student, (first, last, _) in FABRICATED.items():
        assert student not in html and last not in html
    assert re.search(r"Student \d", page.locator("article.group").first.inner_text())
    page.locator("article.group").first.locator("button.level").first.click()
    expect(page.locator("article.group .status").first).to_contain_text("saved for")
    assert "show names" in page.locator("#anonymous-toggle").inner_text()


@needs_browser
def test_parity_conclusion_shows_the_accuracies(page, server):
    page.goto(_url(server, "parity_conclusion"))
    # the four readable notebooks give one group; with more than 3 members the outputs start folded
    outputs = page.locator("article.group").first.locator(".context pre").all_text_contents()
    # the `correct` sample prints both accuracies; sklearn's warnings on stderr are left out
    assert any(re.search(r"0\.\d+ 0\.\d+", text) for text in outputs), outputs
    assert not any("ConvergenceWarning" in text for text in outputs)


@needs_browser
def test_formgrader_submission_folds_hidden_tests(page, server, course):
    with load_course(course).gradebook() as gradebook:
        submission_id = gradebook.find_submission_notebook(NB, ASSIGNMENT, "correct").id
        # a grade saved the page's way is what the Formgrader shows
        save_decision(gradebook, Question(ASSIGNMENT, NB, "parity_conclusion", 0.25), ["correct"], 0.1,
                      "Сравнение без вывода.")
    response = page.goto(f"{server}/formgrader/submissions/{submission_id}/")
    assert response.status == 200
    html = page.content()
    graded = nbformat.read(course / "autograded" / "correct" / ASSIGNMENT / f"{NB}.ipynb", as_version=4)
    (region,) = hidden_regions(_answer_cell(graded, "imports").source)
    assert f"{region.length} lines of hidden tests folded" in html  # the first cell's region shows as one line
    assert "_nnkit_make_checks" not in html
    expect(page.locator("input.score#parity_conclusion")).to_have_value("0.1")
    expect(page.locator("#parity_conclusion-comment")).to_have_value("Сравнение без вывода.")


def _set(course, grade_id, values):
    """Store {student: (score, comment)} directly in the gradebook (the state a test starts from)."""
    with load_course(course).gradebook() as gradebook:
        for student, (score, comment) in values.items():
            save_decision(gradebook, Question(ASSIGNMENT, NB, grade_id, 0.25), [student], score, comment)


def _group_of(page, student):
    return page.locator("article.group", has=page.locator(".members", has_text=student))


def _retype(field, text):
    """Select the field's text and type over it, key by key, as a TA does."""
    field.click()
    field.press("Control+a")
    field.page.keyboard.type(text)


READABLE = ["correct", "ivanov.ii", "petrova.aa", "hacker.xx"]  # one group on questions they all answered alike


def _open_group(page, server, course, grade_id, score, comment):
    """Store one score and comment for READABLE, open the question and return their group."""
    _set(course, grade_id, {student: (score, comment) for student in READABLE})
    page.goto(_url(server, grade_id))
    return _group_of(page, "ivanov.ii")


@needs_browser
def test_invalid_score_is_refused_and_clearing_is_explicit(page, server, course):
    group = _open_group(page, server, course, "control_q3", 0.2, "было")
    field = group.locator("input.score")
    for typed in ["abc", "1e309", "NaN", "Infinity", "1e", "--1", "9" * 400, "-1", "0.3", "0,5", ""]:
        _retype(field, typed)
        field.press("Enter")
        expect(group.locator(".status")).to_contain_text("not saved")
        expect(field).to_have_attribute("aria-invalid", "true")
        assert {s: v for s, v in _gradebook_scores(course, "control_q3").items() if s in READABLE} == \
            {s: (0.2, "было") for s in READABLE}, typed
    _retype(field, "0,15")  # a decimal comma is a score
    field.press("Enter")
    expect(group.locator(".status")).to_have_text("saved for 4 students")
    assert _gradebook_scores(course, "control_q3")["petrova.aa"] == (0.15, "было")
    group.locator("button.clear").click()  # the one way to clear a score
    expect(group.locator(".status")).to_have_text("saved for 4 students")
    rows = _gradebook_scores(course, "control_q3")
    assert all(rows[s] == (None, "было") for s in READABLE)


@needs_browser
def test_mixed_group_writes_only_what_the_ta_changed(page, server, course):
    _set(course, "parity_conclusion", {"correct": (0.25, "А"), "ivanov.ii": (0.1, "Б"), "petrova.aa": (0.15, "В"),
                                       "hacker.xx": (0.15, "В")})
    page.goto(_url(server, "parity_conclusion"))
    group = _group_of(page, "ivanov.ii")
    expect(group.locator(".state")).to_have_text("different scores")
    expect(group.locator("input.score")).to_have_value("")
    group.locator("textarea.comment").fill("Общий комментарий")
    group.locator("button.save").click()
    expect(group.locator(".status")).to_have_text("saved for 4 students")
    rows = _gradebook_scores(course, "parity_conclusion")
    assert {s: rows[s] for s in READABLE} == {"correct": (0.25, "Общий комментарий"),
                                              "ivanov.ii": (0.1, "Общий комментарий"),
                                              "petrova.aa": (0.15, "Общий комментарий"),
                                              "hacker.xx": (0.15, "Общий комментарий")}
    _set(course, "parity_conclusion", {"correct": (0.25, "А"), "ivanov.ii": (0.1, "Б")})
    page.reload()
    group = _group_of(page, "ivanov.ii")
    expect(group.locator("textarea.comment")).to_have_value("")
    _retype(group.locator("input.score"), "0.2")
    group.locator("input.score").press("Enter")
    expect(group.locator(".status")).to_have_text("saved for 4 students")
    rows = _gradebook_scores(course, "parity_conclusion")
    assert {s: rows[s] for s in READABLE} == {"correct": (0.2, "А"), "ivanov.ii": (0.2, "Б"),
                                              "petrova.aa": (0.2, "Общий комментарий"),
                                              "hacker.xx": (0.2, "Общий комментарий")}
    expect(group.locator(".state")).to_have_text("score 0.2")


@needs_browser
def test_enter_saves_the_group_whose_field_was_typed_in(page, server, course):
    _set(course, "control_q2", {student: (0.05, "x") for student in [*READABLE, "broken.bb"]})
    page.goto(_url(server, "control_q2"))
    first, second = _group_of(page, "ivanov.ii"), _group_of(page, "broken.bb")
    _retype(first.locator("input.score"), "0.15")
    target = second.locator("input.score")
    for _ in range(40):  # Tab from field to field until the second group's score field has the focus
        page.keyboard.press("Tab")
        if target.evaluate("field => field === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the second group's score field")
    page.keyboard.type("0.1")
    page.keyboard.press("Enter")
    expect(second.locator(".status")).to_have_text("saved for 1 student")
    rows = _gradebook_scores(course, "control_q2")
    assert rows["broken.bb"] == (0.1, "x")
    assert all(rows[s] == (0.05, "x") for s in READABLE)


@needs_browser
def test_a_save_by_another_ta_in_between_is_shown_not_overwritten(browser, server, course):
    _set(course, "control_q2", {student: (0.05, "x") for student in READABLE})
    pages = []
    for _ in range(2):
        page = browser.new_context().new_page()
        page.goto(f"{server}/login?next=/grade-by-question&token={TOKEN}")
        page.goto(_url(server, "control_q2"))
        pages.append(page)
    first, second = (_group_of(page, "ivanov.ii") for page in pages)
    _retype(first.locator("input.score"), "0.25")
    first.locator("input.score").press("Enter")
    expect(first.locator(".status")).to_have_text("saved for 4 students")
    _retype(second.locator("input.score"), "0.1")
    second.locator("input.score").press("Enter")
    expect(second.locator(".status")).to_contain_text("not saved: someone else changed these grades")
    expect(second.locator('.member-score').first).to_have_text("0.25")  # the other TA's score is shown
    assert all(_gradebook_scores(course, "control_q2")[s] == (0.25, "x") for s in READABLE)
    second.locator("input.score").press("Enter")  # seen now: saving again is a decision
    expect(second.locator(".status")).to_have_text("saved for 4 students")
    assert all(_gradebook_scores(course, "control_q2")[s] == (0.1, "x") for s in READABLE)
    for page in pages:
        page.context.close()


@needs_browser
def test_connection_and_login_errors_read_as_what_they_are(page, server, course):
    group = _open_group(page, server, course, "control_q3", 0.05, "x")
    field = group.locator("input.score")
    api = f"**/grade-by-question/api/{ASSIGNMENT}/{NB}/control_q3"

    def reply_lost(route):  # the save reaches the server, its reply never reaches the page
        if route.request.method == "POST":
            route.fetch()
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route(api, reply_lost)
    _retype(field, "0.2")
    field.press("Enter")
    expect(group.locator(".status")).to_have_text("saved for 4 students (checked after the connection broke)")
    assert all(_gradebook_scores(course, "control_q3")[s] == (0.2, "x") for s in READABLE)
    page.unroute(api)

    page.route(api, lambda route: route.abort("connectionrefused") if route.request.method == "POST"
               else route.continue_())
    _retype(field, "0.1")
    field.press("Enter")
    expect(group.locator(".status")).to_contain_text("not saved: the connection to the server broke")
    assert all(_gradebook_scores(course, "control_q3")[s] == (0.2, "x") for s in READABLE)
    page.unroute(api)

    page.context.clear_cookies()  # logged out (an expired session)
    field.press("Enter")
    expect(group.locator(".status")).to_contain_text("your login has probably expired")
    assert all(_gradebook_scores(course, "control_q3")[s] == (0.2, "x") for s in READABLE)


@needs_browser
def test_api_refuses_bad_scores_with_400(page, server, course):
    page.goto(_url(server, "control_q1"))
    token = page.locator("input.member").first.get_attribute("value")
    post = """async ([url, body]) => {
        const xsrf = document.querySelector('meta[name="xsrf-token"]').content;
        const response = await fetch(url, {method: "POST", headers: {"X-XSRFToken": xsrf}, body});
        return [response.status, await response.text()];
    }"""
    url = f"{server}/grade-by-question/api/{ASSIGNMENT}/{NB}/control_q1"
    before = _gradebook_scores(course, "control_q1")
    for score in ["9" * 400, "1e309", "NaN", "-Infinity", "null", '"abc"', "1"]:
        expected = json.dumps({token: {"score": None, "comment": ""}})
        body = f'{{"students": ["{token}"], "score": {score}, "expected": {expected}}}'
        status, text = page.evaluate(post, [url, body])
        assert status == 400 and "error" in json.loads(text), (score, status, text)
    assert _gradebook_scores(course, "control_q1") == before


@needs_browser
def test_images_are_separate_lazy_files(page, server):
    response = page.goto(_url(server, QUESTION))
    assert "data:image" not in response.text()
    image = page.locator(".context img").first
    assert image.get_attribute("loading") == "lazy"
    served = page.request.get(f"{server}{image.get_attribute('src')}")
    assert served.status == 200 and served.headers["content-type"] == "image/png"
    assert served.body().startswith(b"\x89PNG")
    assert page.request.get(f"{server}{image.get_attribute('src')[:-1]}99").status == 404


@needs_browser
def test_unreadable_notebook_does_not_name_the_student_when_anonymous(page, server, course):
    path = load_course(course).assignment_dir("autograded", "broken.bb", ASSIGNMENT) / f"{NB}.ipynb"
    kept = path.read_bytes()
    path.unlink()
    path.mkdir()  # a folder where the notebook should be: open() fails with the full path in its message
    try:
        page.goto(_url(server, "control_q1", anonymous=True))
        html = page.content()
    finally:
        path.rmdir()
        path.write_bytes(kept)
    assert f"unreadable notebook {NB}.ipynb: Is a directory" in html
    assert "broken.bb" not in html and "Битый" not in html


@needs_browser
def test_a_slow_question_page_does_not_hold_up_another_tas_save(page, server, course):
    """One student's notebook is a FIFO: reading it waits until the test writes; meanwhile a save goes through."""
    group = _open_group(page, server, course, "control_q2", 0.05, "x")
    path = load_course(course).assignment_dir("autograded", "broken.bb", ASSIGNMENT) / f"{NB}.ipynb"
    kept = path.read_bytes()
    path.unlink()
    os.mkfifo(path)
    slow = {}
    reader = threading.Thread(target=lambda: slow.update(status=urllib.request.urlopen(
        f"{_url(server, 'control_q1')}?token={TOKEN}", timeout=120).status))
    try:
        reader.start()
        time.sleep(1)
        assert reader.is_alive()  # the other TA's page waits for the notebook
        group.locator("button.level").first.click()
        expect(group.locator(".status")).to_have_text("saved for 4 students", timeout=10_000)
    finally:
        writer = os.open(path, os.O_WRONLY | os.O_NONBLOCK) if reader.is_alive() else None
        if writer is not None:
            os.write(writer, kept)
            os.close(writer)
        reader.join(timeout=60)
        path.unlink()
        path.write_bytes(kept)
    assert slow == {"status": 200}


def test_save_decision_rejects_unknown_student(course):
    from gradekit.grades.by_question.answers import GradingError

    with load_course(course).gradebook() as gradebook:
        question = Question(ASSIGNMENT, NB, "control_q1", 0.25)
        with pytest.raises(GradingError, match="no submission"):
            save_decision(gradebook, question, ["nobody.here"], 0.25, "x")


def test_question_prompts_from_the_release(course):
    prompts = question_prompts(nbformat.read(course / "release" / ASSIGNMENT / f"{NB}.ipynb", as_version=4))
    assert "Биологический и искусственный нейрон" in prompts["control_q1"]
    assert "Содержание отчёта" not in prompts["control_q1"]  # only the nearest Markdown cell
    assert prompts["control_q2"].strip() == "**2.** Преимущества нейронных сетей."
    assert "t-SNE" in prompts["tsne_conclusion"] and "чётност" in prompts["parity_conclusion"]


def test_feedback_is_not_folded_but_redacted(course):
    """The fold is for the Formgrader only: the feedback's own redaction must still see the hidden regions.

    A comment saved through the page's save_decision reaches the student's feedback."""
    with load_course(course).gradebook() as gradebook:
        save_decision(gradebook, Question(ASSIGNMENT, NB, "control_q3", 0.25), ["correct"], 0.2,
                      "Хорошо, но без направлений развития.")
    run_nbgrader(["generate_feedback", ASSIGNMENT, "--student", "correct", "--force", "--log-level=ERROR"], course)
    html = (course / "feedback" / "correct" / ASSIGNMENT / f"{NB}.html").read_text(encoding="utf-8")
    assert "hidden tests folded" not in html and "_nnkit_make_checks" not in html
    assert "Тест пройден" in html
    assert "Хорошо, но без направлений развития." in html


def test_broken_rubric_is_reported_and_grading_goes_on(server, course):
    rubric = course / "rubric.yaml"
    kept = rubric.read_text(encoding="utf-8")
    rubric.write_text("questions:\n  control_q1: {levels: [{points: 0.25, comment: ok}], context: tsne}\n",
                      encoding="utf-8")
    try:
        with urllib.request.urlopen(f"{_url(server, 'control_q1')}?token={TOKEN}", timeout=30) as response:
            html = response.read().decode()
    finally:
        rubric.write_text(kept, encoding="utf-8")
    assert "questions.control_q1.context: expected a list of grade_ids" in html
    assert html.count('class="group') >= 4 and 'class="level"' not in html  # answers, no rubric buttons
