""".ci/postgres.sh hands back its URL even when it has to start the server itself.

The server is a daemon that keeps whatever descriptors it inherits; had it our output pipe,
`NUMPY_NN_TEST_PG_URL="$(bash .ci/postgres.sh)"` in .ci/run would never return. Stand-ins for
the Debian tools (on PATH before the real ones) start a "server" that behaves the same way.
"""
import os
import signal
import subprocess
from pathlib import Path

from gradekit.course import REPO_ROOT

PORT = 54329
STAND_INS = {
    "pg_lsclusters": f'echo "15 main {PORT} down postgres /nowhere /nowhere.log"',
    # like the real server: daemonized, every inherited descriptor kept open
    "pg_ctlcluster": 'sleep 120 & echo $! > "$SERVER_PID_FILE"',
    "runuser": 'echo 1',
    "apt-get": 'exit 0',
}


def test_url_comes_back_while_the_started_server_keeps_running(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in STAND_INS.items():
        (bin_dir / name).write_text(f"#!/bin/sh\n{body}\n")
        (bin_dir / name).chmod(0o755)
    pid_file = tmp_path / "server.pid"
    env = dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}", SERVER_PID_FILE=str(pid_file))
    try:
        result = subprocess.run(["bash", str(REPO_ROOT / ".ci" / "postgres.sh")], env=env,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert result.stdout == f"postgresql://numpy_nn_test:numpy_nn_test@127.0.0.1:{PORT}/numpy_nn_test\n"
        assert Path(f"/proc/{pid_file.read_text().strip()}").exists(), "the stand-in server should still run"
    finally:
        if pid_file.exists():
            os.kill(int(pid_file.read_text()), signal.SIGKILL)
