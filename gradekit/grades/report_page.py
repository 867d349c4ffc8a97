"""Plots (PNG) and the HTML page of the class report; the data comes from class_report.py.

Figures are drawn with matplotlib's object API (no pyplot), so nothing depends on a display
or on a global backend. The page is the Jinja2 template templates/class_report.html.j2, rendered
with autoescape: student ids, names and every other value from the inputs reach it only as
template variables, which Jinja2 escapes. The page references the PNGs by relative path: the
output folder can be zipped and sent as it is.
"""
import os
from datetime import datetime
from pathlib import Path

import numpy as np
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from matplotlib.figure import Figure

PAGE_NAME = "class_report.html"
TEMPLATE = "class_report.html.j2"
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

def environment() -> Environment:
    """The template environment of the page; autoescape is on, so every value from the inputs is escaped."""
    return Environment(loader=PackageLoader("gradekit.grades", "templates"),
                       autoescape=select_autoescape(default=True, default_for_string=True),
                       trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                       undefined=StrictUndefined)


def number(value):
    return "–" if value is None else f"{value:.2f}"


def summary_rows(summary, max_score):
    return [("students in the grades file", summary["students"]),
            ("submitted", summary["submitted"]),
            (f"mean final score (submitted, max {max_score:g})", number(summary["mean"])),
            (f"median final score (submitted, max {max_score:g})", number(summary["median"]))]


def status_rows(summary):
    counts = summary["status_counts"]
    return [(STATUS_LABELS[s], counts[s]) for s in counts]


def result_rows(results):
    return [(r.grade_id, f"{r.points:g}", r.passed, r.judged,
             "–" if r.rate is None else f"{100 * r.rate:.0f} %", r.source if r.judged else "not judged")
            for r in results]


def manual_rows(manual):
    return [(answer, "–" if pts is None else f"{pts:g}", graded, number(mean))
            for answer, pts, graded, mean in manual]


def student_rows(students):
    return [(s.student_id, s.name, STATUS_LABELS[s.status], number(s.final_score)) for s in students]


def integrity_rows(integrity, names):
    """One row per finding, students sorted; None when there is no integrity report."""
    if integrity is None:
        return None
    # line 0 means the finding is about the whole cell
    return [(student, names.get(student, ""), f["cell"], "" if f["line"] in ("0", "") else f["line"], f["rule"],
             f["code"]) for student in sorted(integrity) for f in integrity[student]]


def similarity_link(similarity, out_dir):
    """The similarity report's relative link and its count of flagged pairs; None when it has not been written."""
    if similarity is None:
        return None
    page, flagged = similarity
    return {"link": os.path.relpath(page, out_dir).replace(os.sep, "/"), "flagged": flagged}


def render_page(out_dir, *, assignment, students, max_score, summary, results, manual, integrity, sources,
                similarity, plots, unreadable=()):
    """The page's HTML. `plots` holds the PNG names: histogram, status, pass_rates (None without judged tests);
    `unreadable` the autograded notebooks that could not be read (class_report.Unreadable)."""
    names = {s.student_id: s.name for s in students}
    return environment().get_template(TEMPLATE).render(
        assignment=assignment,
        grades_source=str(sources["grades"]),
        integrity_source=str(sources["integrity"]),
        generated=f"{datetime.now():%Y-%m-%d %H:%M}",
        plots=plots,
        summary_rows=summary_rows(summary, max_score),
        status_rows=status_rows(summary),
        result_rows=result_rows(results),
        unjudged=[r.grade_id for r in results if not r.judged],
        manual_rows=manual_rows(manual),
        integrity_rows=integrity_rows(integrity, names),
        flagged_students=len(integrity or ()),
        similarity=similarity_link(similarity, out_dir),
        student_rows=student_rows(students),
        unreadable_rows=[(u.student_id, names.get(u.student_id, ""), str(u.path), u.reason) for u in unreadable],
    )


def write_report(out_dir, *, assignment, students, max_score, summary, results, manual, integrity, sources,
                 similarity=None, unreadable=()):
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    plots = {
        "histogram": plot_score_histogram(summary["finals"], max_score, out_dir / "score_histogram.png"),
        "status": plot_status_counts(summary["status_counts"], out_dir / "status_counts.png"),
        "pass_rates": (plot_pass_rates(results, out_dir / "test_pass_rates.png")
                       if any(r.judged for r in results) else None),
    }
    page = render_page(out_dir, assignment=assignment, students=students, max_score=max_score, summary=summary,
                       results=results, manual=manual, integrity=integrity, sources=sources,
                       similarity=similarity, plots=plots, unreadable=unreadable)
    path = out_dir / PAGE_NAME
    path.write_text(page, encoding="utf-8")
    return path
