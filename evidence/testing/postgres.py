"""A throwaway PostgreSQL server on 127.0.0.1, started from the installed binaries.

Used by the test suite (and benchmarks) so that `make test` runs against
PostgreSQL with nothing set up by hand. initdb refuses to run as root, so as
root the server runs as the `postgres` user (STACK.md).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


def find_bin_dir() -> Path | None:
    """The newest /usr/lib/postgresql/N/bin with initdb, or the folder of an initdb on PATH."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    bin_dir: Path
    folder: Path
    port: int
    as_user: str | None

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def database_url(self, name: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def _run(self, *args: str) -> None:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self.as_user:
            command = ["runuser", "-u", self.as_user, "--", *command]
        subprocess.run(command, check=True, capture_output=True, text=True)

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.folder, ignore_errors=True)


@dataclass
class External:
    """A server someone else runs, named by a URL to one of its databases."""

    url: str

    def database_url(self, name: str) -> str:
        import sqlalchemy as sa

        return sa.engine.make_url(self.url).set(database=name).render_as_string(hide_password=False)


def start() -> Server:
    """Start a server in a temporary folder; raise RuntimeError with the reason if it cannot start."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise RuntimeError("no PostgreSQL binaries (initdb) found: install the `postgresql` package")
    as_user = "postgres" if os.geteuid() == 0 else None
    folder = Path(tempfile.mkdtemp(prefix="evidence-pg-"))
    if as_user:
        shutil.chown(folder, as_user)
    server = Server(bin_dir, folder, _free_port(), as_user)
    try:
        server._run("initdb", "-D", str(folder / "data"), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
        server._run(
            "pg_ctl", "-D", str(folder / "data"), "-l", str(folder / "log"), "-w",
            "-o", f"-c listen_addresses=127.0.0.1 -p {server.port} -k {folder} -c fsync=off", "start",
        )
    except subprocess.CalledProcessError as error:
        server.stop()
        raise RuntimeError(f"PostgreSQL did not start: {(error.stderr or error.stdout).strip()}") from None
    return server
