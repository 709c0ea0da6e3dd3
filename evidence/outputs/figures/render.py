"""Headless, deterministic output for every figure: SVG text or PNG bytes.

matplotlib runs on the Agg backend (no display). SVG ids come from a fixed hash salt and
no creation date is written, so the same figure gives the same bytes; PNG metadata
carries no software version or date for the same reason.
"""

from __future__ import annotations

import io
from pathlib import Path

from evidence.errors import InputError

FORMATS = ("svg", "png")
PNG_DPI = 150

# One look for every figure: RevMan-like black on white, a font every machine has.
STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "svg.hashsalt": "evidence",
    "svg.fonttype": "none",  # text stays text in the SVG: searchable, testable, small
    "axes.linewidth": 0.8,
    "figure.dpi": 100,
}


def pyplot():
    """matplotlib.pyplot on the Agg backend with the house style applied."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    matplotlib.rcParams.update(STYLE)
    import matplotlib.pyplot as plt

    return plt


def figure(width: float, height: float):
    """A new Figure (inches), not registered with pyplot's global state."""
    pyplot()
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


def format_of(path: Path) -> str:
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise InputError(f"{path}: a figure is written as .svg or .png, not '{path.suffix or '(no suffix)'}'")
    return suffix


def to_bytes(fig, fmt: str) -> bytes:
    """The figure as SVG or PNG bytes, with no date or version inside."""
    pyplot()
    buffer = io.BytesIO()
    if fmt == "svg":
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    elif fmt == "png":
        fig.savefig(buffer, format="png", dpi=PNG_DPI, metadata={"Software": None}, bbox_inches="tight")
    else:
        raise InputError(f"figure format '{fmt}' is not one of {', '.join(FORMATS)}")
    return buffer.getvalue()


def svg_text(fig) -> str:
    """The figure as an SVG document string, for inlining into HTML (XML declaration dropped)."""
    text = to_bytes(fig, "svg").decode("utf-8")
    start = text.find("<svg")
    return text[start:] if start >= 0 else text


def save(fig, path: Path) -> Path:
    """Write the figure to PATH (.svg or .png), creating the folder; returns the path."""
    path = Path(path)
    data = to_bytes(fig, format_of(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
