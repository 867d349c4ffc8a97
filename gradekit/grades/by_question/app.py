"""The grade-by-question page: a jupyter_server extension next to nbgrader's Formgrader.

    /grade-by-question                                   the questions with their progress
    /grade-by-question/<assignment>/<notebook>/<grade_id>  one question, every student (?anonymous=1)
    POST /grade-by-question/api/<assignment>/<notebook>/<grade_id>  save one decision
    GET  /grade-by-question/api/<assignment>/<notebook>/<grade_id>?students=t1,t2  what is stored
    GET  /grade-by-question/image/<assignment>/<notebook>/<grade_id>/<token>/<n>  an output image

Every handler is behind the server's login (`tornado.web.authenticated`, the
server's token) and XSRF check. Student text is rendered with raw HTML disabled
(render.py) into Jinja2 templates with autoescape, and the pages carry a strict
Content-Security-Policy (scripts and styles only from the extension's static files).
The gradebook and notebook work runs in a thread pool, off the server's event loop,
so a long page for one TA never holds up another TA's save.
"""
from __future__ import annotations

import json
import math
import secrets
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from jinja2 import Environment, FileSystemLoader, select_autoescape
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.extension.application import ExtensionApp
from jupyter_server.extension.handler import ExtensionHandlerMixin
from jupyter_server.utils import url_path_join
from nbgrader.api import Grade, Gradebook
from tornado import web
from tornado.ioloop import IOLoop
from traitlets import Float, Unicode

from gradekit.grades.by_question.answers import (
    KEEP,
    Answer,
    ConflictError,
    GradingError,
    Keep,
    Question,
    StudentTokens,
    find_question,
    load_answers,
    manual_questions,
    question_rows,
    read_image,
    save_decision,
    stored_decisions,
    submitted_students,
)
from gradekit.grades.by_question.grouping import NEAR_IDENTICAL, group_items, most_common, normalise
from gradekit.grades.by_question.render import render_markdown
from gradekit.grades.by_question.rubric import RUBRIC_FILE, QuestionRubric, RubricError, load_rubric
from gradekit.settings import Course, CourseError, load_course

HERE = Path(__file__).parent
URL = "/grade-by-question"
NAME = "grade_by_question"
R = TypeVar("R")
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; form-action 'self'; base-uri 'none'")


class ByQuestionApp(ExtensionApp):
    """Grade one manual question for the whole class (served by the TAs' Jupyter server)."""

    name = NAME
    default_url = URL
    load_other_extensions = True
    static_paths = [str(HERE / "static")]

    course_dir = Unicode("", help="The nbgrader course directory (holding nbgrader_config.py); "
                                  "empty: the server's root directory.").tag(config=True)
    rubric_file = Unicode(RUBRIC_FILE, help="The rubric file, relative to the course directory.").tag(config=True)
    similarity = Float(NEAR_IDENTICAL, help="similarity ratio (2 * LCS / total length) of two normalised answers "
                                            "from which they are "
                                            "grouped as one (1.0: only identical ones).").tag(config=True)

    def initialize_settings(self) -> None:
        self.templates = Environment(loader=FileSystemLoader(str(HERE / "templates")),
                                     autoescape=select_autoescape(default=True, default_for_string=True))
        self.tokens = StudentTokens(secrets.token_bytes(32))
        self.save_lock = threading.Lock()  # a save's conflict check and write are one step per server

    def initialize_handlers(self) -> None:
        part = r"([^/]+)"
        self.handlers.extend([
            (URL + r"/?", IndexHandler),
            (f"{URL}/api/{part}/{part}/{part}", SaveHandler),
            (f"{URL}/image/{part}/{part}/{part}/{part}/([0-9]{{1,4}})", ImageHandler),
            (f"{URL}/{part}/{part}/{part}/?", QuestionHandler),
        ])

    def course(self) -> Course:
        """The course of this server (CourseError when the directory is no nbgrader course)."""
        try:
            return load_course(self.course_dir or self.serverapp.root_dir)
        except CourseError as error:
            raise CourseError(f"{error} (start the server in the course directory, or set "
                              "c.ByQuestionApp.course_dir in jupyter_server_config.py)") from None


class PageHandler(ExtensionHandlerMixin, JupyterHandler):
    """Common parts: the course, the CSP header, rendering."""

    @property
    def app(self) -> ByQuestionApp:
        return self.extensionapp

    @property
    def content_security_policy(self) -> str:
        return f"{super().content_security_policy}; {PAGE_CSP}"

    @property
    def anonymous(self) -> bool:
        return self.get_query_argument("anonymous", "0") not in ("", "0", "false", "no")

    async def off_loop(self, work: Callable[[], R]) -> R:
        """Run blocking work (gradebook, notebooks, grouping) in a worker thread, off the event loop."""
        return await IOLoop.current().run_in_executor(None, work)

    def page_names(self) -> dict[str, object]:
        """The names every template uses (read here, on the event loop: the XSRF token sets a cookie)."""
        return dict(static=lambda name: url_path_join(self.base_url, "static", NAME, name),
                    home=url_path_join(self.base_url, URL.lstrip("/")), anonymous=self.anonymous,
                    xsrf=self.xsrf_token.decode() if isinstance(self.xsrf_token, bytes) else self.xsrf_token)

    def render_page(self, template: str, **context: object) -> None:
        """Render a template (autoescaped) with the common names and finish the response."""
        self.finish_page(self.app.templates.get_template(template).render(**self.page_names(), **context))

    def finish_page(self, html: str) -> None:
        """Send a rendered page (never cached: it shows grades)."""
        self.set_header("Cache-Control", "no-store")
        self.finish(html)

    def render_error(self, status: int, message: str) -> None:
        """A page with one error line (no traceback)."""
        self.set_status(status)
        self.render_page("error.html", message=message)

    def rubric(self, course: Course) -> tuple[dict[str, QuestionRubric], str | None]:
        """The course's rubric, re-read on every page; ({}, the problem) when the file is malformed."""
        try:
            return load_rubric(course.root / self.app.rubric_file), None
        except RubricError as error:
            return {}, str(error)


class IndexHandler(PageHandler):
    """Every manual question of every assignment with its progress."""

    @web.authenticated
    async def get(self) -> None:
        try:
            course, assignments = await self.off_loop(self._progress)
        except CourseError as error:
            return self.render_error(500, str(error))
        self.render_page("index.html", assignments=assignments, course_id=course.course_id)

    def _progress(self) -> tuple[Course, list[dict]]:
        course = self.app.course()
        with course.gradebook() as gradebook:
            assignments = []
            for assignment in sorted(a.name for a in gradebook.assignments):
                total = len(submitted_students(gradebook, assignment))
                rows = []
                for question in manual_questions(course, gradebook, assignment):
                    graded = sum(1 for grade in _grades(gradebook, question) if not grade.needs_manual_grade)
                    rows.append(dict(question=question, graded=graded, total=total,
                                     url=self._question_url(question)))
                assignments.append(dict(name=assignment, questions=rows))
        return course, assignments

    def _question_url(self, question: Question) -> str:
        url = url_path_join(self.base_url, URL.lstrip("/"), question.assignment, question.notebook, question.grade_id)
        return url + ("?anonymous=1" if self.anonymous else "")


def _grades(gradebook: Gradebook, question: Question) -> list[Grade]:
    """The grade rows of a question, one per submitted student who has it."""
    return [grade for grade, _ in question_rows(gradebook, question).values()]


class QuestionHandler(PageHandler):
    """One question: the answers grouped, the rubric, the grading forms."""

    @web.authenticated
    async def get(self, assignment: str, notebook: str, grade_id: str) -> None:
        names = self.page_names()
        try:
            html = await self.off_loop(lambda: self._page(names, assignment, notebook, grade_id))
        except CourseError as error:
            return self.render_error(500, str(error))
        except GradingError as error:
            return self.render_error(404, str(error))
        self.finish_page(html)

    def _page(self, names: dict[str, object], assignment: str, notebook: str, grade_id: str) -> str:
        """The rendered page (runs in a worker thread: notebooks, gradebook, grouping, Markdown)."""
        course = self.app.course()
        rubrics, rubric_problem = self.rubric(course)
        with course.gradebook() as gradebook:
            question = find_question(course, gradebook, assignment, notebook, grade_id)
            rubric = rubrics.get(grade_id, QuestionRubric()).usable(question.max_score)
            answers = load_answers(course, gradebook, question, rubric.context)
            siblings = manual_questions(course, gradebook, assignment)
        if self.anonymous:
            answers.sort(key=lambda a: self.app.tokens.token(a.student_id))
        groups = answer_groups(answers, self.app.tokens, self.anonymous, self.app.similarity)
        position = [(q.notebook, q.grade_id) for q in siblings].index((notebook, grade_id))
        links = {name: url_path_join(self.base_url, URL.lstrip("/"), q.assignment, q.notebook, q.grade_id)
                 + ("?anonymous=1" if self.anonymous else "")
                 for name, q in (("previous", siblings[position - 1] if position else None),
                                 ("next", siblings[position + 1] if position + 1 < len(siblings) else None))
                 if q is not None}
        api = url_path_join(self.base_url, URL.lstrip("/"), "api", assignment, notebook, grade_id)
        images = url_path_join(self.base_url, URL.lstrip("/"), "image", assignment, notebook, grade_id)
        return self.app.templates.get_template("question.html").render(
            **names, question=question, prompt=render_markdown(question.prompt), groups=groups, rubric=rubric,
            rubric_problem=rubric_problem, api=api, images=images, links=links,
            graded=sum(a.graded for a in answers), total=len(answers),
            toggle=self.request.path + ("" if self.anonymous else "?anonymous=1"))


def answer_groups(answers: list[Answer], tokens: StudentTokens, anonymous: bool, threshold: float) -> list[dict]:
    """What the question page shows: the answers grouped, each group with its common score and comment.

    Args:
        answers: every student's answer (in the order to show them).
        tokens: the server's student tokens (the page holds tokens, never ids, for saving).
        anonymous: label students "Student 1", "Student 2"... instead of names and ids.
        threshold: the similarity from which answers are grouped (grouping.group_items).

    Returns:
        One dict per group for the template; groups of unreadable notebooks come last.
    """
    labels = {a.student_id: (f"Student {i}" if anonymous else f"{a.name} ({a.student_id})" if a.name
                             else a.student_id) for i, a in enumerate(answers, 1)}
    grouped = group_items(answers, lambda a: "" if a.problem else a.text, threshold=threshold)
    groups = []
    for members in sorted(grouped, key=lambda group: all(m.problem for m in group)):
        texts = [m.text for m in members if not m.problem]
        representative = most_common(texts) if texts else ""
        scores, comments = {m.score for m in members}, {m.comment for m in members}
        groups.append(dict(
            html=render_markdown(representative),
            members=[dict(token=tokens.token(m.student_id), label=labels[m.student_id], answer=m,
                          problem=_problem(m, labels[m.student_id]) if anonymous else m.problem,
                          variant=(render_markdown(m.text) if normalise(m.text) != normalise(representative)
                                   else None))
                     for m in members],
            score=next(iter(scores)) if len(scores) == 1 else None,
            comment=next(iter(comments)) if len(comments) == 1 else "",
            mixed=len(scores) > 1,
            mixed_comments=len(comments) > 1,
            graded=all(m.graded for m in members),
        ))
    return groups


def _problem(answer: Answer, label: str) -> str | None:
    """An answer's problem with the student's id and name replaced by their label (anonymous mode)."""
    problem = answer.problem
    for secret in (answer.student_id, answer.name):
        if problem and secret:
            problem = problem.replace(secret, label)
    return problem


Decision = tuple[list[str], float | None | Keep, str | Keep, dict[str, tuple[float | None, str]]]


def _refuse_constant(name: str) -> None:
    raise GradingError(f"the score must be a finite number, not {name}")


def _number(value: object) -> float:
    """A finite number from the request; GradingError for anything else (huge integers included)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise GradingError('the score must be a number (or "clear" to clear it)')
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise GradingError("the score must be a finite number")
    return number


def parse_decision(body: bytes) -> Decision:
    """Read and check a save request; GradingError with the reason for anything else.

    Args:
        body: JSON {"students": [tokens], "expected": {token: {"score": number|null, "comment": text}},
            "score": number | "clear" (optional), "comment": text (optional)}. A field left out is kept
            as stored; "expected" is what the page showed for each student.

    Returns:
        (tokens, score or KEEP, comment or KEEP, {token: (score, comment)} expected).
    """
    try:
        data = json.loads(body or b"{}", parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        raise GradingError("expected a JSON object") from None
    if not isinstance(data, dict):
        raise GradingError("expected a JSON object")
    tokens, expected = data.get("students"), data.get("expected")
    if not isinstance(tokens, list) or not tokens or not all(isinstance(t, str) for t in tokens):
        raise GradingError("choose at least one student")
    if not isinstance(expected, dict) or not all(isinstance(expected.get(t), dict) for t in tokens):
        raise GradingError("the request does not say what the page showed: reload the page")
    seen = {}
    for token in tokens:
        shown, comment = expected[token].get("score"), expected[token].get("comment")
        if not isinstance(comment, str):
            raise GradingError("the request does not say what the page showed: reload the page")
        seen[token] = (None if shown is None else _number(shown), comment)
    score = data.get("score", KEEP)
    if score is None:
        raise GradingError('no score given: send a number, or "clear" to clear the score')
    if score is not KEEP:
        score = None if score == "clear" else _number(score)
    comment = data.get("comment", KEEP)
    if comment is not KEEP and not isinstance(comment, str):
        raise GradingError("the comment must be text")
    if score is KEEP and comment is KEEP:
        raise GradingError("nothing to save: no score and no comment given")
    return tokens, score, comment, seen


def _stored_json(stored: dict[str, tuple[float | None, str]], token_of: dict[str, str]) -> dict[str, dict]:
    return {token_of[student]: {"score": score, "comment": comment} for student, (score, comment) in stored.items()}


class SaveHandler(PageHandler):
    """POST: one decision for several students (parse_decision); GET ?students=...: their stored grades."""

    @web.authenticated
    async def post(self, assignment: str, notebook: str, grade_id: str) -> None:
        self.set_header("Content-Type", "application/json")
        try:
            decision = parse_decision(self.request.body)
            status, reply = await self.off_loop(lambda: self._save(assignment, notebook, grade_id, decision))
        except (GradingError, CourseError) as error:
            return self._fail(400, str(error))
        if status != 200:
            self.set_status(status)
            return self.finish(json.dumps(reply))
        self.log.info("grade-by-question: %s/%s/%s: score %s for %d student(s)", assignment, notebook, grade_id,
                      "kept" if decision[1] is KEEP else decision[1], reply["saved"])
        self.finish(json.dumps(reply))

    @web.authenticated
    async def get(self, assignment: str, notebook: str, grade_id: str) -> None:
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        tokens = [t for t in self.get_query_argument("students", "").split(",") if t]
        try:
            reply = await self.off_loop(lambda: self._stored(assignment, notebook, grade_id, tokens))
        except (GradingError, CourseError) as error:
            return self._fail(400, str(error))
        self.finish(json.dumps(reply))

    def _students(self, gradebook: Gradebook, assignment: str, tokens: list[str]) -> tuple[list[str], list[str]]:
        everyone = [student for student, _ in submitted_students(gradebook, assignment)]
        return self.app.tokens.resolve(tokens, everyone), everyone

    def _stored(self, assignment: str, notebook: str, grade_id: str, tokens: list[str]) -> dict:
        course = self.app.course()
        with course.gradebook() as gradebook:
            question = find_question(course, gradebook, assignment, notebook, grade_id)
            students, _ = self._students(gradebook, assignment, tokens)
            stored = stored_decisions(gradebook, question, students)
        return {"stored": _stored_json(stored, dict(zip(students, tokens)))}

    def _save(self, assignment: str, notebook: str, grade_id: str, decision: Decision) -> tuple[int, dict]:
        """Check and write a decision (worker thread): (200, the reply) or (409, what is stored now)."""
        tokens, score, comment, seen = decision
        course = self.app.course()
        with course.gradebook() as gradebook:
            question = find_question(course, gradebook, assignment, notebook, grade_id)
            students, everyone = self._students(gradebook, assignment, tokens)
            token_of = dict(zip(students, tokens))
            expected = {student: seen[token_of[student]] for student in students}
            with self.app.save_lock:
                try:
                    save_decision(gradebook, question, students, score, comment, expected)
                except ConflictError as error:
                    stored = stored_decisions(gradebook, question, students)
                    return 409, {"error": str(error), "stored": _stored_json(stored, token_of)}
            stored = stored_decisions(gradebook, question, students)
            graded = sum(1 for grade in _grades(gradebook, question) if not grade.needs_manual_grade)
        return 200, {"saved": len(students), "stored": _stored_json(stored, token_of), "graded": graded,
                     "total": len(everyone)}

    def _fail(self, status: int, message: str) -> None:
        self.set_status(status)
        self.finish(json.dumps({"error": message}))


class ImageHandler(PageHandler):
    """One image output of a student's context cells (the page links images instead of embedding them)."""

    @web.authenticated
    async def get(self, assignment: str, notebook: str, grade_id: str, token: str, number: str) -> None:
        try:
            mime, data = await self.off_loop(lambda: self._image(assignment, notebook, grade_id, token, int(number)))
        except (GradingError, CourseError) as error:
            raise web.HTTPError(404, str(error)) from None
        self.set_header("Content-Type", mime)
        self.set_header("Cache-Control", "private, max-age=600")
        self.finish(data)

    def _image(self, assignment: str, notebook: str, grade_id: str, token: str, number: int) -> tuple[str, bytes]:
        course = self.app.course()
        rubrics, _ = self.rubric(course)
        with course.gradebook() as gradebook:
            question = find_question(course, gradebook, assignment, notebook, grade_id)
            everyone = [student for student, _ in submitted_students(gradebook, assignment)]
            (student,) = self.app.tokens.resolve([token], everyone)
        path = course.assignment_dir("autograded", student, question.assignment) / f"{question.notebook}.ipynb"
        return read_image(path, rubrics.get(grade_id, QuestionRubric()).context, number)
