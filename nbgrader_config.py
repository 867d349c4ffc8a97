"""nbgrader configuration of the numpy-nn course.

The repository root is the course directory, so every plain `nbgrader ...`
command run from here picks this file up.
"""
import os

COURSE_ROOT = os.path.dirname(os.path.abspath(__file__))

c = get_config()  # noqa: F821 (injected by traitlets)

c.CourseDirectory.course_id = "numpy-nn"
c.CourseDirectory.root = COURSE_ROOT
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.solution_directory = "solutions"
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(COURSE_ROOT, "gradebook.db")

# The jupytext twin of a notebook (numpy_nn.md) holds the solutions and hidden
# tests in plain text: it must never be copied into the release or a submission.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.md"]

# Students see Russian placeholders where their code and answers go.
c.ClearSolutions.code_stub = {"python": "# ВАШ КОД ЗДЕСЬ\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "ВАШ ОТВЕТ ЗДЕСЬ"

# Per-cell execution limit. nbgrader's 30 s default is too short for the
# training cell; docs/decisions.md records the measurement behind this value.
c.Execute.timeout = 600
