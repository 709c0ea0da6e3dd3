"""`evidence rm5 …`: RevMan 5 files (no store needed for the check)."""

from __future__ import annotations

from pathlib import Path

import typer

from evidence.cli.common import echo_json

rm5_app = typer.Typer(help="RevMan 5 review files (.rm5).", no_args_is_help=True)


@rm5_app.command("check")
def rm5_check(
    path: Path = typer.Argument(..., help="a RevMan 5 file (.rm5)"),
    as_json: bool = typer.Option(False, "--json", help='print {"compared", "max_rel_diff", "mismatches", "not_stored", ...}'),
) -> None:
    """Re-pool every outcome with the file's own settings and compare with RevMan's stored results (exit 1 on a mismatch)."""
    from evidence.workflows.revman_check import AGREEMENT, check_rm5

    result = check_rm5(path)
    if as_json:
        echo_json(result.as_json())
    else:
        typer.echo(f"{path}: compared {result.compared} values with RevMan's; largest relative difference"
                   f" {result.max_rel_diff:.2g} (agreement: {AGREEMENT:g})")
        for m in result.mismatches:
            typer.echo(f"  MISMATCH {m.where} {m.field}: stored {m.stored!r}, computed {m.computed!r}")
        for title, items in (("no stored results", result.not_stored), ("no study data", result.empty)):
            for item in items:
                typer.echo(f"  {title}: {item}")
    if result.mismatches:
        raise typer.Exit(1)
