"""A load killed mid-transaction (SIGKILL, no chance to clean up) leaves the previous state intact,
on both engines, and the same load then succeeds."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from evidence.workflows.load import load_seed

from .conftest import SEED, UPDATE_1, snapshot, url_of

# Runs a load in a child process that kills itself (SIGKILL) right after its N-th bulk insert,
# inside the load's transaction: what a crash or `kill -9` does.
DYING_LOAD = textwrap.dedent("""
    import os, signal, sys
    from evidence.store import bulk, database as db
    from evidence.workflows import load as seed

    url, folder, fatal = sys.argv[1], sys.argv[2], int(sys.argv[3])
    original, calls = bulk.insert_columns, []

    def insert_then_die(*args, **kwargs):
        result = original(*args, **kwargs)
        calls.append(1)
        if len(calls) == fatal:
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    bulk.insert_columns = insert_then_die
    seed.load_seed(db.create_engine(url), folder)
    print("finished without being killed")
""")


def dying_load(url: str, folder, fatal: int) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", DYING_LOAD, url, str(folder), str(fatal)],
                          capture_output=True, text=True, timeout=300, env=dict(os.environ))


@pytest.mark.parametrize("fatal", [3, 12])
def test_a_killed_review_load_leaves_the_store_as_it_was(engine, fatal):
    before = snapshot(engine)
    result = dying_load(url_of(engine), SEED, fatal)
    assert result.returncode == -9, result.stdout + result.stderr  # killed by SIGKILL, mid-load
    assert snapshot(engine) == before
    assert load_seed(engine, SEED).loaded


def test_a_killed_update_load_leaves_the_review_as_it_was(loaded):
    before = snapshot(loaded)
    result = dying_load(url_of(loaded), UPDATE_1, 5)
    assert result.returncode == -9, result.stdout + result.stderr
    assert snapshot(loaded) == before
    assert load_seed(loaded, UPDATE_1).loaded
