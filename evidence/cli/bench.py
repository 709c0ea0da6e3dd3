"""`evidence bench …`: benchmark commands that print figures (never timed tests)."""

from __future__ import annotations

from pathlib import Path

import typer

bench_app = typer.Typer(help="Benchmarks that print figures: pooling speed against peers, store load and re-pool.",
                        no_args_is_help=True)


@bench_app.command("store")
def store(
    reviews: int = typer.Option(1000, "--reviews", help="synthetic reviews"),
    outcomes: int = typer.Option(20, "--outcomes", help="outcomes (one analysis each) per review"),
    studies: int = typer.Option(10, "--studies", help="studies per review"),
    db: str = typer.Option(None, "--db", help="store URL [default: a fresh DuckDB file in a temporary folder]"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
) -> None:
    """Build a synthetic evidence base, load it, pool and re-pool it: seconds and peak memory per step."""
    import json

    from evidence.jobs.bench.store import run_store_bench

    result = run_store_bench(db, reviews, outcomes, studies)
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    typer.echo(f"{result['engine']}: {result['reviews']} reviews, {result['analyses']} analyses, {result['rows']} study-outcome rows")
    for step in result["steps"]:
        typer.echo(f"  {step['step']:<8} {step['seconds']:8.2f} s   peak RSS {step['peak_rss_mb']:7.0f} MB")


@bench_app.command("pooling")
def pooling(
    analyses: int = typer.Option(10_000, "--analyses", help="simulated analyses"),
    studies: int = typer.Option(10, "--studies", help="studies per analysis (the mean when --ragged)"),
    ragged: bool = typer.Option(False, "--ragged", help="2 to 2K-2 studies per analysis instead of K"),
    repeats: int = typer.Option(5, "--repeats", help="timings per engine and method; the best is kept"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
) -> None:
    """Time this pooling engine against PyMARE and statsmodels (when installed) on the same analyses."""
    import json

    from evidence.jobs.bench.pooling import run_pooling_bench

    result = run_pooling_bench(analyses, studies, ragged, repeats)
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    shape = f"{studies} studies each" if not ragged else f"2 to {max(3, 2 * studies - 2)} studies each"
    typer.echo(f"{result['analyses']} analyses of {shape}, best of {result['repeats']}")
    ours = {r["method"]: r["seconds"] for r in result["results"] if r["engine"] == "evidence"}
    for r in result["results"]:
        ratio = r["seconds"] / ours[r["method"]]
        typer.echo(f"  {r['engine']:<12} {r['method']:<9} {r['seconds']:9.4f} s   {ratio:8.2f} x evidence")
    for engine, difference in result["max_abs_diff"].items():
        shown = result["missing"].get(engine) or f"largest |estimate difference| {difference:.2e}"
        note = f" ({result['notes'][engine]})" if engine in result["notes"] else ""
        typer.echo(f"  {engine}: {shown}{note}")


@bench_app.command("dedup")
def dedup(
    dataset_dir: Path = typer.Argument(..., help="a folder with records_pre_merged.csv and merged_record_ids.csv,"
                                                 " or a folder of such folders"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object per dataset"),
) -> None:
    """Deduplication accuracy against known duplicate groups, counted per record as bib-dedupe counts."""
    import json

    from evidence.errors import InputError
    from evidence.jobs.bench.dedup import run_dedup_bench
    from evidence.outputs.text import format_rows

    marker = "records_pre_merged.csv"
    folders = [dataset_dir] if (dataset_dir / marker).exists() else sorted(
        p for p in dataset_dir.iterdir() if (p / marker).exists()) if dataset_dir.is_dir() else []
    if not folders:
        raise InputError(f"{dataset_dir}: no records_pre_merged.csv here or in its subfolders")
    results = [run_dedup_bench(folder) for folder in folders]
    if as_json:
        for result in results:
            typer.echo(json.dumps(result))
        return
    columns = ["dataset", "records", "tp", "fp", "fn", "tn", "sensitivity", "specificity", "seconds"]
    rows = [tuple(round(r[c], 4) if isinstance(r[c], float) else r[c] for c in columns) for r in results]
    typer.echo(format_rows(columns, rows, "table"))
