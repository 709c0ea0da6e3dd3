"""`evidence bench …`: benchmark commands that print figures (never timed tests)."""

from __future__ import annotations

import typer

bench_app = typer.Typer(help="Benchmarks that print figures: pooling speed against peers, store load and re-pool.",
                        no_args_is_help=True)
