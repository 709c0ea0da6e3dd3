"""What every command module shares: the store URL the global option chose, engines, JSON output.

Typer only at module level (start-up time); the store's modules are imported when a command runs.
"""

from __future__ import annotations

import typer


class State:
    """The global options of this invocation."""

    url: str | None = None


def open_store(read_only: bool = False):
    """An engine on the chosen store, checked to be at the latest schema."""
    from evidence.store.database import create_engine, require_schema

    engine = create_engine(State.url, read_only=read_only)
    require_schema(engine)
    return engine


def echo_json(value) -> None:
    import json

    typer.echo(json.dumps(value, indent=2, ensure_ascii=False, default=str))
