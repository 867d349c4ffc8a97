"""The grade-by-question page for a generated class (default 300 students, 90-word answers, t-SNE images).

The course is the kit's own (generate_assignment); the students are added to the gradebook through
nbgrader's API (add_student, add_submission) and each gets an autograded notebook made from the
release notebook: a `tsne_conclusion` answer of 90 words drawn from the lab's own Markdown (one
student in five a near-copy of another: a word or two and a few letters changed) and two PNG
outputs of ~70 kB in the t-SNE cells. A real `jupyter server` serves the page.

Printed (ratios against a baseline measured in the same run):
  - grouping: MinHash/LSH candidates vs the same ratio on every pair (and whether the groups are the
    same), and vs difflib on every pair, the page's former way (estimated from 200 random pairs);
  - the question page: its time, its size, and its time over the time of reading the notebooks alone;
  - another TA's save: its time while a question page is being built, over its time on an idle server.
Run: .venv/bin/python benchmarks/grade_by_question.py [--students 300] [--words 90] [--seed 1]
"""
import argparse
import base64
import difflib
import itertools
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from gradekit.course import copy_course, run_nbgrader, tool_environment
from gradekit.dev.answers import near_duplicate_answers
from gradekit.dev.lab import ASSIGNMENT
from gradekit.grades.by_question.answers import load_answers
from gradekit.grades.by_question.grouping import all_pairs, group_items, normalise
from gradekit.grades.by_question.rubric import load_rubric
from gradekit.settings import load_course

QUESTION = "tsne_conclusion"
IMAGE_CELLS = ("plot_original", "plot_learnt")
TOKEN = "benchmark-token-0123456789"


def build_class(course: Path, students: int, words: int, seed: int) -> list[str]:
    """Students in the gradebook and their autograded notebooks; returns their ids."""
    rng = random.Random(seed)
    settings = load_course(course)
    release = json.loads((course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text(encoding="utf-8"))
    ids = [f"s{index:04d}" for index in range(students)]
    with settings.gradebook() as gradebook:
        for student in ids:
            gradebook.add_student(student, first_name="Имя", last_name=f"Фамилия{student}")
            gradebook.add_submission(ASSIGNMENT, student, timestamp="2024-02-20 15:00:00")
    for student, text in zip(ids, near_duplicate_answers(students, words, seed)):
        notebook = json.loads(json.dumps(release))
        for cell in notebook["cells"]:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if grade_id == QUESTION:
                cell["source"] = text
            elif grade_id in IMAGE_CELLS:
                png = b"\x89PNG\r\n\x1a\n" + rng.randbytes(52_000)  # ~70 kB of base64, like a t-SNE plot
                cell["outputs"] = [{"output_type": "display_data", "metadata": {},
                                    "data": {"image/png": base64.b64encode(png).decode(), "text/plain": "<Figure>"}}]
        folder = settings.assignment_dir("autograded", student, ASSIGNMENT)
        folder.mkdir(parents=True)
        (folder / f"{ASSIGNMENT}.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    return ids


def difflib_similar(a: str, b: str, threshold: float = 0.9) -> bool:
    """The page's former judge of a pair (difflib, with its cheap upper bounds first)."""
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return (matcher.real_quick_ratio() >= threshold and matcher.quick_ratio() >= threshold
            and matcher.ratio() >= threshold)


def timed(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def start_server(course: Path, home: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (home / "config").mkdir(parents=True)
    (home / "config" / "jupyter_server_config.json").write_text(json.dumps(
        {"ServerApp": {"jpserver_extensions": {"gradekit.grades.by_question": True}}}))
    env = {**tool_environment(), "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_RUNTIME_DIR": str(home / "rt"),
           "JUPYTER_DATA_DIR": str(home / "data")}
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={course}",
         *(["--allow-root"] if os.geteuid() == 0 else [])],
        cwd=course, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    for _ in range(180):
        try:
            urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=5)
            return process, base
        except OSError:
            time.sleep(0.5)
    raise SystemExit("jupyter server did not start")


def request(url: str, body: dict | None = None) -> bytes:
    """GET, or POST JSON, with the token (token requests need no XSRF cookie)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers={"Authorization": f"token {TOKEN}"})
    with urllib.request.urlopen(req, timeout=600) as response:
        return response.read()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--words", type=int, default=90)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-exhaustive", action="store_true", help="skip difflib on every pair (minutes)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        course = copy_course(Path(tmp) / "course")
        run_nbgrader(["generate_assignment", ASSIGNMENT, "--force", "--log-level=ERROR"], course, capture=True)
        print(f"building {args.students} students ({args.words}-word answers)…", flush=True)
        build_class(course, args.students, args.words, args.seed)
        settings = load_course(course)
        context = load_rubric(course / "rubric.yaml")[QUESTION].context
        with settings.gradebook() as gradebook:
            from gradekit.grades.by_question.answers import find_question

            question = find_question(settings, gradebook, ASSIGNMENT, ASSIGNMENT, QUESTION)
            loaded = []
            read = timed(lambda: loaded.append(load_answers(settings, gradebook, question, context)))
        texts = [answer.text for answer in loaded[0]]

        groups = []
        lsh = min(timed(lambda: groups.append(group_items(texts, str))) for _ in range(3))
        print(f"grouping {len(texts)} answers: MinHash/LSH {lsh:.2f} s, {len(groups[0])} groups", flush=True)
        if not args.no_exhaustive:
            exhaustive = []
            every = timed(lambda: exhaustive.append(group_items(texts, str, candidates=all_pairs)))
            print(f"  the same ratio on every pair {every:.2f} s: LSH takes {lsh / every:.2f} of it; "
                  f"same groups: {exhaustive[0] == groups[0]}")
        keys = [normalise(text) for text in texts]
        sample = random.Random(args.seed).sample(list(itertools.combinations(range(len(keys)), 2)), 200)
        pairs = len(keys) * (len(keys) - 1) // 2
        per_pair = timed(lambda: [difflib_similar(keys[i], keys[j]) for i, j in sample]) / len(sample)
        print(f"  difflib on every pair (the page before), estimated from {len(sample)} random pairs: "
              f"{per_pair * pairs:.0f} s; LSH takes {lsh / (per_pair * pairs):.4f} of it", flush=True)

        process, base = start_server(course, Path(tmp) / "jupyter")
        try:
            page_url = f"{base}/grade-by-question/{ASSIGNMENT}/{ASSIGNMENT}/{QUESTION}"
            pages = []
            times = [timed(lambda: pages.append(request(page_url))) for _ in range(3)]
            html = pages[-1].decode()
            page = statistics.median(times)
            print(f"question page, {args.students} students: {page:.2f} s (median of 3: "
                  f"{', '.join(f'{t:.2f}' for t in times)}), {len(html) / 1e6:.2f} MB, "
                  f"{html.count('<img')} images linked, {html.count('data:image')} embedded; "
                  f"{page / read:.2f}x the time of reading the notebooks and grades alone ({read:.2f} s)")

            token = re.search(r'class="member" value="([0-9a-f]+)"', html).group(1)
            api = f"{base}/grade-by-question/api/{ASSIGNMENT}/{ASSIGNMENT}/{QUESTION}"

            def save(score: float) -> None:
                stored = json.loads(request(f"{api}?students={token}"))["stored"][token]
                request(api, {"students": [token], "score": score, "expected": {token: stored}})

            idle = statistics.median(timed(lambda: save(0.25)) for _ in range(5))
            busy = []
            for _ in range(3):
                loader = threading.Thread(target=lambda: request(page_url))
                loader.start()
                time.sleep(page / 4)  # the page is being built now
                busy.append(timed(lambda: save(0.1)))
                loader.join()
            during = statistics.median(busy)
            print(f"another TA's save: {idle * 1000:.0f} ms on an idle server, {during * 1000:.0f} ms while a "
                  f"question page is built: {during / idle:.1f}x (the page takes {page * 1000:.0f} ms)")
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
