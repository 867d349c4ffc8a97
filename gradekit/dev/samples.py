"""Sample submissions built from the student release.

A sample lives in tests/submissions/<name>/:
- submission.json: description, optional "base" sample whose answers it
  inherits, optional "timestamp", "delete_cells", and "expected_failures"
  (the grade cells that must score 0 — every other grade cell must score full)
  and "hidden_failures" (those of them whose visible asserts pass, so that only
  the hidden check can catch the mistake);
- <grade_id>.py / <grade_id>.md: the whole new source of that cell, as a
  student would have typed it into the released notebook;
- "edits" in submission.json: text replacements in cells without a grade_id
  (the network and the training loop), each of which must match exactly once.
"""
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from gradekit.cells import grade_id
from gradekit.course import REPO_ROOT
from gradekit.settings import load_course

SAMPLES_DIR = REPO_ROOT / "tests" / "submissions"
DEFAULT_TIMESTAMP = "2024-02-20 18:00:00+03:00"
ANSWER_SUFFIXES = (".py", ".md")


@dataclass
class Sample:
    name: str
    description: str
    answers: dict = field(default_factory=dict)
    delete_cells: list = field(default_factory=list)
    edits: list = field(default_factory=list)
    timestamp: str = DEFAULT_TIMESTAMP
    expected_failures: list = field(default_factory=list)
    hidden_failures: list = field(default_factory=list)
    demo: bool = False


def load_sample(name, samples_dir=SAMPLES_DIR):
    folder = Path(samples_dir) / name
    spec_path = folder / "submission.json"
    if not spec_path.is_file():
        raise FileNotFoundError(f"sample submission {name!r} has no {spec_path}")
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    answers = {}
    if spec.get("base"):
        answers.update(load_sample(spec["base"], samples_dir).answers)
    for path in sorted(folder.iterdir()):
        if path.suffix in ANSWER_SUFFIXES:
            answers[path.stem] = path.read_text(encoding="utf-8").rstrip("\n")
    return Sample(
        name=name,
        description=spec["description"],
        answers=answers,
        delete_cells=spec.get("delete_cells", []),
        edits=spec.get("edits", []),
        timestamp=spec.get("timestamp", DEFAULT_TIMESTAMP),
        expected_failures=spec.get("expected_failures", []),
        hidden_failures=spec.get("hidden_failures", []),
        demo=spec.get("demo", False),
    )


def sample_names(samples_dir=SAMPLES_DIR, demo_only=False):
    names = sorted(p.parent.name for p in Path(samples_dir).glob("*/submission.json"))
    if demo_only:
        names = [n for n in names if load_sample(n, samples_dir).demo]
    return names


def fill_notebook(release_notebook, sample):
    """Return the released notebook with the sample's answers typed in."""
    notebook = nbformat.read(release_notebook, as_version=4)
    known_ids = {grade_id(cell) for cell in notebook.cells} - {None}
    unknown = (set(sample.answers) | set(sample.delete_cells)) - known_ids
    if unknown:
        raise ValueError(f"sample {sample.name!r} names cells the notebook does not have: {sorted(unknown)}")
    for cell in notebook.cells:
        if grade_id(cell) in sample.answers:
            cell.source = sample.answers[grade_id(cell)]
    for edit in sample.edits:
        apply_edit(notebook, edit["find"], edit["replace"], sample.name)
    notebook.cells = [cell for cell in notebook.cells if grade_id(cell) not in sample.delete_cells]
    return notebook


def apply_edit(notebook, find, replace, sample_name):
    matches = [cell for cell in notebook.cells if grade_id(cell) is None and find in cell.source]
    if len(matches) != 1 or matches[0].source.count(find) != 1:
        raise ValueError(f"sample {sample_name!r}: {find!r} must occur exactly once in a student cell")
    matches[0].source = matches[0].source.replace(find, replace)


def place_submission(sample, release_dir, submitted_dir, assignment=None):
    """Write the sample as submitted/<name>/<assignment>/ with the release's files and timestamp.txt.

    The assignment defaults to the release folder's name (release/<assignment>).
    """
    release_dir = Path(release_dir)
    assignment = assignment or release_dir.name
    target = Path(submitted_dir) / sample.name / assignment
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(release_dir, target)
    notebook_path = target / f"{assignment}.ipynb"
    nbformat.write(fill_notebook(release_dir / f"{assignment}.ipynb", sample), notebook_path)
    (target / "timestamp.txt").write_text(sample.timestamp + "\n", encoding="utf-8")
    return target


def place_samples(course_dir, names, samples_dir=SAMPLES_DIR, assignment=None):
    """Place the named samples as submissions of the assignment (default: the course's only one)."""
    course_dir = Path(course_dir)
    assignment = assignment or load_course(course_dir).default_assignment()
    release_dir = course_dir / "release" / assignment
    samples = [load_sample(name, samples_dir) for name in names]
    for sample in samples:
        place_submission(sample, release_dir, course_dir / "submitted", assignment)
    return samples
