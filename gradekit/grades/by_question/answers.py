"""One manually graded question across the class: the question, every submitted answer, saving a decision.

Everything is read from, and written to, nbgrader's gradebook through its public
API (`Gradebook.find_grade(...).manual_score`, `find_comment(...).manual_comment`),
so the Formgrader, `nbgrader export` and `generate_feedback` see the same grades.
A save touches only the grade and comment rows of the students it names: two TAs
grading different questions at the same time never overwrite each other.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.utils import is_grade, is_solution

# read_answer's parameter `grade_id` would shadow the helper's own name
from gradekit.cells import grade_id as cell_grade_id
from gradekit.settings import Course

MAX_OUTPUT_CHARS = 2000
IMAGE_TYPES = ("image/png", "image/jpeg")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_BASE64 = re.compile(r"^[A-Za-z0-9+/=\s]*$")


class GradingError(Exception):
    """A decision that cannot be saved (unknown question or student, score out of range)."""


@dataclass(frozen=True)
class Question:
    """A manually graded cell of a notebook (a grade cell that is also a solution cell)."""

    assignment: str
    notebook: str
    grade_id: str
    max_score: float
    prompt: str = ""


@dataclass
class Answer:
    """One student's answer to a question, what goes with it, and its saved grade."""

    student_id: str
    name: str
    text: str = ""
    problem: str | None = None
    images: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    score: float | None = None
    manual_score: float | None = None
    comment: str = ""
    graded: bool = False


def _read_notebook(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(str(path), as_version=nbformat.NO_CONVERT)


def _read_submission(path: Path) -> dict:
    """A student's notebook as plain JSON: ten times faster than nbformat's validating read, which
    matters at a class of hundreds; every field is then read defensively (_text, .get)."""
    with open(path, encoding="utf-8") as handle:
        notebook = json.load(handle)
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise ValueError("not a notebook (no list of cells)")
    return notebook


def _text(value: object) -> str:
    """A notebook string field, stored as a string or a list of lines."""
    if isinstance(value, list):
        return "".join(str(part) for part in value)
    return value if isinstance(value, str) else ""


def question_prompts(notebook: nbformat.NotebookNode) -> dict[str, str]:
    """For each manually graded cell, the Markdown that asks the question.

    Args:
        notebook: the released (or source) notebook.

    Returns:
        {grade_id: the nearest Markdown cell before the answer cell (code cells in between are
        skipped); "" when that is another answer cell}.
    """
    prompts: dict[str, str] = {}
    cells = notebook.cells
    for index, cell in enumerate(cells):
        if not (is_grade(cell) and is_solution(cell)):
            continue
        prompts[cell_grade_id(cell)] = ""
        for previous in reversed(cells[:index]):
            if previous.cell_type != "markdown":
                continue
            if not is_solution(previous):
                prompts[cell_grade_id(cell)] = previous.source
            break
    return prompts


def manual_questions(course: Course, gradebook: Gradebook, assignment: str) -> list[Question]:
    """The manually graded questions of an assignment, in notebook order.

    Args:
        course: the course (its release/source notebooks give the order and the question text).
        gradebook: an open gradebook.
        assignment: the assignment name.

    Returns:
        One Question per grade cell that is also a solution cell; the maximum is the gradebook's.
    """
    questions = []
    for notebook in gradebook.find_assignment(assignment).notebooks:
        solution_ids = {cell.name for cell in notebook.solution_cells}
        manual = {cell.name: cell for cell in notebook.grade_cells if cell.name in solution_ids}
        order, prompts = list(manual), {}
        for stage in ("release", "source"):
            path = course.assignment_dir(stage, None, assignment) / f"{notebook.name}.ipynb"
            try:
                released = _read_notebook(path)
            except Exception:  # a missing or broken file: try the next one, or go without prompts
                continue
            prompts = question_prompts(released)
            position = {cell_grade_id(cell): i for i, cell in enumerate(released.cells)}
            order.sort(key=lambda name: position.get(name, len(position)))
            break
        questions += [Question(assignment, notebook.name, name, float(manual[name].max_score),
                               prompts.get(name, "")) for name in order]
    return questions


def find_question(course: Course, gradebook: Gradebook, assignment: str, notebook: str,
                  grade_id: str) -> Question:
    """The Question with these names; GradingError when it is not a manually graded cell."""
    try:
        questions = manual_questions(course, gradebook, assignment)
    except MissingEntry:
        raise GradingError(f"the gradebook has no assignment {assignment!r}") from None
    for question in questions:
        if (question.notebook, question.grade_id) == (notebook, grade_id):
            return question
    raise GradingError(f"{assignment}/{notebook}: no manually graded cell {grade_id!r}")


def submitted_students(gradebook: Gradebook, assignment: str) -> list[tuple[str, str]]:
    """(student id, "First Last" or "") of every submission of the assignment, sorted by id."""
    students = []
    for submission in gradebook.find_assignment(assignment).submissions:
        student = submission.student
        name = " ".join(part for part in (student.first_name, student.last_name) if part)
        students.append((student.id, name))
    return sorted(students)


def _context(cell: dict) -> tuple[list[str], list[str]]:
    images, texts = [], []
    for output in cell.get("outputs") or []:
        if not isinstance(output, dict):
            continue
        kind = output.get("output_type")
        if kind == "stream":
            if output.get("name") == "stdout":  # stderr: library warnings, not the student's results
                texts.append(_text(output.get("text")))
        elif kind == "error":
            texts.append(f"{_text(output.get('ename'))}: {_text(output.get('evalue'))}")
        elif kind in ("display_data", "execute_result"):
            data = output.get("data") if isinstance(output.get("data"), dict) else {}
            image = next((t for t in IMAGE_TYPES if t in data), None)
            encoded = _text(data.get(image)) if image else ""
            if encoded and _BASE64.match(encoded):
                images.append(f"data:{image};base64," + "".join(encoded.split()))
            elif kind == "execute_result" and "text/plain" in data:
                texts.append(_text(data["text/plain"]))
    texts = [_ANSI.sub("", text)[:MAX_OUTPUT_CHARS] for text in texts if text.strip()]
    return images, texts


def read_answer(path: Path, grade_id: str, context_ids: tuple[str, ...] = ()) -> tuple[str, list[str], list[str]]:
    """A student's answer cell and the outputs of the context cells, from the autograded notebook.

    Args:
        path: autograded/<student>/<assignment>/<notebook>.ipynb.
        grade_id: the answer cell.
        context_ids: grade_ids of cells whose images and text outputs go with the answer.

    Returns:
        (answer source, image data URIs, output texts).

    Raises:
        GradingError: the notebook is missing, unreadable, or has no such cell.
    """
    try:
        notebook = _read_submission(path)
    except FileNotFoundError:
        raise GradingError(f"no autograded notebook {path.name}") from None
    except (OSError, UnicodeDecodeError, ValueError) as error:  # JSONDecodeError is a ValueError
        raise GradingError(f"unreadable notebook {path.name}: {' '.join(str(error).split())[:200]}") from None
    cells = [cell for cell in notebook["cells"] if isinstance(cell, dict)]
    by_id = {cell_grade_id(cell): cell for cell in cells if cell_grade_id(cell)}
    if grade_id not in by_id:
        raise GradingError(f"the notebook has no cell {grade_id!r}")
    images, texts = [], []
    for context_id in context_ids:
        if context_id in by_id:
            cell_images, cell_texts = _context(by_id[context_id])
            images += cell_images
            texts += cell_texts
    return _text(by_id[grade_id].get("source")), images, texts


def load_answers(course: Course, gradebook: Gradebook, question: Question,
                 context_ids: tuple[str, ...] = ()) -> list[Answer]:
    """Every submitted student's answer with its saved score and comment.

    A notebook that is missing or broken gives an Answer with `problem` set; the others load.
    """
    answers = []
    for student_id, name in submitted_students(gradebook, question.assignment):
        answer = Answer(student_id, name)
        try:
            grade = gradebook.find_grade(question.grade_id, question.notebook, question.assignment, student_id)
            comment = gradebook.find_comment(question.grade_id, question.notebook, question.assignment, student_id)
        except MissingEntry:
            answer.problem = "not in the gradebook (not autograded yet?)"
            answers.append(answer)
            continue
        answer.manual_score, answer.comment = grade.manual_score, comment.manual_comment or ""
        answer.score = grade.manual_score if grade.manual_score is not None else grade.auto_score
        answer.graded = not grade.needs_manual_grade
        path = course.assignment_dir("autograded", student_id, question.assignment) / f"{question.notebook}.ipynb"
        try:
            answer.text, answer.images, answer.outputs = read_answer(path, question.grade_id, context_ids)
        except GradingError as error:
            answer.problem = str(error)
        answers.append(answer)
    return answers


def save_decision(gradebook: Gradebook, question: Question, students: list[str], score: float | None,
                  comment: str | None) -> None:
    """Write one score and comment for several students, as the Formgrader does, and commit.

    Args:
        gradebook: an open gradebook.
        question: the question graded.
        students: student ids; each must have submitted.
        score: points from 0 to the gradebook's maximum; None clears the manual score.
        comment: the comment shown in the feedback; None or "" clears it.

    Raises:
        GradingError: score out of range or a student without this grade (nothing is written then).
    """
    if score is not None and not 0 <= score <= question.max_score:
        raise GradingError(f"score {score:g} is outside 0..{question.max_score:g}")
    rows = []
    for student in students:
        try:
            rows.append((gradebook.find_grade(question.grade_id, question.notebook, question.assignment, student),
                         gradebook.find_comment(question.grade_id, question.notebook, question.assignment, student)))
        except MissingEntry:
            raise GradingError(f"no submission of {question.grade_id!r} by that student") from None
    for grade, comment_row in rows:
        grade.manual_score = score
        grade.needs_manual_grade = score is None and grade.auto_score is None
        comment_row.manual_comment = comment or None
    gradebook.db.commit()


class StudentTokens:
    """Opaque, per-server tokens for student ids, so an anonymous page holds no id at all."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def token(self, student_id: str) -> str:
        """The token of one student (stable while the server runs)."""
        return hmac.new(self._secret, student_id.encode(), hashlib.sha256).hexdigest()[:20]

    def resolve(self, tokens: list[str], student_ids: list[str]) -> list[str]:
        """The student ids behind tokens; GradingError for a token that matches no submitted student."""
        by_token = {self.token(student): student for student in student_ids}
        unknown = [t for t in tokens if t not in by_token]
        if unknown:
            raise GradingError(f"{len(unknown)} unknown student token(s): reload the page")
        return [by_token[t] for t in tokens]
