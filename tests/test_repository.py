"""The repository's set-up: CI runs exactly the README's test command."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ci_runs_the_readmes_test_command():
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r'^pip install -e "\.\[dev\]" && (python -m pytest .+)$', readme, re.M)
    assert len(commands) == 1, "the README's set-up gives one test command"
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()
          if line.strip().startswith("python -m pytest")]
    assert ci == commands
    # the two workers keep each notebook's cells in order on one worker (nbval's requirement)
    assert "-n 2 --dist loadscope" in commands[0]
