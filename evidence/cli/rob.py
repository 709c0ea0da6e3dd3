"""`evidence rob …`: risk of bias. `rob2` is the RoB 2 algorithm as a calculator (no database needed)."""

from __future__ import annotations

from pathlib import Path

import typer

from evidence.cli.common import echo_json

rob_app = typer.Typer(help="Risk of bias: the RoB 2 algorithm as a calculator.", no_args_is_help=True)


@rob_app.command("rob2")
def rob2(
    csv_path: Path = typer.Argument(..., metavar="FILE.csv",
                                    help="one answer a row: result,domain,question,answer[,variant][,direction]"),
    as_json: bool = typer.Option(False, "--json", help='print [{"result", "domains": {"D1": ...}, "overall", "why"}, ...]'),
) -> None:
    """Propose each RoB 2 domain's judgement and the overall one for every result in the file, and say why."""
    from evidence.formats.rob2_csv import rob2_csv
    from evidence.outputs.text import format_rob2

    results = rob2_csv(csv_path)
    if as_json:
        echo_json([result.as_json() for result in results])
    else:
        typer.echo(format_rob2(results))
