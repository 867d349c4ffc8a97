"""One manually graded question across the class: the question, every submitted answer, saving a decision.

Everything is read from, and written to, nbgrader's gradebook through its public
API (`Gradebook.find_grade(...).manual_score`, `find_comment(...).manual_comment`),
so the Formgrader, `nbgrader export` and `generate_feedback` see the same grades.
A save touches only the grade and comment rows of the students it names: two TAs
grading different questions at the same time never overwrite each other.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
import re
import string
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

import nbformat
from nbgrader.api import (
    Assignment,
    Comment,
    Grade,
    Gradebook,
    GradeCell,
    MissingEntry,
    Notebook,
    SolutionCell,
    Student,
    SubmittedAssignment,
    SubmittedNotebook,
)
from nbgrader.utils import is_grade, is_solution

# read_answer's parameter `grade_id` would shadow the helper's own name
from gradekit.cells import grade_id as cell_grade_id
from gradekit.settings import Course

MAX_OUTPUT_CHARS = 2000
IMAGE_TYPES = ("image/png", "image/jpeg")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_BASE64 = (string.ascii_letters + string.digits + "+/=" + string.whitespace).encode()


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
    auto_score: float | None = None
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
    """(student id, "First Last" or "") of every submission of the assignment, sorted by id (one query)."""
    rows = gradebook.db.query(Student.id, Student.first_name, Student.last_name) \
        .join(SubmittedAssignment, SubmittedAssignment.student_id == Student.id) \
        .join(Assignment, Assignment.id == SubmittedAssignment.assignment_id) \
        .filter(Assignment.name == assignment)
    return sorted((student, " ".join(part for part in (first, last) if part)) for student, first, last in rows)


def _image(output: dict) -> tuple[str, str] | None:
    """(MIME type, base64 text) of a PNG/JPEG display output; None for anything else."""
    if output.get("output_type") not in ("display_data", "execute_result"):
        return None
    data = output.get("data") if isinstance(output.get("data"), dict) else {}
    image = next((t for t in IMAGE_TYPES if t in data), None)
    encoded = _text(data.get(image)) if image else ""
    return (image, encoded) if encoded and _is_base64(encoded) else None


def _is_base64(text: str) -> bool:
    """Only base64 characters and whitespace (bytes.translate: a table lookup per byte, fast on 100 kB)."""
    return text.isascii() and not text.encode("ascii").translate(None, _BASE64)


def _images(cell: dict) -> list[tuple[str, str]]:
    """(MIME type, base64 text) of each image output of a cell, in output order."""
    found = (_image(output) for output in cell.get("outputs") or [] if isinstance(output, dict))
    return [image for image in found if image]


def _texts(cell: dict) -> list[str]:
    """stdout, errors (name: message) and text results of a cell; stderr and images left out."""
    texts = []
    for output in cell.get("outputs") or []:
        if not isinstance(output, dict):
            continue
        kind = output.get("output_type")
        if kind == "stream":
            if output.get("name") == "stdout":  # stderr: library warnings, not the student's results
                texts.append(_text(output.get("text")))
        elif kind == "error":
            texts.append(f"{_text(output.get('ename'))}: {_text(output.get('evalue'))}")
        elif kind == "execute_result" and _image(output) is None:
            data = output.get("data") if isinstance(output.get("data"), dict) else {}
            if "text/plain" in data:
                texts.append(_text(data["text/plain"]))
    return [_ANSI.sub("", text)[:MAX_OUTPUT_CHARS] for text in texts if text.strip()]


def _cells(path: Path) -> dict[str, dict]:
    """{grade_id: cell} of an autograded notebook; GradingError naming only the file's name."""
    try:
        notebook = _read_submission(path)
    except FileNotFoundError:
        raise GradingError(f"no autograded notebook {path.name}") from None
    except OSError as error:  # str(error) holds the path, which holds the student id
        raise GradingError(f"unreadable notebook {path.name}: {error.strerror or type(error).__name__}") from None
    except (UnicodeDecodeError, ValueError) as error:  # JSONDecodeError is a ValueError
        raise GradingError(f"unreadable notebook {path.name}: {' '.join(str(error).split())[:200]}") from None
    cells = [cell for cell in notebook["cells"] if isinstance(cell, dict)]
    return {cell_grade_id(cell): cell for cell in cells if cell_grade_id(cell)}


def read_answer(path: Path, grade_id: str, context_ids: tuple[str, ...] = ()) -> tuple[str, list[str], list[str]]:
    """A student's answer cell and the outputs of the context cells, from the autograded notebook.

    Args:
        path: autograded/<student>/<assignment>/<notebook>.ipynb.
        grade_id: the answer cell.
        context_ids: grade_ids of cells whose images and text outputs go with the answer.

    Returns:
        (answer source, the MIME type of each image (`read_image` gives its bytes), output texts).

    Raises:
        GradingError: the notebook is missing, unreadable, or has no such cell.
    """
    by_id = _cells(path)
    if grade_id not in by_id:
        raise GradingError(f"the notebook has no cell {grade_id!r}")
    images, texts = [], []
    for context_id in context_ids:
        if context_id in by_id:
            images += [mime for mime, _ in _images(by_id[context_id])]
            texts += _texts(by_id[context_id])
    return _text(by_id[grade_id].get("source")), images, texts


def read_image(path: Path, context_ids: tuple[str, ...], number: int) -> tuple[str, bytes]:
    """One image output of the context cells, as the page links it (served apart, not in the page).

    Args:
        path: the autograded notebook.
        context_ids: the question's context cells (rubric.yaml).
        number: the image's position among the images `read_answer` lists.

    Returns:
        (MIME type, the decoded image).

    Raises:
        GradingError: unreadable notebook or no such image.
    """
    by_id = _cells(path)
    images = [image for context_id in context_ids if context_id in by_id for image in _images(by_id[context_id])]
    if not 0 <= number < len(images):
        raise GradingError("no such image")
    mime, encoded = images[number]
    try:
        return mime, base64.b64decode("".join(encoded.split()), validate=True)
    except binascii.Error:
        raise GradingError("damaged image") from None


def load_answers(course: Course, gradebook: Gradebook, question: Question,
                 context_ids: tuple[str, ...] = ()) -> list[Answer]:
    """Every submitted student's answer with its saved score and comment.

    A notebook that is missing or broken gives an Answer with `problem` set; the others load.
    """
    answers = []
    rows = question_rows(gradebook, question)
    autograded = course.directory("autograded")
    for student_id, name in submitted_students(gradebook, question.assignment):
        answer = Answer(student_id, name)
        if student_id not in rows:
            answer.problem = "not in the gradebook (not autograded yet?)"
            answers.append(answer)
            continue
        grade, comment = rows[student_id]
        answer.manual_score, answer.comment = grade.manual_score, comment.manual_comment or ""
        answer.auto_score = grade.auto_score
        answer.score = grade.manual_score if grade.manual_score is not None else grade.auto_score
        answer.graded = not grade.needs_manual_grade
        path = autograded / student_id / question.assignment / f"{question.notebook}.ipynb"
        try:
            answer.text, answer.images, answer.outputs = read_answer(path, question.grade_id, context_ids)
        except GradingError as error:
            answer.problem = str(error)
        answers.append(answer)
    return answers


class Keep(Enum):
    """The marker of a field that a save leaves as it is stored."""

    KEEP = "keep"


KEEP = Keep.KEEP
Stored = tuple[float | None, str]  # (manual score, manual comment or "") of one student


class ConflictError(GradingError):
    """Someone else changed a grade since the page showed it: nothing was written."""

    def __init__(self, stored: dict[str, Stored]) -> None:
        super().__init__(f"{len(stored)} of the students' grades were changed by someone else in the meantime")
        self.stored = stored


def stored_decisions(gradebook: Gradebook, question: Question, students: list[str]) -> dict[str, Stored]:
    """What the gradebook holds for these students: {student: (manual score, comment or "")}.

    Raises:
        GradingError: a student without this grade.
    """
    stored = {}
    for student, (grade, comment) in zip(students, _rows(gradebook, question, students)):
        stored[student] = (grade.manual_score, comment.manual_comment or "")
    return stored


def _rows(gradebook: Gradebook, question: Question, students: list[str]) -> list[tuple[Grade, Comment]]:
    rows = question_rows(gradebook, question, students)
    if any(student not in rows for student in students):
        raise GradingError(f"no submission of {question.grade_id!r} by that student")
    return [rows[student] for student in students]


def question_rows(gradebook: Gradebook, question: Question,
                  students: list[str] | None = None) -> dict[str, tuple[Grade, Comment]]:
    """The grade and comment rows of a question, in two queries (Gradebook.find_grade's joins, every student).

    Args:
        gradebook: an open gradebook.
        question: the question (a grade cell that is also a solution cell).
        students: only these student ids; None: every student who has the rows.

    Returns:
        {student id: (Grade, Comment)} for the students who have both rows.
    """
    found = []
    for row, cell in ((Grade, GradeCell), (Comment, SolutionCell)):
        query = gradebook.db.query(row, SubmittedAssignment.student_id) \
            .join(cell, cell.id == row.cell_id) \
            .join(SubmittedNotebook, SubmittedNotebook.id == row.notebook_id) \
            .join(Notebook, Notebook.id == SubmittedNotebook.notebook_id) \
            .join(SubmittedAssignment, SubmittedAssignment.id == SubmittedNotebook.assignment_id) \
            .join(Assignment, Assignment.id == SubmittedAssignment.assignment_id) \
            .filter(cell.name == question.grade_id, Notebook.name == question.notebook,
                    Assignment.name == question.assignment)
        if students is not None:
            query = query.filter(SubmittedAssignment.student_id.in_(students))
        found.append({student: item for item, student in query})
    grades, comments = found
    return {student: (grade, comments[student]) for student, grade in grades.items() if student in comments}


def save_decision(gradebook: Gradebook, question: Question, students: list[str], score: float | None | Keep,
                  comment: str | None | Keep, expected: dict[str, Stored] | None = None) -> None:
    """Write one score and/or comment for several students, as the Formgrader does, and commit.

    Args:
        gradebook: an open gradebook.
        question: the question graded.
        students: student ids; each must have submitted.
        score: points from 0 to the gradebook's maximum; None clears the manual score; KEEP leaves
            each student's score as it is.
        comment: the comment shown in the feedback; None or "" clears it; KEEP leaves each comment.
        expected: {student: (manual score, comment)} as the TA saw them; when a student's stored
            values differ, nothing is written (ConflictError). None: no check.

    Raises:
        GradingError: score out of range or not finite, or a student without this grade (nothing
            is written then).
        ConflictError: the stored values are no longer the expected ones (nothing is written).
    """
    if score is not KEEP and score is not None and not (math.isfinite(score) and 0 <= score <= question.max_score):
        raise GradingError(f"score {score:g} is outside 0..{question.max_score:g}")
    rows = _rows(gradebook, question, students)
    if expected is not None:
        stored = {student: (grade.manual_score, comment_row.manual_comment or "")
                  for student, (grade, comment_row) in zip(students, rows)}
        changed = {student: now for student, now in stored.items() if expected.get(student) != now}
        if changed:
            gradebook.db.rollback()
            raise ConflictError(changed)
    for grade, comment_row in rows:
        if score is not KEEP:
            grade.manual_score = score
            grade.needs_manual_grade = score is None and grade.auto_score is None
        if comment is not KEEP:
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
