"""One entry point for `evidence plot`: draw a figure of the store and write it as SVG or PNG."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import sqlalchemy as sa

from evidence.outputs.figures import render

KINDS = ("forest", "funnel", "cumulative", "leave-one-out", "tsa", "prisma", "rob")


def _drawer(kind: str) -> Callable[..., Any]:
    # Imported on demand: each module pulls in matplotlib and the store's queries.
    if kind == "forest":
        from evidence.outputs.figures.forest import forest_figure as drawer
    elif kind == "funnel":
        from evidence.outputs.figures.funnel import funnel_figure as drawer
    elif kind == "cumulative":
        from evidence.outputs.figures.sequence import cumulative_figure as drawer
    elif kind == "leave-one-out":
        from evidence.outputs.figures.sequence import leave_one_out_figure as drawer
    elif kind == "tsa":
        from evidence.outputs.figures.tsa import tsa_figure as drawer
    elif kind == "prisma":
        from evidence.outputs.figures.prisma import prisma_figure as drawer
    elif kind == "rob":
        from evidence.outputs.figures.rob import rob_figure as drawer
    else:
        raise ValueError(f"figure kind {kind!r} is not one of {', '.join(KINDS)}")
    return drawer


def plot(engine: sa.Engine, kind: str, out: Path, review: str | None = None, /, **options: Any) -> Path:
    """Draw figure KIND of the review (options as its *_figure function takes them) into OUT (.svg or .png)."""
    render.format_of(Path(out))  # a wrong suffix is refused before any drawing
    figure = _drawer(kind)(engine, review, **options)
    return render.save(figure, Path(out))
