"""Grading kernels in a bubblewrap sandbox.

nbgrader runs student code with the grader's rights. Here the kernel command is
prefixed with `bwrap`, so the kernel sees a read-only system (/usr, /etc, the
Python installation and venv), a private /tmp, and a throw-away copy of its own
submission folder at the real path; nothing of the course (source/, the
gradebook, other students), no network at all (not even loopback: the grader
talks to it over unix sockets, ZeroMQ's `ipc` transport), no other processes,
and rlimits on memory, processes and file size.

If the grader runs as root, rlimits on processes do not apply to root and a
user namespace would still map the kernel to root, so bwrap runs privileged and
`setpriv` turns the kernel into an unprivileged uid (sandbox_uid) inside it.

The wrapping is a jupyter_client kernel provisioner (SandboxProvisioner, entry point
"numpy-nn-sandbox"); grading kernels get it through kernel specs that name it
(SandboxKernelSpecs, given by ResilientExecute to its kernel manager only).
"""
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from jupyter_client.connect import KernelConnectionInfo
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.provisioning import LocalProvisioner
from traitlets import Instance, Integer, List, Unicode

SANDBOX_SWITCH = "NUMPY_NN_SANDBOX"
OFF_VALUES = ("off", "0", "no", "false")

UNAVAILABLE = (
    "bubblewrap (bwrap) is not installed, and grading runs student code in its sandbox. "
    "Install it (`apt-get install bubblewrap`, or `make venv` as root), or grade WITHOUT isolation "
    f"at your own risk with {SANDBOX_SWITCH}=off. Nothing was graded."
)
UNSANDBOXED_WARNING = (
    "!!! %s=off: student code runs WITHOUT the sandbox, with all of the grader's rights "
    "(it can read the solutions and the gradebook, write its own grade, use the network). !!!"
)

# Environment variables handed into the sandbox; everything else of the grader's
# environment (tokens, paths of the instructor) stays outside.
PASSED_ENV = ("LANG", "LC_ALL", "LC_CTYPE", "TZ", "PYTHONHASHSEED", "MPLBACKEND", "NBGRADER_EXECUTION",
              "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "MALLOC_ARENA_MAX",
              "MNIST_PATH", "MNIST_MIRROR")


def sandbox_requested(environ=os.environ):
    return environ.get(SANDBOX_SWITCH, "on").strip().lower() not in OFF_VALUES


def bwrap_available(bwrap="bwrap"):
    return shutil.which(bwrap) is not None


def check_before_grading(**_hook_arguments):
    """Autograde.pre_convert_hook: stop before a submission is touched if the sandbox cannot run.

    nbgrader calls the hook before it creates anything for the submission and lets
    SystemExit through, so the run ends with this message and no traceback, and
    the gradebook has no half-graded entry.
    """
    if sandbox_requested() and not bwrap_available():
        raise SystemExit("ERROR: " + UNAVAILABLE)


class SandboxUnavailable(RuntimeError):
    pass


def _mount_roots(paths):
    """The paths without those inside another one (binding the outer one is enough)."""
    roots = []
    for path in sorted(set(paths), key=lambda p: len(p.parts)):
        if not any(path == root or root in path.parents for root in roots):
            roots.append(path)
    return roots


def _python_paths():
    """What the kernel's interpreter needs: the venv and the installation it was made from."""
    paths = {Path(sys.prefix), Path(sys.base_prefix), Path(os.path.realpath(sys.executable)).parent.parent}
    return [p for p in paths if p.exists()]


def bwrap_command(kernel_cmd, *, workdir, scratch, runtime_dir, memory_mb, processes, file_size_mb,
                  tmp_size_mb, env, run_as_uid=None, read_only=(), bwrap="bwrap"):
    """The kernel command wrapped in bwrap (and setpriv, if the kernel must drop root).

    workdir: the path the kernel sees as its folder; scratch: the host folder behind it.
    """
    args = [bwrap, "--die-with-parent", "--new-session",
            "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
    if run_as_uid is None:
        # unprivileged bwrap: a user namespace, in which no further namespaces may be made
        args += ["--unshare-user", "--disable-userns"]
    for link in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / link
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    args += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--size", str(tmp_size_mb * 2 ** 20),
             "--tmpfs", "/tmp", "--perms", "1777", "--size", str(tmp_size_mb * 2 ** 20), "--tmpfs", "/dev/shm"]
    binds = [("--ro-bind", p) for p in _mount_roots([Path("/usr"), Path("/etc"), *map(Path, read_only)])]
    binds += [("--bind", Path(runtime_dir)), ("--bind", Path(workdir))]
    created = {Path("/"), Path("/tmp")}
    for option, path in binds:
        # bwrap would create missing parents with mode 0700, closed to an unprivileged kernel
        for parent in reversed(path.parents):
            if parent not in created and not any(parent == p or p in parent.parents for _, p in binds[:-2]):
                args += ["--perms", "0755", "--dir", str(parent)]
                created.add(parent)
        source = scratch if path == Path(workdir) else path
        args += [option, str(source), str(path)]
    args += ["--chdir", str(workdir), "--clearenv"]
    for name, value in env.items():
        args += ["--setenv", name, value]
    args.append("--")
    if run_as_uid is not None:
        args += ["setpriv", f"--reuid={run_as_uid}", f"--regid={run_as_uid}", "--clear-groups",
                 "--no-new-privs", "--bounding-set=-all", "--inh-caps=-all", "--"]
    args += ["prlimit", f"--nproc={processes}", f"--fsize={file_size_mb * 2 ** 20}", "--core=0"]
    if memory_mb:
        args.append(f"--as={memory_mb * 2 ** 20}")
    args.append("--")
    return args + list(kernel_cmd)


PROVISIONER_NAME = "numpy-nn-sandbox"  # entry point in group jupyter_client.kernel_provisioners (pyproject.toml)


class SandboxProvisioner(LocalProvisioner):
    """A jupyter_client kernel provisioner: the kernel runs in bubblewrap and talks over unix sockets.

    Used by a kernel whose spec names it (`metadata.kernel_provisioner.provisioner_name`); the kit's
    grading kernels get such a spec from `SandboxKernelSpecs`. Configurable as `c.SandboxProvisioner.*`.
    """

    # Not configured here: ResilientExecute.memory_limit_mb is the one setting, sandbox or not
    # (it arrives through the kernel spec's provisioner config).
    memory_limit_mb = Integer(0, help="Address-space cap of the kernel in MiB (0: none).")
    process_limit = Integer(
        128, help="Processes and threads the kernel may have (ipykernel alone uses about 10)."
    ).tag(config=True)
    file_size_limit_mb = Integer(256, help="Largest file the kernel may write, in MiB.").tag(config=True)
    tmp_size_mb = Integer(
        512, help="Size of each of the kernel's private /tmp and /dev/shm (in memory), in MiB."
    ).tag(config=True)
    sandbox_uid = Integer(
        65534, help="Unprivileged uid the kernel runs as when the grader is root (default: nobody)."
    ).tag(config=True)
    read_only_paths = List(
        Unicode(), help="Extra host paths the kernel may read (bound read-only at the same path)."
    ).tag(config=True)
    bwrap = Unicode("bwrap", help="The bubblewrap executable.").tag(config=True)

    sandbox_dir = Instance(Path, allow_none=True,
                           help="Per-kernel host folder: runtime/ (connection file, sockets) and work/ (the copy).")

    async def pre_launch(self, **kwargs: Any) -> dict[str, Any]:
        """Put the connection file and ipc sockets in a private folder, then let LocalProvisioner write it.

        Args:
            kwargs: the kernel manager's launch arguments.
        Returns:
            The launch arguments for `launch_kernel`.
        """
        if not bwrap_available(self.bwrap):
            raise SandboxUnavailable(UNAVAILABLE)
        if self.sandbox_dir is None:  # a restart keeps the folder and its connection file
            self.sandbox_dir = Path(tempfile.mkdtemp(prefix="numpy-nn-kernel-"))
            (self.sandbox_dir / "runtime").mkdir()
        runtime = self.sandbox_dir / "runtime"
        km = self.parent
        # no network in the sandbox: ZeroMQ over unix sockets, which live in the bound runtime folder
        km.transport = "ipc"
        km.cache_ports = False
        km.connection_file = str(runtime / "kernel.json")
        km.ip = str(runtime / "kernel-ipc")
        # bwrap does not pass signals on: interrupt over the control channel
        self.kernel_spec.interrupt_mode = "message"
        return await super().pre_launch(**kwargs)

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> KernelConnectionInfo:
        """Start the kernel command inside bwrap, on a throw-away copy of its working folder.

        Args:
            cmd: the kernel command (from the kernel spec).
            kwargs: Popen arguments (cwd, env) prepared by `pre_launch`.
        Returns:
            The connection info of the kernel.
        """
        workdir = Path(kwargs.get("cwd") or os.getcwd()).resolve()
        runtime = Path(self.parent.connection_file).parent
        scratch = self.sandbox_dir / "work"
        if scratch.exists():  # restart: a fresh copy
            shutil.rmtree(scratch)
        # A copy: nothing the kernel writes reaches files nbgrader will later write through.
        shutil.copytree(workdir, scratch, symlinks=True)
        run_as_uid = self.sandbox_uid if os.geteuid() == 0 else None
        if run_as_uid is not None:
            for path in (self.sandbox_dir, scratch, *scratch.rglob("*"), *runtime.rglob("*"), runtime):
                os.chown(path, run_as_uid, run_as_uid, follow_symlinks=False)
        grader_env = kwargs.get("env") or os.environ
        env = {name: grader_env[name] for name in PASSED_ENV if name in grader_env}
        venv_bin = Path(sys.prefix) / "bin"
        env.update(HOME="/tmp", TMPDIR="/tmp", PATH=f"{venv_bin}:/usr/local/bin:/usr/bin:/bin")
        read_only = [*_python_paths(), *self.read_only_paths]
        if env.get("MNIST_PATH") and Path(env["MNIST_PATH"]).exists():
            read_only.append(Path(env["MNIST_PATH"]).resolve())
        command = bwrap_command(
            cmd, workdir=workdir, scratch=scratch, runtime_dir=runtime,
            memory_mb=self.memory_limit_mb, processes=self.process_limit, file_size_mb=self.file_size_limit_mb,
            tmp_size_mb=self.tmp_size_mb, env=env, run_as_uid=run_as_uid, read_only=read_only, bwrap=self.bwrap)
        kwargs["env"] = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        # The kernel's own stdout carries only ipykernel's "Ctrl-C will not work" banner (printed because
        # the sandbox hides the grader's pid from it): a dozen lines a student in the grader's log.
        # Student output travels over ZeroMQ; the kernel's stderr (its errors) still reaches the log.
        kwargs["stdout"] = subprocess.DEVNULL
        self.log.debug("Sandboxed kernel: %s", " ".join(command))
        return await super().launch_kernel(command, **kwargs)

    async def cleanup(self, restart: bool = False) -> None:
        """Remove the kernel's folder (runtime files and the copy), except before a restart.

        Args:
            restart: True if the kernel is about to be started again.
        """
        await super().cleanup(restart=restart)
        if not restart and self.sandbox_dir is not None:
            shutil.rmtree(self.sandbox_dir, ignore_errors=True)
            self.sandbox_dir = None


class SandboxKernelSpecs(KernelSpecManager):
    """Kernel specs that name `SandboxProvisioner`: give this to a kernel manager to sandbox its kernel."""

    memory_limit_mb = Integer(0, help="Address-space cap handed to the provisioner, in MiB (0: none).")

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        """The installed kernel spec, with the sandbox provisioner in its metadata.

        Args:
            kernel_name: name of an installed kernel (e.g. python3).
        Returns:
            A kernel spec whose kernel runs in the sandbox.
        """
        spec = super().get_kernel_spec(kernel_name)
        spec.metadata = {**spec.metadata, "kernel_provisioner": {
            "provisioner_name": PROVISIONER_NAME, "config": {"memory_limit_mb": self.memory_limit_mb}}}
        return spec
