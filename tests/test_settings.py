"""gradekit.settings.running_command: config code acts only below the nbgrader command it is meant for."""
import subprocess
import sys

from gradekit.course import tool_environment

PROBE = """
import sys
from nbgrader import apps
from gradekit.settings import running_command
apps.{running}.instance()
print(",".join(name for name in ("ValidateApp", "AutogradeApp", "GenerateSolutionApp", "ExportApp")
               if running_command(getattr(apps, name))))
"""


def commands_seen_while(running):
    # nbgrader's apps are process-wide singletons: one fresh interpreter per case
    result = subprocess.run([sys.executable, "-c", PROBE.format(running=running)], env=tool_environment(),
                            capture_output=True, text=True, check=True)
    return result.stdout.strip()


def test_only_the_running_command_is_seen():
    # the real commands go through nbgrader's main app: test_sandbox (validate), test_interrupted_grading (autograde)
    assert commands_seen_while("GenerateSolutionApp") == "GenerateSolutionApp"
    assert commands_seen_while("ValidateApp") == "ValidateApp"
    assert commands_seen_while("AutogradeApp") == "AutogradeApp"
