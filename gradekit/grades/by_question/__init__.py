"""Grade one manual question across the class in the browser (a jupyter_server extension).

Enable it once per environment (`make venv` does):

    jupyter server extension enable --sys-prefix gradekit.grades.by_question

then open <server>/grade-by-question in the Jupyter server started in the course directory.
"""


def _jupyter_server_extension_points() -> list[dict]:
    """Where jupyter_server finds the extension (the ExtensionApp)."""
    from gradekit.grades.by_question.app import ByQuestionApp

    return [{"module": "gradekit.grades.by_question.app", "app": ByQuestionApp}]
