"""Plots (PNG) and the HTML page of the class report; the data comes from class_report.py.

Figures are drawn with matplotlib's object API (no pyplot), so nothing depends on a display
or on a global backend. The page references the PNGs by relative path: the output folder
can be zipped and sent as it is.
"""
import os
from datetime import datetime
from html import escape
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

PAGE_NAME = "class_report.html"
STATUS_LABELS = {"on_time": "on time", "late": "late", "too_late": "too late", "missing": "missing"}
STATUS_COLORS = {"on_time": "#4c9a2a", "late": "#e0a100", "too_late": "#c0392b", "missing": "#8c8c8c"}
BIN_WIDTH = 0.25  # the smallest step of the grading scheme


# ---------------------------------------------------------------- plots

def save(figure, path):
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    return path.name


def plot_score_histogram(finals, max_score, path):
    figure = Figure(figsize=(8, 3.6))
    axes = figure.subplots()
    bins = np.arange(0, max_score + BIN_WIDTH, BIN_WIDTH)
    axes.hist(finals, bins=bins, color="#3b75af", edgecolor="white")
    if finals:
        axes.axvline(np.mean(finals), color="#c0392b", linestyle="--", label=f"mean {np.mean(finals):.2f}")
        axes.axvline(np.median(finals), color="#333333", linestyle=":", label=f"median {np.median(finals):.2f}")
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1))  # outside: bars may reach any height
    axes.set_xlim(0, max_score)
    axes.set_xlabel(f"final score (max {max_score:g})")
    axes.set_ylabel("students")
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.set_title(f"Final scores of the {len(finals)} submitted students")
    return save(figure, path)


def plot_status_counts(status_counts, path):
    figure = Figure(figsize=(5, 3))
    axes = figure.subplots()
    statuses = list(status_counts)
    bars = axes.bar([STATUS_LABELS[s] for s in statuses], [status_counts[s] for s in statuses],
                    color=[STATUS_COLORS[s] for s in statuses])
    axes.bar_label(bars)
    axes.set_ylabel("students")
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.margins(y=0.15)
    axes.set_title("Submission status")
    return save(figure, path)


def plot_pass_rates(results, path):
    """Horizontal bars, the most failed test on top."""
    judged = [r for r in results if r.judged]
    figure = Figure(figsize=(8, 0.45 * len(judged) + 1.2))
    axes = figure.subplots()
    labels = [r.grade_id + ("  (0 pts)" if r.points == 0 else "") for r in judged]
    rates = [100 * r.rate for r in judged]
    colors = ["#c0392b" if rate < 50 else "#e0a100" if rate < 80 else "#4c9a2a" for rate in rates]
    bars = axes.barh(labels, rates, color=colors)
    axes.bar_label(bars, labels=[f"{r.passed}/{r.judged}" for r in judged], padding=3)
    axes.invert_yaxis()
    axes.set_xlim(0, 110)
    axes.set_xlabel("students who passed (%)")
    axes.set_title("Tests by pass rate, most failed first")
    return save(figure, path)


# ---------------------------------------------------------------- HTML

CSS = """
body { font-family: -apple-system, "Segoe UI", "DejaVu Sans", Arial, sans-serif; margin: 2em auto;
       max-width: 60em; padding: 0 1em; color: #222; line-height: 1.4; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 1.8em; }
.meta, .note { color: #555; font-size: 0.92em; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.93em; }
th, td { border: 1px solid #d0d0d0; padding: 0.3em 0.7em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
img { max-width: 100%; height: auto; display: block; margin: 0.5em 0; }
code { background: #f5f5f5; padding: 0 0.2em; }
.side-by-side { display: flex; gap: 2em; align-items: flex-start; flex-wrap: wrap; }
.side-by-side img { margin: 0.8em 0; }
table.integrity td:last-child { font-family: "DejaVu Sans Mono", Consolas, monospace; font-size: 0.9em; }
"""


def number(value):
    return "–" if value is None else f"{value:.2f}"


def table(headers, rows, numeric=(), css_class=None):
    """An HTML table; every value is escaped. `numeric` holds the indexes of right-aligned columns."""
    head = "".join(f"<th>{escape(str(h))}</th>" for h in headers)
    body = []
    for row in rows:
        cells = "".join(f'<td class="num">{escape(str(v))}</td>' if i in numeric else f"<td>{escape(str(v))}</td>"
                        for i, v in enumerate(row))
        body.append(f"<tr>{cells}</tr>")
    opening = f'<table class="{css_class}">' if css_class else "<table>"
    return f"{opening}\n<tr>{head}</tr>\n" + "\n".join(body) + "\n</table>"


def image(name, alt):
    return f'<img src="{escape(name)}" alt="{escape(alt)}">'


def summary_section(summary, max_score):
    rows = [("students in the grades file", summary["students"]),
            ("submitted", summary["submitted"]),
            (f"mean final score (submitted, max {max_score:g})", number(summary["mean"])),
            (f"median final score (submitted, max {max_score:g})", number(summary["median"]))]
    return "<h2>Summary</h2>\n" + table(("", "value"), rows, numeric=(1,))


def status_section(summary, plot):
    counts = summary["status_counts"]
    rows = [(STATUS_LABELS[s], counts[s]) for s in counts]
    return ("<h2>Submission status</h2>\n<div class=\"side-by-side\">\n"
            + table(("status", "students"), rows, numeric=(1,)) + "\n"
            + image(plot, "bar chart of the submission status counts") + "\n</div>\n"
            '<p class="note">late: after the soft deadline, score capped; too late: after the hard deadline, '
            "final score 0; missing: no submission.</p>")


def tests_section(results, plot, manual):
    rows = [(r.grade_id, f"{r.points:g}", r.passed, r.judged,
             "–" if r.rate is None else f"{100 * r.rate:.0f} %", r.source if r.judged else "not judged")
            for r in results]
    unjudged = [r.grade_id for r in results if not r.judged]
    notes = ['<p class="note">Pass = full marks on a test with points, among the submitted students that '
             "have a score for it. Tests worth 0 points cannot be judged from scores: they are judged from the "
             "autograded notebooks (pass = the test cell shows no error).</p>"]
    if unjudged:
        notes.append(f'<p class="note">Not judged (no autograded notebooks found): {escape(", ".join(unjudged))}.</p>')
    manual_rows = [(answer, "–" if pts is None else f"{pts:g}", graded, number(mean))
                   for answer, pts, graded, mean in manual]
    return ("<h2>Tests, most failed first</h2>\n" + (image(plot, "bar chart of the pass rate of every test") if plot else "")
            + "\n" + table(("test", "points", "passed", "judged", "pass rate", "judged from"), rows,
                           numeric=(1, 2, 3, 4))
            + "\n" + "\n".join(notes)
            + "\n<h3>Manual answers</h3>\n"
            + table(("answer", "points", "students", "mean score"), manual_rows, numeric=(1, 2, 3))
            + '\n<p class="note">Mean over the submitted students; an answer not graded yet counts 0.</p>')


def students_section(students):
    rows = [(s.student_id, s.name, STATUS_LABELS[s.status], number(s.final_score)) for s in students]
    return "<h2>Students</h2>\n" + table(("student id", "name", "status", "final score"), rows, numeric=(3,))


def integrity_section(integrity, names, source):
    heading = "<h2>Integrity flags</h2>\n"
    if integrity is None:
        return heading + (f'<p class="note">No integrity report found at <code>{escape(str(source))}</code>; '
                          "run <code>python -m gradekit.submitted.integrity</code> to produce it.</p>")
    if not integrity:
        return heading + "<p>No student is flagged.</p>"
    # line 0 means the finding is about the whole cell
    rows = [(student, names.get(student, ""), f["cell"], "" if f["line"] in ("0", "") else f["line"], f["rule"],
             f["code"]) for student in sorted(integrity) for f in integrity[student]]
    return (heading + f"<p>{len(integrity)} student(s) flagged. Flags never change a score; "
            "read the code before acting on them.</p>\n"
            + table(("student id", "name", "cell", "line", "flag", "code"), rows, css_class="integrity"))


def similarity_section(similarity, out_dir):
    """A link to the similarity report and its count of flagged pairs; nothing when it has not been written."""
    if similarity is None:
        return ""
    page, flagged = similarity
    link = os.path.relpath(page, out_dir).replace(os.sep, "/")
    return (f'<h2>Similarity</h2>\n<p>{flagged} flagged pair(s) in the <a href="{escape(link)}">similarity report</a>. '
            "Flags never change a score; read both submissions before acting on them.</p>")


def write_report(out_dir, *, assignment, students, max_score, summary, results, manual, integrity, sources,
                 similarity=None):
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    histogram = plot_score_histogram(summary["finals"], max_score, out_dir / "score_histogram.png")
    status = plot_status_counts(summary["status_counts"], out_dir / "status_counts.png")
    pass_rates = plot_pass_rates(results, out_dir / "test_pass_rates.png") if any(r.judged for r in results) else None
    names = {s.student_id: s.name for s in students}
    sections = [
        summary_section(summary, max_score),
        "<h2>Final scores</h2>\n" + image(histogram, "histogram of the final scores")
        + '\n<p class="note">Submitted students: on time, late and too late (a too-late submission scores 0). '
          "Missing students are left out.</p>",
        status_section(summary, status),
        tests_section(results, pass_rates, manual),
        integrity_section(integrity, names, sources["integrity"]),
        similarity_section(similarity, out_dir),
        students_section(students),
    ]
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Class report: {escape(assignment)}</title>
<style>{CSS}</style>
</head>
<body>
<h1>Class report: {escape(assignment)}</h1>
<p class="meta">From <code>{escape(str(sources["grades"]))}</code>, generated {datetime.now():%Y-%m-%d %H:%M}.</p>
{chr(10).join(sections)}
</body>
</html>
"""
    path = out_dir / PAGE_NAME
    path.write_text(page, encoding="utf-8")
    return path
