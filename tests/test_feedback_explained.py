"""What a student receives explains itself: deadline note, readable tables, formulas offline.

One real submission (`late_correct`, handed in after the soft deadline) is
autograded once for the module, then fed through `nbgrader generate_feedback`
and the student report; the pages are opened in Chromium with the network blocked.
"""
import re
import shutil
import subprocess
import sys

import pytest
from nbconvert import HTMLExporter
from nbgrader.api import Gradebook

from gradekit.course import copy_course, grading_environment, run_nbgrader
from gradekit.dev.lab import ASSIGNMENT, COURSE_ID
from gradekit.dev.samples import load_sample, place_samples
from gradekit.feedback.report import report_notebook, write_report
from gradekit.feedback.table_style import TABLE_CSS
from test_feedback import notebook_path, page_text

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LATE = "late_correct"
GRADING_TIMEOUT = 1200

sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """A course where `late_correct` is autograded and its feedback generated."""
    course = copy_course(tmp_path_factory.mktemp("explained") / "course")
    run_nbgrader(["generate_assignment", ASSIGNMENT, "--force"], course)
    place_samples(course, [LATE])
    subprocess.run([sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT, "--force"], cwd=course,
                   env=grading_environment(), check=True, capture_output=True, timeout=GRADING_TIMEOUT)
    run_nbgrader(["generate_feedback", ASSIGNMENT, "--force"], course)
    return course


def feedback_html(course, student=LATE):
    return (course / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.skip("Chromium is not installed")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def offline_page(browser, html=None, path=None):
    """A page with every network request refused; returns (page, refused URLs)."""
    context = browser.new_context()
    refused = []
    context.route(re.compile(r"^https?://"), lambda route: (refused.append(route.request.url), route.abort()))
    page = context.new_page()
    if path is not None:
        page.goto(path.resolve().as_uri())
    else:
        page.set_content(html)
    page.wait_for_load_state("load")
    return page, refused


def test_late_feedback_states_submission_time_status_and_penalty(graded):
    text = page_text(feedback_html(graded))
    with Gradebook(f"sqlite:///{graded / 'gradebook.db'}", COURSE_ID) as gradebook:
        notebook = gradebook.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, LATE)
        score, penalty, max_score = notebook.score, notebook.late_submission_penalty, notebook.max_score
    assert penalty > 0
    sample_time = load_sample(LATE).timestamp  # "2024-03-07 18:00:00+03:00", Moscow = the course timezone
    assert sample_time.startswith("2024-03-07 18:00") and sample_time.endswith("+03:00")
    note = text[text.index("Сроки сдачи и штраф"):]
    assert "Время сдачи: 07.03.2024 18:00 МСК" in note
    assert "Мягкий срок: 29.02.2024 23:59 МСК" in note and "жёсткий срок: 14.03.2024 23:59 МСК" in note
    assert "Статус: сдано после мягкого срока" in note
    penalty_text = f"Штраф: −{round(penalty, 4):g} из {round(score, 4):g} набранных"
    assert penalty_text in note and "50 %" in note
    assert f"Итог: {round(score - penalty, 4):g} из {round(max_score, 4):g}" in note
    # the note is the first cell, above every graded cell, and agrees with nbgrader's own score line
    assert text.index("Сроки сдачи и штраф") < text.index("Grade cell:")
    assert f"(Score: {round(score - penalty, 2)} / {round(max_score, 2)})" in text


def test_regenerating_feedback_keeps_one_note(graded, tmp_path):
    copy = shutil.copytree(graded, tmp_path / "course", symlinks=True)
    feedback = copy / "feedback" / LATE / ASSIGNMENT / f"{ASSIGNMENT}.html"
    feedback.unlink()
    run_nbgrader(["generate_feedback", ASSIGNMENT, "--force"], copy)
    assert page_text(feedback.read_text(encoding="utf-8")).count("Сроки сдачи и штраф") == 1


def cell_text_gaps(page):
    """Horizontal gaps (px) between the texts of neighbouring cells in each row of the first
    Markdown table: the deadline table of the notebook."""
    return page.evaluate("""() => {
        const table = document.querySelector('.rendered_html table');
        const gaps = [];
        for (const row of table.querySelectorAll('tr')) {
            const boxes = [...row.children].map(cell => {
                const range = document.createRange();
                range.selectNodeContents(cell);
                return range.getBoundingClientRect();
            }).filter(box => box.width > 0);
            for (let i = 1; i < boxes.length; i++) gaps.push(boxes[i].left - boxes[i - 1].right);
        }
        return gaps;
    }""")


def test_feedback_tables_have_separated_cells(graded, browser):
    html = feedback_html(graded)
    assert TABLE_CSS in html
    page, _ = offline_page(browser, html)
    assert "29.02.2024" in page.inner_text(".rendered_html table")
    gaps = cell_text_gaps(page)
    assert gaps and min(gaps) >= 10, gaps
    borders = page.evaluate("getComputedStyle(document.querySelector('.rendered_html table td')).borderLeftStyle")
    assert borders == "solid"
    # the same page without the kit's CSS is what nbgrader hands out: the cells run together
    stock, _ = offline_page(browser, html.replace(TABLE_CSS, ""))
    assert min(cell_text_gaps(stock)) < 3


def test_report_renders_formulas_without_network(graded, browser, tmp_path):
    notebook = notebook_path(graded, "autograded", LATE)
    html_path = write_report(notebook, tmp_path, log=lambda message: None)[0]
    page, refused = offline_page(browser, path=html_path)
    page.wait_for_selector("mjx-container", timeout=30000)
    page.wait_for_timeout(500)
    assert refused == []  # nothing is fetched from the network at all
    assert page.locator("mjx-container svg").count() >= 5
    text = page.inner_text("body")
    assert "X \\cdot W + b" not in text and "$X$" not in text
    assert not re.search(r"\$[^$\n]{1,80}\$", text)
    # nbconvert's stock lab template loads MathJax from a CDN: offline the TeX source stays visible
    import nbformat
    stock_html = HTMLExporter(template_name="lab").from_notebook_node(
        report_notebook(nbformat.read(notebook, as_version=4)))[0]
    stock, stock_refused = offline_page(browser, stock_html)
    assert any("mathjax" in url.lower() for url in stock_refused)
    assert "$f(X) = X \\cdot W + b$" in stock.inner_text("body")


# --- the note's text for other cases, without grading (fast) -----------------------

def test_note_for_on_time_too_late_and_extended_submissions():
    import datetime
    from zoneinfo import ZoneInfo

    from gradekit.deadlines import FinalScore, SoftHardDeadlines
    from gradekit.feedback.deadline_note import deadline_note

    def result(status, raw, penalty, pending=False):
        return FinalScore(status, 0.0, raw, penalty, raw - penalty, 5.0, pending)

    deadlines = SoftHardDeadlines(soft_deadline="2024-02-29", hard_deadline="2024-03-14", timezone="Europe/Moscow")
    moscow = ZoneInfo("Europe/Moscow")
    on_time = deadline_note(deadlines, datetime.datetime(2024, 2, 20, 18, tzinfo=moscow), None,
                            result("on_time", 5.0, 0.0))
    assert "Статус:** сдано вовремя" in on_time and "Штраф:** нет" in on_time and "Итог:** 5 из 5" in on_time
    assert "могут добавиться" not in on_time  # nothing left to grade by hand
    too_late = deadline_note(deadlines, datetime.datetime(2024, 3, 20, 18, tzinfo=moscow), None,
                             result("too_late", 3.75, 3.75, pending=True))
    assert "после жёсткого срока" in too_late and "−3.75 из 3.75" in too_late and "Итог:** 0 из 5" in too_late
    assert "могут добавиться позже" in too_late
    # three days of extension: both deadlines move, and the note says why
    extended = deadline_note(deadlines, datetime.datetime(2024, 3, 2, 12, tzinfo=moscow),
                             datetime.timedelta(days=3), result("on_time", 5.0, 0.0))
    assert "03.03.2024 23:59 МСК" in extended and "17.03.2024 23:59 МСК" in extended
    assert "продления на 3 сут." in extended and "вовремя" in extended
    missing_time = deadline_note(deadlines, None, None, result("on_time", 5.0, 0.0))
    assert "не указано" in missing_time
