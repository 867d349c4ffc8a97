"""Time the similarity report on a generated class (default 300 students, ~45,000 pairs) on one core.

The class is built from the release notebook: every student starts from one of the kit's answer
sets (tests/submissions/ and tests/similarity/), then gets their own renamed variables and a few
words of every manual answer changed (a seeded random generator), so documents have the real size
and most pairs differ. One in ten students is an exact copy of an earlier one.
The whole command runs in one process pinned to one CPU (taskset when available): reading the
notebooks, comparing every pair, writing the CSV and the pages.
With --separation it prints instead the code and text similarity ranges of the honest pairs
and the disguised copies of tests/similarity/ (the measurements in docs/similarity.md).
Run: .venv/bin/python benchmarks/similarity.py [--students 300] [--seed 1] [--separation]
"""
import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gradekit.course import REPO_ROOT, copy_course, run_nbgrader, tool_environment
from gradekit.dev.lab import ASSIGNMENT
from gradekit.dev.samples import Sample, load_sample, place_submission, sample_names

VARIANTS = REPO_ROOT / "tests" / "similarity"
# Names students write themselves in the answer cells; renamed per student.
RENAMEABLE = ["output", "activations", "input", "relu_grad_mask", "grad_input", "grad_weights", "grad_biases",
              "lr", "subset_ids", "tsne", "loss_grad", "i", "layer", "model", "results", "current", "result"]
FILLERS = ["видно", "также", "заметно", "в целом", "при этом", "очевидно", "как ожидалось"]


def answer_sets():
    """Every answer set of the kit that has code of its own (the blank-based attacks are left out)."""
    sets = [load_sample(name) for name in sample_names() if not name.startswith(("attack_", "blank"))]
    return sets + [load_sample(name, VARIANTS) for name in sample_names(VARIANTS)]


def personalise(sample, student, rng):
    """The sample's answers with this student's own variable names and slightly changed manual answers."""
    answers = {}
    renames = {name: f"{name}_{rng.randrange(1000)}" for name in rng.sample(RENAMEABLE, 6)}
    for grade_id, source in sample.answers.items():
        if grade_id.endswith(("conclusion",)) or grade_id.startswith("control_q"):
            words = source.split(" ")
            for _ in range(max(1, len(words) // 8)):
                words.insert(rng.randrange(len(words) + 1), rng.choice(FILLERS))
            answers[grade_id] = " ".join(words)
        else:
            for old, new in renames.items():
                source = re.sub(rf"(?<![\w.]){re.escape(old)}\b", new, source)
            answers[grade_id] = source
    return Sample(name=student, description="generated", answers=answers)


def build_class(course, students, seed):
    rng = random.Random(seed)
    sets = answer_sets()
    release = course / "release" / ASSIGNMENT
    made = []
    for index in range(students):
        student = f"s{index:04d}"
        if made and index % 10 == 9:  # an exact copy of an earlier student
            shutil.copytree(course / "submitted" / rng.choice(made), course / "submitted" / student)
        else:
            place_submission(personalise(sets[index % len(sets)], student, rng), release, course / "submitted")
        made.append(student)


def family(name):
    if name.startswith("copy_"):
        return "copy"
    if name.startswith("honest_") or name in ("correct", "correct_alt"):
        return "honest"
    return "correct-based" if not name.startswith(("attack_", "blank")) else None


def separation(noise, guarantee):
    """Print the similarity ranges of each kind of pair, with the given copydetect k and guarantee."""
    from gradekit.submitted.similarity import read_course

    with tempfile.TemporaryDirectory() as tmp:
        course = copy_course(Path(tmp) / "course")
        run_nbgrader(["generate_assignment", ASSIGNMENT, "--force", "--log-level=ERROR"], course, capture=True)
        with open(course / "nbgrader_config.py", "a", encoding="utf-8") as config:
            config.write(f"\nc.Similarity.noise_threshold = {noise}\nc.Similarity.guarantee_threshold = {guarantee}\n")
        for name in sample_names():
            place_submission(load_sample(name), course / "release" / ASSIGNMENT, course / "submitted")
        for name in sample_names(VARIANTS):
            place_submission(load_sample(name, VARIANTS), course / "release" / ASSIGNMENT, course / "submitted")
        comparison = read_course(course, ASSIGNMENT, [])
    groups = {}
    for pair in comparison.pairs:
        kinds = sorted((family(pair.a.name), family(pair.b.name)), key=str)
        names = {pair.a.name, pair.b.name}
        if kinds == ["honest", "honest"]:
            group = "honest: two independent answer sets"
        elif kinds == ["correct-based", "honest"] and "correct" not in names:
            group = "honest: independent set vs a sample built on correct"
        elif kinds == ["copy", "honest"] and "correct" in names:
            group = "disguised copy vs correct"
        elif kinds == ["copy", "copy"]:
            group = "two disguised copies of correct"
        else:
            continue
        groups.setdefault(group, []).append(pair)
    print(f"noise_threshold {noise}, guarantee_threshold {guarantee}")
    for group, pairs in groups.items():
        code = [p.code.similarity for p in pairs if p.code]
        text = [p.text_max for p in pairs if p.text_max is not None]
        top = max(pairs, key=lambda p: p.code.similarity if p.code else 0)
        print(f"  {group} ({len(pairs)} pairs): code {min(code):.3f} - {max(code):.3f} "
              f"(max: {top.a.name} ~ {top.b.name}), best answer "
              f"{min(text) if text else 0:.3f} - {max(text) if text else 0:.3f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--separation", action="store_true", help="measure the thresholds' separation instead")
    parser.add_argument("--noise", type=int, default=12, help="with --separation: copydetect's k")
    parser.add_argument("--guarantee", type=int, default=12, help="with --separation: copydetect's guarantee")
    args = parser.parse_args()
    if args.separation:
        separation(args.noise, args.guarantee)
        return
    with tempfile.TemporaryDirectory() as tmp:
        course = copy_course(Path(tmp) / "course")
        run_nbgrader(["generate_assignment", ASSIGNMENT, "--force", "--log-level=ERROR"], course, capture=True)
        build_class(course, args.students, args.seed)
        command = [sys.executable, "-m", "gradekit.submitted.similarity", ASSIGNMENT]
        if shutil.which("taskset"):
            command = ["taskset", "-c", str(min(os.sched_getaffinity(0))), *command]
        env = {**tool_environment(), "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
        started = time.monotonic()
        result = subprocess.run(command, cwd=course, env=env, capture_output=True, text=True, check=True)
        seconds = time.monotonic() - started
        summary = next(line for line in result.stdout.splitlines() if "pairs compared" in line)
        pages = len(list((course / "reports" / f"similarity_{ASSIGNMENT}").glob("pair-*.html")))
        print(summary)
        print(f"{args.students} students, {args.students * (args.students - 1) // 2} pairs: "
              f"the whole command took {seconds:.1f} s on one core ({pages} pair pages written)")


if __name__ == "__main__":
    main()
