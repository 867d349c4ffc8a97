"""The student's standalone report: every required section, images embedded, no hidden code, PDF."""
import re
import subprocess
import sys

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from gradekit.course import REPO_ROOT, tool_environment
from gradekit.dev.lab import AUTOGRADED_ANSWERS, MANUAL_ANSWERS, TESTS
from gradekit.dev.source import read_master
from gradekit.feedback.report import find_browser, report_warnings, write_report

from test_feedback import FAILED, PASSED, failed, hidden_test_lines, notebook_path, page_text

# A 1x1 PNG: stands in for a plot.
PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
HIDDEN_LINE = "assert _nnkit_secret_answer() == 42"
TITLE = """# Лабораторная работа № 1. Проверочная работа

### Цель работы

Проверить отчёт.

### Задачи

- написать отчёт.

### Продолжительность и сроки сдачи

| Срок сдачи | Дата |
|---|---|
| Мягкий дедлайн | 29.02.2024 |"""


def meta(grade_id, **flags):
    return {"nbgrader": {"grade_id": grade_id, "grade": False, "solution": False, "locked": True,
                         "schema_version": 3, "task": False, **flags}}


def synthetic_notebook(student="**Студент:** Иванова Анна\n\n**Группа:** М-101"):
    """A filled-in report notebook with every part the report needs, in miniature."""
    cells = [new_markdown_cell(TITLE, metadata=meta("title")), new_markdown_cell(student),
             new_markdown_cell("### Как устроена проверка\n\nИнструкция о проверке.", metadata=meta("how_to")),
             new_code_cell(f"import numpy as np\n### BEGIN HIDDEN TESTS\n{HIDDEN_LINE}\n### END HIDDEN TESTS",
                           metadata=meta("imports"))]
    cells += [new_code_cell(f"answer_{name} = 1  # решение {name}", metadata=meta(name, solution=True, locked=False))
              for name in AUTOGRADED_ANSWERS]
    for name in ("plot_original", "plot_learnt"):
        plot = new_code_cell("plot_embedding(x, y)", metadata=meta(name))
        plot.outputs = [new_output("display_data", data={"image/png": PIXEL, "text/plain": "<Figure>"})]
        cells.append(plot)
    test = new_code_cell("print('Отлично!')\n### BEGIN HIDDEN TESTS\n_nnkit_checks.answer()\n### END HIDDEN TESTS",
                         metadata=meta("test_answer", grade=True, points=0.5))
    test.outputs = [new_output("stream", name="stdout", text="Отлично!\n")]
    cells += [test, new_markdown_cell("### Выводы\n\nСеть обучена, представления исследованы."),
              new_markdown_cell("### Контрольные вопросы\n\n**1.** Вопрос.")]
    cells += [new_markdown_cell(f"Ответ студента на {name}.", metadata=meta(name, grade=True, solution=True, points=0.25))
              for name in MANUAL_ANSWERS]
    return new_notebook(cells=cells)


def test_complete_notebook_makes_a_report_without_warnings(tmp_path):
    notebook = synthetic_notebook()
    assert report_warnings(notebook) == []
    path = tmp_path / "lab.ipynb"
    nbformat.write(notebook, path)
    messages = []
    [html_path] = write_report(path, tmp_path / "out", log=messages.append)
    assert html_path == tmp_path / "out" / "lab_report.html"
    page = html_path.read_text(encoding="utf-8")
    text = page_text(page)
    assert re.search(r"Отчёт по лабораторной работе\s*Студент: Иванова Анна\s*Группа: М-101", text)
    assert "<title>Отчёт — Иванова Анна</title>" in page
    assert page.count(f"data:image/png;base64,{PIXEL}") == 2
    assert HIDDEN_LINE not in text and "_nnkit_checks" not in text and "BEGIN HIDDEN" not in text
    assert "Инструкция о проверке" not in text  # grading instructions are no part of the report
    assert PASSED in text
    assert not any(m.startswith("Внимание") for m in messages)


def test_unfinished_notebook_gets_russian_warnings_and_a_report_anyway(tmp_path):
    notebook = synthetic_notebook("**Студент:** _впишите фамилию и имя_\n\n**Группа:** _впишите номер группы_")
    cells = {cell.metadata.get("nbgrader", {}).get("grade_id"): cell for cell in notebook.cells}
    cells["relu"].source = "# ВАШ КОД ЗДЕСЬ\nraise NotImplementedError()"
    cells["control_q2"].source = "ВАШ ОТВЕТ ЗДЕСЬ"
    cells["title"].source = cells["title"].source.replace("### Цель работы", "Цель:")
    path = tmp_path / "lab.ipynb"
    nbformat.write(notebook, path)
    messages = []
    write_report(path, log=messages.append)
    warnings = "\n".join(m for m in messages if m.startswith("Внимание"))
    for expected in ("фамилия и имя", "номер группы", "«цель работы»", "решение relu", "control_q2"):
        assert expected in warnings
    assert len(warnings.splitlines()) == 5
    text = page_text((tmp_path / "lab_report.html").read_text(encoding="utf-8"))
    assert re.search(r"Студент: не указано\s*Группа: не указано", text)


def test_command_line_writes_html_and_pdf_or_says_why_not(tmp_path):
    path = tmp_path / "lab.ipynb"
    nbformat.write(synthetic_notebook(), path)
    result = subprocess.run([sys.executable, "-m", "gradekit.feedback.report", str(path), "--pdf"],
                            cwd=REPO_ROOT, env=tool_environment(), capture_output=True, text=True, check=True)
    assert (tmp_path / "lab_report.html").is_file()
    if find_browser():
        assert (tmp_path / "lab_report.pdf").read_bytes().startswith(b"%PDF")
    else:
        assert "PDF не создан" in result.stderr


def plain(markdown):
    """Markdown source as its rendering reads: emphasis marks gone, whitespace collapsed."""
    return " ".join(re.sub(r"[*_`]", "", markdown).split())


def test_report_of_the_autograded_correct_submission(graded_courses, tmp_path):
    course = graded_courses["correct"]
    autograded = nbformat.read(notebook_path(course, "autograded", "correct"), as_version=4)
    messages = []
    written = write_report(notebook_path(course, "autograded", "correct"), tmp_path, pdf=bool(find_browser()),
                           log=messages.append)
    page = written[0].read_text(encoding="utf-8")
    text = " ".join(page_text(page).split())

    for section in ("Отчёт по лабораторной работе", "Лабораторная работа № 1. Numpy-имплементация",
                    "Цель работы", "Задачи", "Продолжительность и сроки сдачи", "Мягкий дедлайн 29.02.2024 5",
                    "Жёсткий дедлайн 14.03.2024 2.5", "Выводы", "Контрольные вопросы", "Список литературы"):
        assert section in text, section
    cells = {cell.metadata.get("nbgrader", {}).get("grade_id"): cell for cell in autograded.cells}
    for answer in AUTOGRADED_ANSWERS:  # the implementation, line by line
        for line in cells[answer].source.splitlines():
            assert " ".join(line.split()) in text, f"{answer}: {line}"
    for plot in ("plot_original", "plot_learnt"):  # the t-SNE plots, embedded
        [image] = [o.data["image/png"] for o in cells[plot].outputs if "image/png" in o.get("data", {})]
        assert f"data:image/png;base64,{image.strip()}" in page
    for answer in MANUAL_ANSWERS:  # conclusions and control questions with their answers
        assert plain(cells[answer].source) in text, answer
    failures = sum(failed(cells[test]) for test in TESTS)
    assert (text.count(PASSED), text.count(FAILED)) == (len(TESTS) - failures, failures)

    submitted = nbformat.read(notebook_path(course, "submitted", "correct"), as_version=4)
    assert [line for line in hidden_test_lines(read_master(), submitted) if line in text] == []
    # the sample leaves the title block as released: the student is told, the report is written anyway
    assert any("фамилия и имя" in m for m in messages)
    if find_browser():
        assert written[1].read_bytes().startswith(b"%PDF")
