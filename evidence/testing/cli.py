"""The `evidence` command run in this process, for tests: what a user sees, without a new Python each time.

`run` calls the console entry point (`evidence.cli.main`, with its one place
that turns errors into one line and an exit code) inside Click's test runner
isolation: arguments, environment, standard input, the working folder, and
stdout and stderr captured apart. A few tests still start the real command
(`python -m evidence`) to prove the entry point itself.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Result:
    """As subprocess.CompletedProcess: returncode, stdout, stderr (text)."""

    returncode: int
    stdout: str
    stderr: str


def run(*args: str, url: str | None = None, cwd: str | os.PathLike | None = None, input: str | None = None,
        env: dict[str, str] | None = None) -> Result:
    """Run `evidence ARGS...` in process. url: the store ($EVIDENCE_DB); cwd: the working folder."""
    from typer.testing import CliRunner

    from evidence.cli import main

    variables = {"EVIDENCE_DEBUG": None, "EVIDENCE_DB": url, **(env or {})}
    runner = CliRunner()
    code = 0
    with contextlib.chdir(Path(cwd) if cwd is not None else Path.cwd()):
        with runner.isolation(input=input, env=variables) as streams:
            try:
                main(list(args))
            except SystemExit as exit_:
                code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
            stdout, stderr = streams[0].getvalue(), streams[1].getvalue()
    return Result(code, stdout.decode("utf-8", "replace"), stderr.decode("utf-8", "replace"))
