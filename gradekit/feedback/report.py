"""The student's standalone report: the filled notebook as one HTML file (and PDF).

    python -m gradekit.feedback.report NOTEBOOK.ipynb [--out DIR] [--pdf]

The notebook is the report template (title, aims, tasks, implementation, plots,
conclusions, control questions). The report is that notebook rendered with its
images embedded, hidden tests and error frames removed exactly as in the nbgrader
feedback, and a header with the student's name and group. Missing or unanswered
parts are reported as warnings; the report is written anyway.
"""
import argparse
import base64
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from importlib import resources as package_files
from pathlib import Path

import nbformat
from nbformat.v4 import new_markdown_cell
from nbgrader.utils import is_grade, is_solution

from gradekit.cells import grade_id
from gradekit.course import REPO_ROOT
from gradekit.feedback.redact import MarkTestResults, RedactHiddenTests
from gradekit.feedback.sanitize import SafeHTMLExporter
from gradekit.settings import CourseError, load_course

# Cells about how the notebook is graded and handed in: instructions, not report content.
INSTRUCTION_CELLS = ("how_to", "report_requirements")
PLOT_CELLS = ("plot_original", "plot_learnt")
# The notebook's own placeholders ("_впишите фамилию и имя_", "_Кратко опишите..._").
PLACEHOLDER = re.compile(r"впишите|кратко опишите", re.IGNORECASE)

STUDENT = re.compile(r"\*\*Студент:\*\*(.*)")
GROUP = re.compile(r"\*\*Группа:\*\*(.*)")
LAB_TITLE = re.compile(r"^#\s*(Лабораторная работа №.*)$", re.MULTILINE)

# Headings every report has, in the words the template uses.
REQUIRED_HEADINGS = {
    "Цель работы": "цель работы",
    "Задачи": "задачи",
    "Продолжительность и сроки сдачи": "сроки сдачи",
    "Выводы": "выводы",
    "Контрольные вопросы": "контрольные вопросы",
}

# The report is nbconvert's `lab` template with MathJax embedded (templates/offline_math): formulas
# render without network, in the browser and in the PDF printed by headless Chromium.
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
REPORT_TEMPLATE = "offline_math"
# The -full build holds every TeX extension: the data: URL leaves MathJax no path to load one from, and
# a single \boldsymbol or \color asking for one stopped every formula of the page.
MATHJAX_SCRIPT = "static/mathjax/es5/tex-svg-full.js"

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def cells_by_grade_id(notebook):
    return {grade_id(cell): cell for cell in notebook.cells if grade_id(cell)}


def field_value(pattern, text):
    match = pattern.search(text)
    return match.group(1).strip(" *_") if match else ""


def is_title_block(cell):
    return cell.cell_type == "markdown" and bool(STUDENT.search(cell.source))


def title_block(notebook):
    """(student, group) as written in the title block, empty when there is none."""
    for cell in notebook.cells:
        if is_title_block(cell):
            return field_value(STUDENT, cell.source), field_value(GROUP, cell.source)
    return "", ""


def given(value):
    """The value the student wrote, empty while the template's placeholder is still there."""
    return "" if PLACEHOLDER.search(value) else value


def lab_title(notebook):
    for cell in notebook.cells:
        match = LAB_TITLE.search(cell.source) if cell.cell_type == "markdown" else None
        if match:
            return match.group(1).strip()
    return ""


def course_stubs(course_dir=REPO_ROOT):
    """(code stub, text stub) of the course: the code stub's last line (its `raise ...`), the text stub."""
    code, text = load_course(course_dir).stubs()
    lines = [line for line in code.splitlines() if line.strip()]
    return (lines[-1].strip() if lines else ""), text.strip()


def is_unanswered(text, text_stub):
    return not text.strip() or (text_stub and text_stub in text) or bool(PLACEHOLDER.search(text))


def has_image(cell):
    return any("image/png" in output.get("data", {}) for output in cell.get("outputs", []))


def report_warnings(notebook, stubs=None):
    """Russian warnings about what the report still lacks (empty when it is complete).

    Args:
        notebook: a filled-in (or autograded) notebook.
        stubs: (code stub, text stub) as course_stubs() gives them; default: this course's.

    Returns:
        The warnings, in Russian.
    """
    code_stub, text_stub = stubs or course_stubs()
    warnings = []
    student, group = title_block(notebook)
    if not given(student):
        warnings.append("не указаны фамилия и имя студента (строка «Студент:» в начале блокнота)")
    if not given(group):
        warnings.append("не указан номер группы (строка «Группа:» в начале блокнота)")
    if not lab_title(notebook):
        warnings.append("нет номера и названия лабораторной работы")

    markdown = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    for heading, name in REQUIRED_HEADINGS.items():
        if not re.search(rf"^#+\s*{heading}", markdown, re.MULTILINE):
            warnings.append(f"нет раздела «{name}»")

    cells = cells_by_grade_id(notebook)
    # the answers are the notebook's own solution cells (nbgrader metadata): code ones, then the written ones
    code_answers = [grade_id(c) for c in notebook.cells if c.cell_type == "code" and is_solution(c) and grade_id(c)]
    manual_answers = [grade_id(c) for c in notebook.cells
                      if c.cell_type == "markdown" and is_solution(c) and is_grade(c) and grade_id(c)]
    for answer in code_answers:
        if code_stub and code_stub in cells[answer].source:
            warnings.append(f"решение {answer} не написано (осталась заготовка NotImplementedError)")
    if not any(cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"):
        warnings.append("блокнот не выполнен: в отчёте не будет результатов и графиков")
    elif not all(name in cells and has_image(cells[name]) for name in PLOT_CELLS):
        warnings.append("нет графиков t-SNE (выполните ячейки с plot_embedding)")
    for answer in manual_answers:
        if is_unanswered(cells[answer].source, text_stub):
            warnings.append(f"нет ответа в ячейке {answer}")
    conclusions = [cell for cell in notebook.cells
                   if cell.cell_type == "markdown" and re.match(r"#+\s*Выводы", cell.source.strip())]
    if conclusions and is_unanswered(re.sub(r"^#+\s*Выводы", "", conclusions[0].source.strip()), text_stub):
        warnings.append("раздел «Выводы» не заполнен")
    return warnings


def header_cell(notebook):
    """The report's header; it takes the place of the title block it is made from."""
    student, group = title_block(notebook)
    lines = ["**Отчёт по лабораторной работе**  ", f"**Студент:** {given(student) or 'не указано'}  ",
             f"**Группа:** {given(group) or 'не указано'}  ", f"**Дата отчёта:** {date.today():%d.%m.%Y}"]
    return new_markdown_cell("\n".join(lines))


def report_notebook(notebook):
    """A copy of the notebook laid out as the report (hidden tests are removed later, by the exporter)."""
    report = nbformat.from_dict(notebook)
    report.cells = [header_cell(notebook)] + [cell for cell in report.cells
                                              if grade_id(cell) not in INSTRUCTION_CELLS
                                              and not is_title_block(cell)]
    return report


def offline_mathjax_src() -> str:
    """MathJax 3 (TeX input, SVG output: no font files to fetch) from the PyPI package
    django-static-mathjax, as a data: URL to embed in the report."""
    script = package_files.files("mathjax").joinpath(*MATHJAX_SCRIPT.split("/")).read_bytes()
    return "data:text/javascript;base64," + base64.b64encode(script).decode("ascii")


def render_html(notebook):
    # student HTML is sanitised (gradekit.feedback.sanitize): the report opens in a TA's browser too
    exporter = SafeHTMLExporter(template_name=REPORT_TEMPLATE, extra_template_basedirs=[str(TEMPLATES_DIR)],
                                embed_images=True)
    exporter.register_preprocessor(RedactHiddenTests(), enabled=True)
    exporter.register_preprocessor(MarkTestResults(), enabled=True)
    student = given(title_block(notebook)[0])
    title = f"Отчёт — {student}" if student else "Отчёт"
    html, _ = exporter.from_notebook_node(report_notebook(notebook), resources={
        "metadata": {"name": title}, "offline_mathjax_src": offline_mathjax_src()})
    return html


def find_browser():
    return next((path for path in map(shutil.which, BROWSERS) if path), None)


def print_pdf(html_path, pdf_path, browser):
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
                        "--no-pdf-header-footer", f"--print-to-pdf={pdf_path}", html_path.resolve().as_uri()],
                       check=True, capture_output=True, timeout=300)


def write_report(notebook_path, out_dir=None, pdf=False, log=print, stubs=None):
    """Write NAME_report.html (and .pdf) next to the notebook or into out_dir; return the paths written."""
    notebook_path = Path(notebook_path)
    out_dir = Path(out_dir) if out_dir else notebook_path.parent
    out_dir.mkdir(parents=True, exist_ok=True)
    notebook = nbformat.read(notebook_path, as_version=4)
    for warning in report_warnings(notebook, stubs):
        log(f"Внимание: {warning}.")
    html_path = out_dir / f"{notebook_path.stem}_report.html"
    html_path.write_text(render_html(notebook), encoding="utf-8")
    written = [html_path]
    if pdf:
        browser = find_browser()
        if browser is None:
            log("PDF не создан: не найден браузер Chromium или Chrome. Откройте HTML-отчёт в браузере "
                "и сохраните его в PDF через «Печать».")
        else:
            pdf_path = html_path.with_suffix(".pdf")
            try:
                print_pdf(html_path, pdf_path, browser)
                written.append(pdf_path)
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
                log(f"PDF не создан: {browser} завершился с ошибкой ({error}). HTML-отчёт записан.")
    for path in written:
        log(f"Отчёт записан: {path}")
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(description="Отчёт по лабораторной работе из выполненного блокнота.")
    parser.add_argument("notebook", help="выполненный блокнот .ipynb")
    parser.add_argument("--out", help="папка для отчёта (по умолчанию — папка блокнота)")
    parser.add_argument("--pdf", action="store_true", help="также напечатать отчёт в PDF (нужен Chromium)")
    parser.add_argument("--course-dir", default=".",
                        help="папка курса с nbgrader_config.py (заготовки ответов); "
                             "по умолчанию текущая или курс набора")
    args = parser.parse_args(argv)
    try:
        stubs = course_stubs(args.course_dir)
    except CourseError:
        stubs = course_stubs()
    write_report(args.notebook, args.out, args.pdf, log=lambda message: print(message, file=sys.stderr), stubs=stubs)


if __name__ == "__main__":
    main()
