"""The PRISMA 2020 flow diagram (Page MJ et al. BMJ 2021;372:n71, figure 1), drawn from the store's flow.

Two variants of the template: a new review, and an updated review with a "Previous studies"
column and a total box (previous + new), chosen from the flow itself. Every number comes from
`evidence.workflows.prisma.Flow`; a count the store does not know is shown as "n = ?", never guessed.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import sqlalchemy as sa

from evidence.errors import NotFoundError
from evidence.outputs.figures import render
from evidence.store.database import friendly_errors
from evidence.workflows import prisma as flows
from evidence.workflows.reviews import resolve_review

FONT_SIZE = 8.0
LINE = FONT_SIZE * 1.2 / 72  # inches per text line (matplotlib's default line spacing)
PAD = 0.08  # inside a box
ROW_GAP = 0.28
COLUMN_GAP = 0.45
BOX_W = 2.5
PREVIOUS_W = 2.0
PHASE_W = 0.3
HEADER_H = 0.34
# The template's colours: gold header for databases and registers, grey for the other
# columns' headers, light blue phase labels down the left.
GOLD, GREY, BLUE = "#FFC000", "#D9D9D9", "#9DC3E6"


@dataclass
class PrismaData:
    """What the diagram needs: the flow of one update of a review."""

    flow: flows.Flow

    @property
    def updated(self) -> bool:
        # An update after the first, or a first version that itself reports a previous one.
        return self.flow.update_number > 0 or self.flow.counts.get("previous_studies") is not None

    @property
    def other_methods(self) -> bool:
        return self.flow.counts.get("other_results") is not None


def read(connection: sa.Connection, review_id: int, update: int | None = None) -> PrismaData:
    """The flow of the review's update (default: the latest), as `evidence prisma` computes it."""
    slug = connection.execute(sa.text("SELECT slug FROM review WHERE id = :id"), {"id": review_id}).scalar()
    if slug is None:
        raise NotFoundError(f"no review with id {review_id} in the store")
    flow = flows.flow_on(connection, review_id, slug, update)
    known = [name for name in flows.FIELDS if name not in ("dropped_studies", "dropped_reports")
             and flow.counts.get(name) is not None]
    if not known:
        raise NotFoundError(
            f"review {slug!r} has no PRISMA counts at update {flow.update_number}: import its search exports "
            "with `evidence import records` or give the counts the review reported in the seed's flow.csv")
    return PrismaData(flow)


def prisma_figure(engine: sa.Engine, review: str | None = None, update: int | None = None):
    """The PRISMA 2020 flow diagram of the review's update (default: the latest) as a Figure."""
    with friendly_errors(), engine.connect() as connection:
        review_id, _ = resolve_review(connection, review)
        data = read(connection, review_id, update)
    return draw(data)


# --- text ------------------------------------------------------------------------------


def n(value: int | None) -> str:
    return "(n = ?)" if value is None else f"(n = {value})"


@functools.lru_cache(maxsize=4096)
def text_width(text: str, size: float = FONT_SIZE) -> float:
    """Width in inches of TEXT at the figure's font, measured (not guessed) so wrapping is exact."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    render.pyplot()
    width, _, _ = TextToPath().get_text_width_height_descent(
        text, FontProperties(family=render.STYLE["font.family"], size=size), ismath=False)
    return width / 72


def wrap(text: str, width: float, indent: str = "", size: float = FONT_SIZE, hang: str = "  ") -> list[str]:
    """Greedy word wrap of TEXT to WIDTH inches after INDENT; continuation lines hang further by HANG."""
    lines: list[str] = []
    current = ""
    # A count "(n = 796)" is one word: it never breaks across lines.
    for word in (w.replace("\x00", " ") for w in text.replace("(n = ", "(n\x00=\x00").split()):
        trial = f"{current} {word}" if current else indent + word
        if current and text_width(trial, size) > width:
            lines.append(current)
            current = indent + hang + word
        else:
            current = trial
    lines.append(current)
    return lines


# --- layout ----------------------------------------------------------------------------


@dataclass
class Box:
    key: str
    # (text, indented) per logical line, wrapped to the box width when laid out.
    content: list[tuple[str, bool]]
    width: float = BOX_W
    x: float = 0.0
    y: float = 0.0  # top edge (y grows downwards)
    lines: list[str] = field(default_factory=list)

    @property
    def height(self) -> float:
        return len(self.lines) * LINE + 2 * PAD

    @property
    def bottom(self) -> float:
        return self.y + self.height

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def centre(self) -> tuple[float, float]:
        return self.x + self.width / 2, self.y + self.height / 2

    def lay_out(self) -> None:
        self.lines = []
        for text, indented in self.content:
            self.lines.extend(wrap(text, self.width - 2 * PAD, "    " if indented else ""))


def _boxes(data: PrismaData) -> dict[str, Box]:
    c, flow = data.flow.counts, data.flow
    boxes: dict[str, Box] = {}

    def box(key, *content, width=BOX_W):
        boxes[key] = Box(key, [(t, False) if isinstance(t, str) else t for t in content], width)

    identified = [("Records identified from:", False), (f"Databases {n(c['database_results'])}", False)]
    identified += [(f"{database} {n(count)}", True) for database, count in flow.database_specific_results]
    identified.append((f"Registers {n(c['register_results'])}", False))
    box("identified", *identified)
    box("removed", "Records removed before screening:", f"Duplicate records removed {n(c['duplicates'])}",
        f"Records marked as ineligible by automation tools {n(c['excluded_automatic'])}",
        f"Records removed for other reasons {n(c['excluded_other'])}")
    box("screened", f"Records screened {n(c['records_screened'])}")
    box("records_excluded", f"Records excluded {n(c['records_excluded'])}")
    box("sought", f"Reports sought for retrieval {n(c['dbr_sought_reports'])}")
    box("not_retrieved", f"Reports not retrieved {n(c['dbr_notretrieved_reports'])}")
    box("assessed", f"Reports assessed for eligibility {n(c['dbr_assessed'])}")
    box("reports_excluded", f"Reports excluded {n(c['dbr_excluded'])}" + (":" if flow.dbr_excluded_reasons else ""),
        *[(f"{reason} {n(count)}", True) for reason, count in flow.dbr_excluded_reasons])
    if data.updated:
        box("included", f"New studies included in review {n(c['new_studies'])}",
            f"Reports of new included studies {n(c['new_reports'])}")
        box("previous", f"Studies included in previous version of review {n(c['previous_studies'])}",
            f"Reports of studies included in previous version of review {n(c['previous_reports'])}", width=PREVIOUS_W)
        total = [f"Total studies included in review {n(c['total_studies'])}",
                 f"Reports of total included studies {n(c['total_reports'])}"]
        if c.get("dropped_studies"):  # total = previous + new - dropped: say so when some were dropped
            total.append(f"Previous studies no longer included {n(c['dropped_studies'])}")
        box("total", *total, width=PREVIOUS_W)
    else:
        box("included", f"Studies included in review {n(c['new_studies'])}",
            f"Reports of included studies {n(c['new_reports'])}")
    if data.other_methods:
        # Only the identification count of other methods is stored; the boxes after it are unknown.
        box("other_identified", "Records identified from websites, organisations and citation searching "
            + n(c["other_results"]))
        box("other_sought", f"Reports sought for retrieval {n(None)}")
        box("other_not_retrieved", f"Reports not retrieved {n(None)}")
        box("other_assessed", f"Reports assessed for eligibility {n(None)}")
        box("other_excluded", f"Reports excluded {n(None)}")
    for b in boxes.values():
        b.lay_out()
    return boxes


@dataclass
class Layout:
    boxes: dict[str, Box]
    columns: dict[str, float]  # left edge of each column
    width: float
    height: float
    header_top: float
    phases: list[tuple[str, float, float]]  # (label, top, bottom)


def layout(data: PrismaData) -> Layout:
    boxes = _boxes(data)
    x = PHASE_W + 0.15
    columns: dict[str, float] = {}
    if data.updated:
        columns["previous"] = x
        x += PREVIOUS_W + COLUMN_GAP
    columns["main"] = x
    columns["side"] = x + BOX_W + COLUMN_GAP
    x = columns["side"] + BOX_W
    if data.other_methods:
        columns["other"] = x + COLUMN_GAP * 1.5
        columns["other_side"] = columns["other"] + BOX_W + COLUMN_GAP
        x = columns["other_side"] + BOX_W
    rows = [
        ("Identification", {"previous": "previous", "main": "identified", "side": "removed", "other": "other_identified"}),
        ("Screening", {"main": "screened", "side": "records_excluded"}),
        ("Screening", {"main": "sought", "side": "not_retrieved", "other": "other_sought",
                       "other_side": "other_not_retrieved"}),
        ("Screening", {"main": "assessed", "side": "reports_excluded", "other": "other_assessed",
                       "other_side": "other_excluded"}),
        ("Included", {"main": "included"}),
        ("Included", {"previous": "total"}),
    ]
    header_top = 0.0
    y = header_top + HEADER_H + ROW_GAP
    phases: list[tuple[str, float, float]] = []
    present = [(phase, [(column, boxes[key]) for column, key in cells.items() if key in boxes and column in columns])
               for phase, cells in rows]
    present = [(phase, placed) for phase, placed in present if placed]
    for phase, placed in present:
        height = max(b.height for _, b in placed)
        if [p for p, _ in present].count(phase) == 1:  # a phase of one row is tall enough for its rotated label
            height = max(height, text_width(phase, FONT_SIZE + 0.5) * 1.15 + 0.2)
        for column, b in placed:
            b.x = columns[column]
            b.y = y + (height - b.height) / 2  # centred in the row: a side arrow meets both boxes mid-height
        if phases and phases[-1][0] == phase:
            phases[-1] = (phase, phases[-1][1], y + height)
        else:
            phases.append((phase, y, y + height))
        y += height + ROW_GAP
    return Layout(boxes, columns, x + 0.05, y - ROW_GAP + 0.05, header_top, phases)


# --- drawing ---------------------------------------------------------------------------


def _arrow(ax, points) -> None:
    """A line through POINTS with an arrowhead at the last one (elbows drawn as plain segments)."""
    *line, last = points
    if len(line) > 1:
        xs, ys = zip(*line)
        ax.plot(xs, ys, color="black", lw=0.8, solid_capstyle="butt")
    ax.annotate("", xy=last, xytext=line[-1], arrowprops=dict(
        arrowstyle="-|>", color="black", lw=0.8, shrinkA=0, shrinkB=0, mutation_scale=9))


def _header(ax, x, width, top, text, colour) -> None:
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(FancyBboxPatch((x, top), width, HEADER_H, boxstyle="round,pad=0,rounding_size=0.06",
                                facecolor=colour, edgecolor="none", gid="header"))
    ax.text(x + width / 2, top + HEADER_H / 2, text, ha="center", va="center", fontsize=FONT_SIZE + 0.5,
            fontweight="bold")


def draw(data: PrismaData):
    """The PRISMA 2020 diagram of DATA on a new Figure (no I/O)."""
    from matplotlib.patches import FancyBboxPatch, Rectangle

    plan = layout(data)
    caption = wrap(_caption(data), plan.width - plan.columns["main"], size=FONT_SIZE - 1, hang="")
    height = plan.height + 0.15 + len(caption) * LINE
    fig = render.figure(plan.width, height)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, plan.width)
    ax.set_ylim(height, 0)
    ax.axis("off")
    b, cols = plan.boxes, plan.columns

    # Column headers.
    main_span = cols["side"] + BOX_W - cols["main"]
    title = "Identification of new studies via databases and registers" if data.updated else \
        "Identification of studies via databases and registers"
    _header(ax, cols["main"], main_span, plan.header_top, title, GOLD)
    if data.updated:
        _header(ax, cols["previous"], PREVIOUS_W, plan.header_top, "Previous studies", GREY)
    if data.other_methods:
        _header(ax, cols["other"], cols["other_side"] + BOX_W - cols["other"], plan.header_top,
                "Identification of studies via other methods", GREY)

    # Phase labels down the left, as in the template.
    for phase, top, bottom in plan.phases:
        ax.add_patch(FancyBboxPatch((0.02, top), PHASE_W - 0.04, bottom - top, gid=f"phase:{phase}",
                                    boxstyle="round,pad=0,rounding_size=0.06", facecolor=BLUE, edgecolor="none"))
        ax.text(PHASE_W / 2, (top + bottom) / 2, phase, rotation=90, ha="center", va="center",
                fontsize=FONT_SIZE + 0.5, fontweight="bold")

    for box in b.values():
        ax.add_patch(Rectangle((box.x, box.y), box.width, box.height, facecolor="white", edgecolor="black",
                               lw=0.8, gid=box.key))
        ax.text(box.x + PAD, box.y + PAD, "\n".join(box.lines), ha="left", va="top", fontsize=FONT_SIZE,
                linespacing=1.2, gid=f"text:{box.key}")

    def down(upper: Box, lower: Box) -> None:
        x = upper.x + upper.width / 2
        _arrow(ax, [(x, upper.bottom), (x, lower.y)])

    def across(left: Box, right: Box) -> None:
        y = left.centre[1]
        _arrow(ax, [(left.right, y), (right.x, y)])

    down(b["identified"], b["screened"])
    down(b["screened"], b["sought"])
    down(b["sought"], b["assessed"])
    down(b["assessed"], b["included"])
    across(b["identified"], b["removed"])
    across(b["screened"], b["records_excluded"])
    across(b["sought"], b["not_retrieved"])
    across(b["assessed"], b["reports_excluded"])
    if data.updated:
        down(b["previous"], b["total"])
        # New studies join the total box from the right: down, then left.
        x, y = b["included"].centre[0], b["total"].centre[1]
        _arrow(ax, [(x, b["included"].bottom), (x, y), (b["total"].right, y)])
    if data.other_methods:
        down(b["other_identified"], b["other_sought"])
        down(b["other_sought"], b["other_assessed"])
        across(b["other_sought"], b["other_not_retrieved"])
        across(b["other_assessed"], b["other_excluded"])
        x, y = b["other_assessed"].centre[0], b["included"].centre[1]
        _arrow(ax, [(x, b["other_assessed"].bottom), (x, y), (b["included"].right, y)])

    ax.text(cols["main"], plan.height + 0.1, "\n".join(caption), ha="left", va="top", fontsize=FONT_SIZE - 1,
            linespacing=1.2, color="#444444", gid="caption")
    return fig


def _caption(data: PrismaData) -> str:
    flow = data.flow
    source = "from the store's screened records" if flow.from_records else \
        "as the review reported them, studies as the store includes them"
    text = f"Review {flow.review}, update {flow.update_number}: counts {source}; n = ?: a count the store does not know."
    if flow.awaiting:
        text += f" Still awaiting a decision, so in no box: {flow.awaiting}."
    if not flow.consistent:
        text += " The counts do not add up: see `evidence prisma`."
    return text
