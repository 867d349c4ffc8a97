"""The grade-by-question page: a jupyter_server extension next to nbgrader's Formgrader.

    /grade-by-question                                   the questions with their progress
    /grade-by-question/<assignment>/<notebook>/<grade_id>  one question, every student (?anonymous=1)
    POST /grade-by-question/api/<assignment>/<notebook>/<grade_id>  save one decision

Every handler is behind the server's login (`tornado.web.authenticated`, the
server's token) and XSRF check. Student text is rendered with raw HTML disabled
(render.py) into Jinja2 templates with autoescape, and the pages carry a strict
Content-Security-Policy (scripts and styles only from the extension's static files).
"""
from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.extension.application import ExtensionApp
from jupyter_server.extension.handler import ExtensionHandlerMixin
from jupyter_server.utils import url_path_join
from nbgrader.api import Grade, Gradebook, MissingEntry
from tornado import web
from traitlets import Float, Unicode

from gradekit.grades.by_question.answers import (
    Answer,
    GradingError,
    Question,
    StudentTokens,
    find_question,
    load_answers,
    manual_questions,
    save_decision,
    submitted_students,
)
from gradekit.grades.by_question.grouping import NEAR_IDENTICAL, group_items, most_common, normalise
from gradekit.grades.by_question.render import render_markdown
from gradekit.grades.by_question.rubric import RUBRIC_FILE, QuestionRubric, RubricError, load_rubric
from gradekit.settings import Course, CourseError, load_course

HERE = Path(__file__).parent
URL = "/grade-by-question"
NAME = "grade_by_question"
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
    similarity = Float(NEAR_IDENTICAL, help="difflib ratio of two normalised answers from which they are "
                                            "grouped as one (1.0: only identical ones).").tag(config=True)

    def initialize_settings(self) -> None:
        self.templates = Environment(loader=FileSystemLoader(str(HERE / "templates")),
                                     autoescape=select_autoescape(default=True, default_for_string=True))
        self.tokens = StudentTokens(secrets.token_bytes(32))

    def initialize_handlers(self) -> None:
        part = r"([^/]+)"
        self.handlers.extend([
            (URL + r"/?", IndexHandler),
            (f"{URL}/api/{part}/{part}/{part}", SaveHandler),
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

    def render_page(self, template: str, **context: object) -> None:
        """Render a template (autoescaped) with the common names and finish the response."""
        common = dict(static=lambda name: url_path_join(self.base_url, "static", NAME, name),
                      home=url_path_join(self.base_url, URL.lstrip("/")), anonymous=self.anonymous,
                      xsrf=self.xsrf_token.decode() if isinstance(self.xsrf_token, bytes) else self.xsrf_token)
        self.set_header("Cache-Control", "no-store")
        self.finish(self.app.templates.get_template(template).render(**common, **context))

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
    def get(self) -> None:
        try:
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
        except CourseError as error:
            return self.render_error(500, str(error))
        self.render_page("index.html", assignments=assignments, course_id=course.course_id)

    def _question_url(self, question: Question) -> str:
        url = url_path_join(self.base_url, URL.lstrip("/"), question.assignment, question.notebook, question.grade_id)
        return url + ("?anonymous=1" if self.anonymous else "")


def _grades(gradebook: Gradebook, question: Question) -> Iterator[Grade]:
    """The grade rows of a question, one per submitted student who has it."""
    for student, _ in submitted_students(gradebook, question.assignment):
        try:
            yield gradebook.find_grade(question.grade_id, question.notebook, question.assignment, student)
        except MissingEntry:
            continue


class QuestionHandler(PageHandler):
    """One question: the answers grouped, the rubric, the grading forms."""

    @web.authenticated
    def get(self, assignment: str, notebook: str, grade_id: str) -> None:
        try:
            course = self.app.course()
            rubrics, rubric_problem = self.rubric(course)
            with course.gradebook() as gradebook:
                question = find_question(course, gradebook, assignment, notebook, grade_id)
                rubric = rubrics.get(grade_id, QuestionRubric()).usable(question.max_score)
                answers = load_answers(course, gradebook, question, rubric.context)
                siblings = manual_questions(course, gradebook, assignment)
        except CourseError as error:
            return self.render_error(500, str(error))
        except GradingError as error:
            return self.render_error(404, str(error))
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
        self.render_page("question.html", question=question, prompt=render_markdown(question.prompt),
                         groups=groups, rubric=rubric, rubric_problem=rubric_problem, api=api, links=links,
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
                          variant=(render_markdown(m.text) if normalise(m.text) != normalise(representative)
                                   else None))
                     for m in members],
            score=next(iter(scores)) if len(scores) == 1 else None,
            comment=next(iter(comments)) if len(comments) == 1 else "",
            mixed=len(scores) > 1,
            graded=all(m.graded for m in members),
        ))
    return groups


class SaveHandler(PageHandler):
    """POST {"students": [tokens], "score": number|null, "comment": str}: one decision for those students."""

    @web.authenticated
    def post(self, assignment: str, notebook: str, grade_id: str) -> None:
        self.set_header("Content-Type", "application/json")
        try:
            body = json.loads(self.request.body or b"{}")
            tokens, score, comment = body["students"], body.get("score"), body.get("comment") or ""
            if not isinstance(tokens, list) or not tokens or not all(isinstance(t, str) for t in tokens):
                raise GradingError("choose at least one student")
            if score is not None and (isinstance(score, bool) or not isinstance(score, (int, float))):
                raise GradingError("the score must be a number")
            if not isinstance(comment, str):
                raise GradingError("the comment must be text")
            course = self.app.course()
            with course.gradebook() as gradebook:
                question = find_question(course, gradebook, assignment, notebook, grade_id)
                everyone = [student for student, _ in submitted_students(gradebook, assignment)]
                students = self.app.tokens.resolve(tokens, everyone)
                save_decision(gradebook, question, students, None if score is None else float(score), comment)
                graded = sum(1 for grade in _grades(gradebook, question) if not grade.needs_manual_grade)
        except (ValueError, KeyError, TypeError):
            return self._fail(400, "expected JSON {students: [...], score: number|null, comment: text}")
        except (GradingError, CourseError) as error:
            return self._fail(400, str(error))
        self.log.info("grade-by-question: %s/%s/%s = %s for %d student(s)", assignment, notebook, grade_id,
                      score, len(students))
        self.finish(json.dumps({"saved": len(students), "score": score, "comment": comment,
                                "graded": graded, "total": len(everyone)}))

    def _fail(self, status: int, message: str) -> None:
        self.set_status(status)
        self.finish(json.dumps({"error": message}))
