"""`make clean` removes what make targets generate and nothing that is committed."""
import shutil
import subprocess

from gradekit.course import REPO_ROOT


def test_make_clean_leaves_committed_files_alone(tmp_path):
    committed = subprocess.run(["git", "ls-files", "Makefile", "release", "solutions", "autograded"], cwd=REPO_ROOT,
                               capture_output=True, text=True, check=True).stdout.split()
    for name in committed:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / name, tmp_path / name)
    generated = [tmp_path / "demo" / "course" / "x.txt", tmp_path / "solutions" / "numpy_nn" / "numpy_nn.ipynb"]
    for path in generated:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("generated")

    subprocess.run(["make", "clean"], cwd=tmp_path, check=True, capture_output=True)

    assert [name for name in committed if not (tmp_path / name).is_file()] == []
    assert [path for path in generated if path.exists()] == []
