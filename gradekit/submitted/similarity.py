"""Similarity report: pairs of submissions whose answers look copied, for a person to review.

It compares every pair of students' submitted notebooks of an assignment, and every
student with optional reference notebooks (last year's submissions, public solutions):

- code: the students' answer cells only (nbgrader solution cells of type code), as
  winnowed fingerprints (copydetect, the MOSS algorithm) of the pygments-tokenised code
  with names, strings and comments normalised away, minus the fingerprints of the
  released notebook's code (the given skeletons and stubs never count);
- free text: each manual answer (graded Markdown cells) separately, as the Jaccard index
  of word 3-gram shingles (lower case, crude stems), ignoring the released stub text.

It reads `submitted/` and `release/` only: it never changes a score or the gradebook.

Usage, from the course root:
    python -m gradekit.submitted.similarity [numpy_nn] [--reference DIR ...]
Writes reports/similarity_<assignment>/index.html (+ one page per listed pair) and the
flagged pairs to reports/similarity_<assignment>.csv. Thresholds: c.Similarity.* in
nbgrader_config.py (docs/similarity.md).
"""
from __future__ import annotations

import argparse
import io
import itertools
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader.utils import is_grade, is_solution
from traitlets import Float, Int, Unicode
from traitlets.config import Configurable

from gradekit.cells import grade_id
from gradekit.settings import CourseError, load_course

PRINTED_PAIRS = 20  # flagged pairs listed in the command's output; all of them are in the CSV


class Similarity(Configurable):
    """Thresholds and parameters of the similarity report (c.Similarity.* in nbgrader_config.py)."""

    code_threshold = Float(0.7, help=(
        "A pair is flagged when its code similarity reaches this value (0..1): the mean of the two shares "
        "of answer code (normalised characters covered by fingerprints, released code removed) that is "
        "found in the other student's answer code."
    )).tag(config=True)
    text_threshold = Float(0.3, help=(
        "A pair is flagged when one manual answer of the two students has at least this Jaccard index "
        "of word 3-gram shingles (0..1)."
    )).tag(config=True)
    noise_threshold = Int(12, help=(
        "copydetect's noise threshold: matches shorter than this many characters of normalised code are "
        "ignored (the k of the k-grams)."
    )).tag(config=True)
    guarantee_threshold = Int(12, help=(
        "copydetect's guarantee threshold: matches at least this long (normalised characters) are always "
        "found; the winnowing window is guarantee - noise + 1. Equal to noise_threshold (window 1, every "
        "k-gram kept), results do not depend on Python's per-process string hash seed."
    )).tag(config=True)
    min_code_match = Int(100, help=(
        "A pair is flagged for code only when at least this many normalised characters match, so that a "
        "submission with one short answer is not flagged for sharing it."
    )).tag(config=True)
    shingle_words = Int(3, help="Words per shingle when manual answers are compared.").tag(config=True)
    min_answer_words = Int(5, help=(
        "Manual answers with fewer words are not compared (too short to tell copying from agreement)."
    )).tag(config=True)
    pairs_shown = Int(100, help=(
        "How many of the most similar pairs the report lists, each with a side-by-side page (flagged "
        "pairs come first; all flagged pairs are in the CSV)."
    )).tag(config=True)
    text_stub = Unicode(help=(
        "Stub text of the released manual answers; ignored in answers. Defaults to c.ClearSolutions.text_stub."
    )).tag(config=True)


# ---------------------------------------------------------------- reading the notebooks

@dataclass
class Submission:
    """The answers of one student (or one reference notebook)."""

    name: str
    kind: str  # "student" or "reference"
    code: dict[str, str] = field(default_factory=dict)  # grade_id -> answer cell source, notebook order
    texts: dict[str, str] = field(default_factory=dict)  # grade_id -> manual answer without the stub


@dataclass
class Problem:
    """Input that was skipped, with a one-line reason."""

    who: str
    message: str


class AnswerReader:
    """Takes the answer cells out of notebooks, using the released notebook(s) to know the stubs.

    Args:
        release_notebooks: the released notebooks of the assignment.
        text_stub: the stub text of manual answers.
    """

    def __init__(self, release_notebooks: list[nbformat.NotebookNode], text_stub: str = ""):
        self.text_stub = text_stub.strip()
        self.released_code = [cell.source for nb in release_notebooks for cell in nb.cells
                              if cell.cell_type == "code" and cell.source.strip()]
        self.released_sources = {grade_id(cell): cell.source.strip() for nb in release_notebooks
                                 for cell in nb.cells if grade_id(cell)}
        self.manual_ids = [grade_id(cell) for nb in release_notebooks for cell in nb.cells
                           if cell.cell_type == "markdown" and is_grade(cell) and grade_id(cell)]

    def answers(self, notebook: nbformat.NotebookNode) -> tuple[dict[str, str], dict[str, str]]:
        """(code answers, manual answers) of one notebook, by grade_id; stub-only answers are left out.

        Args:
            notebook: a submitted (or reference) notebook.

        Returns:
            Two dicts grade_id -> text; a code cell unchanged from the release and an empty manual
            answer are absent.
        """
        code, texts = {}, {}
        for index, cell in enumerate(notebook.cells):
            name = grade_id(cell) or f"cell {index}"
            if cell.cell_type == "code" and is_solution(cell):
                if cell.source.strip() and cell.source.strip() != self.released_sources.get(name):
                    code[name] = cell.source
            elif cell.cell_type == "markdown" and is_grade(cell):
                text = cell.source.replace(self.text_stub, "").strip() if self.text_stub else cell.source.strip()
                if text:
                    texts[name] = text
        return code, texts

    def read(self, folder: Path, name: str, kind: str, notebook_names: list[str],
             problems: list[Problem]) -> Submission | None:
        """One student's submission folder; problems found are appended, None when nothing can be read."""
        submission = Submission(name, kind)
        found = 0
        for notebook_name in notebook_names:
            path = folder / f"{notebook_name}.ipynb"
            if not path.is_file():
                others = sorted(p.name for p in folder.glob("*.ipynb"))
                hint = f" (found: {', '.join(others)})" if others else ""
                problems.append(Problem(name, f"no {path.name} in {folder}{hint}: not compared"))
                continue
            notebook = read_notebook(path, name, problems)
            if notebook is None:
                continue
            answers = self.checked_answers(notebook, path, name, problems)
            if answers is None:
                continue
            found += 1
            submission.code.update(answers[0])
            submission.texts.update(answers[1])
        if not found:
            return None
        return submission

    def checked_answers(self, notebook: nbformat.NotebookNode, path: Path, who: str,
                        problems: list[Problem]) -> tuple[dict[str, str], dict[str, str]] | None:
        """answers(notebook), or None with a problem line when its cells are malformed or carry no answers."""
        try:
            answers = self.answers(notebook)
            has_answer_cells = any(is_solution(cell) for cell in notebook.cells)
        except (AttributeError, KeyError, TypeError) as error:  # JSON that is not quite a notebook
            problems.append(Problem(who, f"{path.name} has malformed cells ({type(error).__name__}: {error}): "
                                         "not compared"))
            return None
        if not has_answer_cells:
            problems.append(Problem(who, f"{path.name} has no nbgrader answer cells (cell metadata removed?): "
                                         "not compared"))
            return None
        return answers


def read_notebook(path: Path, who: str, problems: list[Problem]) -> nbformat.NotebookNode | None:
    """The notebook at path, or None with a problem line when it cannot be read."""
    try:
        return nbformat.read(path, as_version=4)
    except Exception as error:  # any unreadable file is reported and skipped, never fatal
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        problems.append(Problem(who, f"{path.name} is not a readable notebook ({reason[:200]}): not compared"))
        return None


# ---------------------------------------------------------------- comparing code

@dataclass
class CodeMatch:
    """Code similarity of two submissions."""

    similarity: float  # the mean of the two shares
    overlap: int  # matching normalised characters
    shares: tuple[float, float]  # share of each side's fingerprinted code found in the other
    slices: tuple[list[tuple[int, int]], list[tuple[int, int]]]  # matching character ranges in each document


@dataclass
class CodeDocument:
    """One submission's answer code as one document, with where each cell starts."""

    text: str
    cells: list[tuple[str, int, int]]  # grade_id, start, end in text
    fingerprint: object | None  # copydetect.CodeFingerprint; None when nothing is left after the boilerplate


class CodeComparer:
    """Winnowed fingerprints (copydetect) of the answer code, with the released code as boilerplate.

    Args:
        released_code: the sources of the released notebook's code cells.
        noise_threshold, guarantee_threshold: copydetect's k and window (window = guarantee - noise + 1).
    """

    def __init__(self, released_code: list[str], noise_threshold: int, guarantee_threshold: int):
        from copydetect import CodeFingerprint  # imports matplotlib: only when comparing

        self.fingerprint_class = CodeFingerprint
        self.k = noise_threshold
        self.window = max(1, guarantee_threshold - noise_threshold + 1)
        self.boilerplate = set()
        for source in released_code:
            self.boilerplate |= set(self.fingerprint(source).hashes)

    def fingerprint(self, code: str):
        return self.fingerprint_class("answer.py", self.k, self.window, fp=io.StringIO(code), language="python")

    def document(self, code: dict[str, str]) -> CodeDocument:
        """All answer cells of a submission as one fingerprinted document."""
        from copydetect.utils import get_token_coverage

        parts, cells, position = [], [], 0
        for name, source in code.items():
            text = source.rstrip() + "\n\n"
            parts.append(text)
            cells.append((name, position, position + len(text)))
            position += len(text)
        text = "".join(parts)
        if not text.strip():
            return CodeDocument(text, cells, None)
        fingerprint = self.fingerprint(text)
        # The released code never counts. copydetect's own boilerplate filter also drops one of two equal
        # fingerprints of the document (np.intersect1d with assume_unique), so the set is filtered here.
        fingerprint.hashes = fingerprint.hashes - self.boilerplate
        fingerprint.hash_idx = {h: i for h, i in fingerprint.hash_idx.items() if h in fingerprint.hashes}
        fingerprint.token_coverage = get_token_coverage(fingerprint.hash_idx, self.k, len(fingerprint.filtered_code))
        return CodeDocument(text, cells, fingerprint if fingerprint.hashes else None)

    def compare(self, first: CodeDocument, second: CodeDocument, with_slices: bool = False) -> CodeMatch | None:
        """Similarity of two documents; None when either has no answer code of its own."""
        from copydetect import compare_files

        if first.fingerprint is None or second.fingerprint is None:
            return None
        if first.fingerprint.hashes.isdisjoint(second.fingerprint.hashes):
            return CodeMatch(0.0, 0, (0.0, 0.0), ([], []))
        overlap, shares, slices = compare_files(first.fingerprint, second.fingerprint)
        shares = (min(1.0, float(shares[0])), min(1.0, float(shares[1])))
        ranges = ([], [])
        if with_slices:
            ranges = tuple([(int(s), int(e)) for s, e in zip(*side)] if len(side) and len(side[0]) else []
                           for side in slices)
        return CodeMatch((shares[0] + shares[1]) / 2, int(overlap), shares, ranges)


# ---------------------------------------------------------------- comparing free text

WORD = re.compile(r"\w+", re.UNICODE)


class TextComparer:
    """Manual answers compared as sets of word n-gram shingles (Jaccard index).

    Words are lower-cased, "ё" read as "е", and cut to their first 6 letters (a crude stem, so that
    changed Russian endings do not hide a copy).

    Args:
        shingle_words: words per shingle.
        min_words: answers with fewer words are not compared.
    """

    STEM = 6

    def __init__(self, shingle_words: int = 3, min_words: int = 5):
        self.n = max(1, shingle_words)
        self.min_words = max(min_words, self.n)

    def words(self, text: str) -> list[tuple[str, int, int]]:
        """(stem, start, end) of every word of the text."""
        return [(m.group().lower().replace("ё", "е")[:self.STEM], m.start(), m.end()) for m in WORD.finditer(text)]

    def shingles(self, text: str) -> frozenset | None:
        """The shingles of an answer; None when it is too short to compare."""
        stems = [w[0] for w in self.words(text)]
        if len(stems) < self.min_words:
            return None
        return frozenset(tuple(stems[i:i + self.n]) for i in range(len(stems) - self.n + 1))

    @staticmethod
    def jaccard(first: frozenset, second: frozenset) -> float:
        union = len(first | second)
        return len(first & second) / union if union else 0.0

    def matching_ranges(self, text: str, shared: set) -> list[tuple[int, int]]:
        """Character ranges of the words of text that belong to a shingle in shared, merged."""
        words = self.words(text)
        marked = [False] * len(words)
        for i in range(len(words) - self.n + 1):
            if tuple(w[0] for w in words[i:i + self.n]) in shared:
                for j in range(i, i + self.n):
                    marked[j] = True
        ranges = []
        for index, ((_, start, end), hit) in enumerate(zip(words, marked)):
            if hit and index and marked[index - 1]:
                ranges[-1] = (ranges[-1][0], end)  # the next word of the same run
            elif hit:
                ranges.append((start, end))
        return ranges


# ---------------------------------------------------------------- the whole comparison

@dataclass
class PairResult:
    """One compared pair; b is a reference notebook when kind == "reference"."""

    a: Submission
    b: Submission
    code: CodeMatch | None
    texts: dict[str, float]  # grade_id -> Jaccard index, for the answers both gave
    code_flag: bool = False
    text_flags: list[str] = field(default_factory=list)
    rank_score: float = 0.0

    @property
    def kind(self) -> str:
        return self.b.kind

    @property
    def flagged(self) -> bool:
        return self.code_flag or bool(self.text_flags)

    @property
    def text_max(self) -> float | None:
        return max(self.texts.values()) if self.texts else None

    @property
    def reasons(self) -> str:
        return "+".join((["code"] if self.code_flag else []) + (["text"] if self.text_flags else []))


@dataclass
class Comparison:
    """Everything the report shows."""

    assignment: str
    settings: Similarity
    students: list[Submission]
    references: list[Submission]
    pairs: list[PairResult]  # ranked, most similar first
    problems: list[Problem]
    code_docs: dict[str, CodeDocument]  # by submission key
    manual_ids: list[str]
    seconds: float = 0.0

    @property
    def flagged(self) -> list[PairResult]:
        return [p for p in self.pairs if p.flagged]


def key(submission: Submission) -> str:
    return f"{submission.kind}:{submission.name}"


def compare_submissions(students: list[Submission], references: list[Submission], reader: AnswerReader,
                        settings: Similarity, problems: list[Problem], assignment: str) -> Comparison:
    """Compare every pair of students, and every student with every reference notebook.

    Args:
        students, references: the read submissions.
        reader: the AnswerReader that read them (its released code is the boilerplate).
        settings: thresholds and parameters.
        problems: skipped inputs found so far; empty answers are added here.
        assignment: the assignment's name, for the report.

    Returns:
        The Comparison with every pair, ranked by similarity relative to the thresholds.
    """
    started = time.perf_counter()
    code_comparer = CodeComparer(reader.released_code, settings.noise_threshold, settings.guarantee_threshold)
    text_comparer = TextComparer(settings.shingle_words, settings.min_answer_words)
    docs, shingles = {}, {}
    for submission in students + references:
        docs[key(submission)] = code_comparer.document(submission.code)
        shingles[key(submission)] = {q: text_comparer.shingles(t) for q, t in submission.texts.items()}
        if submission.kind == "student":
            if docs[key(submission)].fingerprint is None:
                problems.append(Problem(submission.name, "no answer code of their own (only the released code): "
                                                         "code not compared"))
            missing = [q for q in reader.manual_ids if q not in submission.texts]
            short = [q for q, s in shingles[key(submission)].items() if s is None]
            if missing:
                problems.append(Problem(submission.name, f"empty answer(s) not compared: {', '.join(missing)}"))
            if short:
                problems.append(Problem(submission.name, f"answer(s) under {text_comparer.min_words} words not "
                                                         f"compared: {', '.join(short)}"))
    pairs = []
    candidates = itertools.chain(itertools.combinations(students, 2),
                                 ((s, r) for s in students for r in references))
    for a, b in candidates:
        code = code_comparer.compare(docs[key(a)], docs[key(b)])
        texts = {}
        for question in reader.manual_ids:
            first, second = shingles[key(a)].get(question), shingles[key(b)].get(question)
            if first and second:
                texts[question] = text_comparer.jaccard(first, second)
        pair = PairResult(a, b, code, texts)
        pair.code_flag = (code is not None and code.similarity >= settings.code_threshold
                          and code.overlap >= settings.min_code_match)
        pair.text_flags = [q for q, value in texts.items() if value >= settings.text_threshold]
        pair.rank_score = max((code.similarity / settings.code_threshold) if code else 0.0,
                              (pair.text_max or 0.0) / settings.text_threshold)
        pairs.append(pair)
    pairs.sort(key=lambda p: (-p.rank_score, -(p.code.similarity if p.code else 0.0), -(p.text_max or 0.0),
                              p.a.name, p.b.name))
    return Comparison(assignment, settings, students, references, pairs, problems, docs, reader.manual_ids,
                      time.perf_counter() - started)


# ---------------------------------------------------------------- reading a course

def load_settings(config) -> Similarity:
    """The Similarity settings of a loaded course config; the text stub defaults to nbgrader's."""
    from nbgrader.preprocessors import ClearSolutions

    settings = Similarity(config=config)
    if "text_stub" not in config.Similarity:
        settings.text_stub = ClearSolutions(config=config).text_stub
    return settings


def read_course(course_dir: str | Path, assignment: str | None, reference_dirs: list[str]) -> Comparison:
    """Read the release, the submissions and the reference notebooks of a course and compare them.

    Args:
        course_dir: the course directory.
        assignment: the assignment (None: the course's only one).
        reference_dirs: folders whose *.ipynb (at any depth) are compared with every student.

    Returns:
        The Comparison. Raises CourseError when the course or its release cannot be used.
    """
    course = load_course(course_dir)
    assignment = assignment or course.default_assignment()
    settings = load_settings(course.config)
    release_dir = course.assignment_dir("release", None, assignment)
    release_paths = sorted(release_dir.glob("*.ipynb"))
    if not release_paths:
        raise CourseError(f"{release_dir}: no released notebook (run `nbgrader generate_assignment {assignment}` "
                          "first): the stubs are needed to tell answers from given code")
    problems: list[Problem] = []
    releases = []
    for path in release_paths:
        notebook = read_notebook(path, "release", problems)
        if notebook is None:
            raise CourseError(problems[-1].message)
        releases.append(notebook)
    reader = AnswerReader(releases, settings.text_stub)
    notebook_names = [p.stem for p in release_paths]

    students = []
    submitted = course.directory("submitted")
    for folder in sorted(submitted.glob(f"*/{assignment}")) if submitted.is_dir() else []:
        if folder.is_dir():
            submission = reader.read(folder, folder.parent.name, "student", notebook_names, problems)
            if submission is not None:
                students.append(submission)

    references = []
    for directory in reference_dirs:
        root = Path(directory)
        paths = sorted(p for p in root.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts) \
            if root.is_dir() else []
        if not paths:
            problems.append(Problem(f"reference {directory}", "no *.ipynb found there: nothing compared"))
        for path in paths:
            name = f"{root.name}/{path.relative_to(root)}"
            notebook = read_notebook(path, f"reference {name}", problems)
            if notebook is None:
                continue
            answers = reader.checked_answers(notebook, path, f"reference {name}", problems)
            if answers is not None:
                references.append(Submission(name, "reference", *answers))
    return compare_submissions(students, references, reader, settings, problems, assignment)


# ---------------------------------------------------------------- command line

def main(argv: list[str] | None = None) -> int:
    """The command; returns the exit code (0, or 2 when the course cannot be read)."""
    from gradekit.submitted.similarity_report import write_csv, write_html

    parser = argparse.ArgumentParser(description="Find pairs of submissions with similar answers "
                                                 "(scores and the gradebook are never changed).")
    parser.add_argument("assignment", nargs="?", help="default: the only assignment under source/")
    parser.add_argument("--course-dir", default=".", help="course directory (default: current directory)")
    parser.add_argument("--reference", action="append", default=[], metavar="DIR",
                        help="folder of reference notebooks (*.ipynb at any depth) compared with every student; "
                             "may be repeated")
    args = parser.parse_args(argv)
    try:
        comparison = read_course(args.course_dir, args.assignment, args.reference)
    except CourseError as error:
        print(f"similarity: error: {error}", file=sys.stderr)
        return 2
    reports = load_course(args.course_dir).root / "reports"
    csv_path = write_csv(comparison, reports / f"similarity_{comparison.assignment}.csv")
    page = write_html(comparison, reports / f"similarity_{comparison.assignment}")
    for problem in comparison.problems:
        print(f"  skipped: {problem.who}: {problem.message}")
    settings = comparison.settings
    print(f"{len(comparison.students)} submissions, {len(comparison.references)} reference notebooks, "
          f"{len(comparison.pairs)} pairs compared in {comparison.seconds:.1f} s; "
          f"{len(comparison.flagged)} flagged (code >= {settings.code_threshold:g}, "
          f"text >= {settings.text_threshold:g})")
    for pair in comparison.flagged[:PRINTED_PAIRS]:
        print(f"  {pair.a.name} ~ {pair.b.name}{' (reference)' if pair.kind == 'reference' else ''}: "
              f"{pair.reasons}")
    if len(comparison.flagged) > PRINTED_PAIRS:
        print(f"  ... and {len(comparison.flagged) - PRINTED_PAIRS} more flagged pairs (see the CSV)")
    print(f"similarity report -> {page}")
    print(f"flagged pairs     -> {csv_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
