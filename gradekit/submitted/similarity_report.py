"""The similarity report's files: the CSV of flagged pairs and the HTML pages (Jinja2, autoescaped).

Student code and text are untrusted: they reach the pages only as template variables, which
Jinja2 escapes (autoescape=True), and are shown as preformatted text, never rendered as Markdown
or HTML. Matching parts are marked with <mark> by the template, not by string building.
"""
from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from gradekit.submitted.similarity import CodeComparer, Comparison, PairResult, TextComparer, key

CSV_COLUMNS = ("student_a", "student_b", "compared_with", "code_similarity", "code_share_a", "code_share_b",
               "text_similarity", "text_questions", "flagged_by", "page")
INDEX = "index.html"


def environment() -> Environment:
    """The template environment; autoescape is on for every template."""
    return Environment(loader=PackageLoader("gradekit.submitted", "templates"),
                       autoescape=select_autoescape(default=True, default_for_string=True),
                       trim_blocks=True, lstrip_blocks=True)


def segments(text: str, ranges: list[tuple[int, int]], start: int = 0, end: int | None = None) -> list[dict]:
    """The text between start and end cut into {"text", "match"} pieces along the matching ranges.

    Args:
        text: the whole document.
        ranges: matching (start, end) character ranges in text, sorted or not.
        start, end: the part of the document to cut (default: all of it).

    Returns:
        Consecutive pieces that together are text[start:end].
    """
    end = len(text) if end is None else end
    pieces, position = [], start
    for first, last in sorted(ranges):
        first, last = max(first, position), min(last, end)
        if first >= last:
            continue
        if first > position:
            pieces.append({"text": text[position:first], "match": False})
        pieces.append({"text": text[first:last], "match": True})
        position = last
    if position < end:
        pieces.append({"text": text[position:end], "match": False})
    return pieces


def percent(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f} %"


def shown_pairs(comparison: Comparison) -> list[PairResult]:
    """The settings.pairs_shown most similar pairs, the flagged ones first, each in rank order."""
    flagged = comparison.flagged
    others = [p for p in comparison.pairs if not p.flagged]
    return (flagged + others)[:max(0, comparison.settings.pairs_shown)]


def page_names(comparison: Comparison) -> dict[int, str]:
    """id(pair) -> the file name of its side-by-side page, for the pairs that get one."""
    return {id(pair): f"pair-{rank:04d}.html" for rank, pair in enumerate(shown_pairs(comparison), start=1)}


def write_csv(comparison: Comparison, path: Path) -> Path:
    """The flagged pairs, most similar first, one row each.

    Args:
        comparison: the result of the comparison.
        path: where to write (its folder is created).

    Returns:
        The path written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pages = page_names(comparison)
    folder = f"similarity_{comparison.assignment}"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for pair in comparison.flagged:
            code = pair.code
            writer.writerow([
                pair.a.name, pair.b.name, pair.kind,
                "" if code is None else f"{code.similarity:.3f}",
                "" if code is None else f"{code.shares[0]:.3f}",
                "" if code is None else f"{code.shares[1]:.3f}",
                "" if pair.text_max is None else f"{pair.text_max:.3f}",
                ";".join(f"{q}={pair.texts[q]:.3f}" for q in pair.text_flags),
                pair.reasons,
                f"{folder}/{pages[id(pair)]}" if id(pair) in pages else "",
            ])
    return path


def pair_view(comparison: Comparison, pair: PairResult, code_comparer: CodeComparer,
              text_comparer: TextComparer) -> dict:
    """What a pair's page shows: its code cells and answers side by side, matching parts marked."""
    first, second = comparison.code_docs[key(pair.a)], comparison.code_docs[key(pair.b)]
    match = code_comparer.compare(first, second, with_slices=True)
    slices = match.slices if match else ([], [])
    cells_a = {grade_id: (start, end) for grade_id, start, end in first.cells}
    cells_b = {grade_id: (start, end) for grade_id, start, end in second.cells}
    order = [c[0] for c in first.cells] + [c[0] for c in second.cells if c[0] not in cells_a]
    code_rows = []
    for grade_id in order:
        row = {"grade_id": grade_id, "a": None, "b": None}
        if grade_id in cells_a:
            row["a"] = segments(first.text, slices[0], *cells_a[grade_id])
        if grade_id in cells_b:
            row["b"] = segments(second.text, slices[1], *cells_b[grade_id])
        code_rows.append(row)
    text_rows = []
    for question in comparison.manual_ids:
        text_a, text_b = pair.a.texts.get(question), pair.b.texts.get(question)
        if text_a is None and text_b is None:
            continue
        shared = set()
        if text_a and text_b:
            shared = (text_comparer.shingles(text_a) or set()) & (text_comparer.shingles(text_b) or set())
        text_rows.append({
            "grade_id": question,
            "score": percent(pair.texts.get(question)) if question in pair.texts else "not compared",
            "flagged": question in pair.text_flags,
            "a": None if text_a is None else segments(text_a, text_comparer.matching_ranges(text_a, shared)),
            "b": None if text_b is None else segments(text_b, text_comparer.matching_ranges(text_b, shared)),
        })
    return {"code_rows": code_rows, "text_rows": text_rows}


def write_html(comparison: Comparison, out_dir: Path) -> Path:
    """index.html (ranking, skipped inputs) and one side-by-side page per shown pair.

    Args:
        comparison: the result of the comparison.
        out_dir: the report's folder (created; earlier pair pages are removed).

    Returns:
        The path of index.html.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("pair-*.html"):
        old.unlink()
    env = environment()
    settings = comparison.settings
    pages = page_names(comparison)
    shown = shown_pairs(comparison)
    code_comparer = CodeComparer([], settings.noise_threshold, settings.guarantee_threshold)
    text_comparer = TextComparer(settings.shingle_words, settings.min_answer_words)
    generated = f"{datetime.now():%Y-%m-%d %H:%M}"

    def row(rank: int, pair: PairResult) -> dict:
        return {"rank": rank, "a": pair.a.name, "b": pair.b.name, "reference": pair.kind == "reference",
                "code": percent(pair.code.similarity) if pair.code else "–",
                "text": percent(pair.text_max), "reasons": pair.reasons,
                "text_flags": ", ".join(pair.text_flags), "page": pages.get(id(pair))}

    rows = [row(rank, pair) for rank, pair in enumerate(shown, start=1)]
    hidden = len(comparison.pairs) - len(shown)
    pair_template = env.get_template("similarity_pair.html.j2")
    for rank, pair in enumerate(shown, start=1):
        view = pair_view(comparison, pair, code_comparer, text_comparer)
        (out_dir / pages[id(pair)]).write_text(pair_template.render(
            assignment=comparison.assignment, pair=row(rank, pair), settings=settings,
            shares=pair.code.shares if pair.code else None, percent=percent, generated=generated, **view),
            encoding="utf-8")
    index = out_dir / INDEX
    index.write_text(env.get_template("similarity_index.html.j2").render(
        assignment=comparison.assignment, settings=settings, rows=rows, hidden=hidden,
        students=len(comparison.students), references=len(comparison.references),
        flagged_unlisted=max(0, len(comparison.flagged) - len(shown)),
        pairs=len(comparison.pairs), flagged=len(comparison.flagged), seconds=comparison.seconds,
        problems=comparison.problems, generated=generated), encoding="utf-8")
    return index
