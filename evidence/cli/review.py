"""`evidence review …`: create a review with its protocol, edit the protocol (kept in its history), show it."""

from __future__ import annotations

from typing import List, Optional

import typer

from evidence.cli.common import echo_json, open_store

review_app = typer.Typer(help="Create reviews, edit and show their protocol, list them.", no_args_is_help=True)

# The protocol's options, shared by `create` and `edit` (repeatable options add one item each).
QUESTION = typer.Option(None, "--question", help="the review question (PICO in a sentence)")
POPULATION = typer.Option(None, "--population", help="an eligible population (repeatable)")
INTERVENTION = typer.Option(None, "--intervention", help="an eligible intervention (repeatable)")
COMPARATOR = typer.Option(None, "--comparator", help="an eligible comparator (repeatable)")
OUTCOME = typer.Option(None, "--outcome", help="an outcome the review looks for (repeatable)")
DESIGN = typer.Option(None, "--design", help="an eligible study design, e.g. 'randomised controlled trial' (repeatable)")
EXCLUSION = typer.Option(None, "--exclusion", help="an eligibility exclusion criterion (repeatable)")
ROB_TOOL = typer.Option(None, "--rob-tool", help="the risk-of-bias tool: 'RoB 1' or 'RoB 2'")
MODEL_RULE = typer.Option(None, "--model-rule", help="how a model is chosen: fixed, random or fixed_if_homogeneous")
ALPHA = typer.Option(None, "--alpha", help="the significance level, e.g. 0.05")
SCREENING = typer.Option(None, "--screening", help="single or dual screening at both stages")
SCREENING_TA = typer.Option(None, "--screening-title-abstract", help="single or dual at title/abstract")
SCREENING_FT = typer.Option(None, "--screening-full-text", help="single or dual at full text")
REASON = typer.Option(None, "--exclusion-reason", help="a reason a full text may be excluded for (repeatable)")


def _changes(options: dict):
    """The options of `create` or `edit` (the command's parameters by name) as the protocol changes they ask for."""
    from evidence.workflows.protocol import ProtocolChanges

    kinds = ("population", "intervention", "comparator", "outcome", "design", "exclusion")
    both = options["screening"]
    modes = {"title_abstract": options["screening_title_abstract"] or both,
             "full_text": options["screening_full_text"] or both}
    return ProtocolChanges(
        title=options["title"], question=options["question"],
        criteria=[(kind, text) for kind in kinds for text in options[kind] or ()],
        remove_criteria=options.get("remove_criterion") or (), bias_tool=options["rob_tool"],
        model_rule=options["model_rule"], alpha=options["alpha"],
        screening={stage: mode for stage, mode in modes.items() if mode is not None},
        exclusion_reasons=options["exclusion_reason"] or (),
        remove_exclusion_reasons=options.get("remove_exclusion_reason") or ())


@review_app.command("create")
def review_create(
    slug: str = typer.Argument(..., help="short name: lower-case letters, digits, hyphens"),
    title: str = typer.Option(..., "--title", help="the review's title"),
    question: Optional[str] = QUESTION,
    population: Optional[List[str]] = POPULATION,
    intervention: Optional[List[str]] = INTERVENTION,
    comparator: Optional[List[str]] = COMPARATOR,
    outcome: Optional[List[str]] = OUTCOME,
    design: Optional[List[str]] = DESIGN,
    exclusion: Optional[List[str]] = EXCLUSION,
    rob_tool: Optional[str] = ROB_TOOL,
    model_rule: Optional[str] = MODEL_RULE,
    alpha: Optional[str] = ALPHA,
    screening: Optional[str] = SCREENING,
    screening_title_abstract: Optional[str] = SCREENING_TA,
    screening_full_text: Optional[str] = SCREENING_FT,
    exclusion_reason: Optional[List[str]] = REASON,
) -> None:
    """Create a review and its protocol, to be filled from search exports.

    Screening is dual at both stages (two reviewers, a resolver where they disagree: the Cochrane
    standard) unless --screening says single.
    """
    options = dict(locals())
    from evidence.workflows.protocol import create_review

    modes = create_review(open_store(), slug, title, _changes(options)).screening
    typer.echo(f"created review {slug!r}: {modes['title_abstract']} screening at title/abstract,"
               f" {modes['full_text']} at full text (`evidence review show {slug}` prints its protocol)")


@review_app.command("edit")
def review_edit(
    slug: Optional[str] = typer.Argument(None, help="the review [default: the store's only one]"),
    by: str = typer.Option(..., "--by", help="who changes the protocol"),
    why: Optional[str] = typer.Option(None, "--why", help="why it changes (kept in the history)"),
    title: Optional[str] = typer.Option(None, "--title", help="a new title"),
    question: Optional[str] = QUESTION,
    population: Optional[List[str]] = POPULATION,
    intervention: Optional[List[str]] = INTERVENTION,
    comparator: Optional[List[str]] = COMPARATOR,
    outcome: Optional[List[str]] = OUTCOME,
    design: Optional[List[str]] = DESIGN,
    exclusion: Optional[List[str]] = EXCLUSION,
    remove_criterion: Optional[List[str]] = typer.Option(
        None, "--remove-criterion", help="remove the eligibility criterion with this text (repeatable)"),
    rob_tool: Optional[str] = ROB_TOOL,
    model_rule: Optional[str] = MODEL_RULE,
    alpha: Optional[str] = ALPHA,
    screening: Optional[str] = SCREENING,
    screening_title_abstract: Optional[str] = SCREENING_TA,
    screening_full_text: Optional[str] = SCREENING_FT,
    exclusion_reason: Optional[List[str]] = REASON,
    remove_exclusion_reason: Optional[List[str]] = typer.Option(
        None, "--remove-exclusion-reason", help="remove a full-text exclusion reason no decision gives (repeatable)"),
) -> None:
    """Change the protocol: a value replaces the old one, a criterion or reason is added, --remove-… removes one.

    Every change is kept in the review's history with --by and --why (`evidence review show`).
    """
    options = dict(locals())
    from evidence.workflows.protocol import edit_review

    edited = edit_review(open_store(), slug, _changes(options), by, why)
    if not edited.changes:
        typer.echo(f"nothing changed: the protocol of {edited.review!r} already says so")
        return
    for change in edited.changes:
        typer.echo(f"{change.field}: {change.old if change.old is not None else '(none)'}"
                   f" -> {change.new if change.new is not None else '(removed)'}")
    typer.echo(f"changed the protocol of {edited.review!r}: {len(edited.changes)} change(s) by {by}")
    if edited.awaiting_after != edited.awaiting_before:
        typer.echo(f"records awaiting a screening decision: {edited.awaiting_before} -> {edited.awaiting_after}")


@review_app.command("show")
def review_show(
    slug: Optional[str] = typer.Argument(None, help="the review [default: the store's only one]"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object, with the history of edits"),
) -> None:
    """Print the review's protocol and the history of its edits."""
    from evidence.outputs.text import format_protocol
    from evidence.workflows.protocol import review_protocol

    protocol = review_protocol(open_store(read_only=True), slug)
    if as_json:
        echo_json(protocol.as_json())
    else:
        typer.echo(format_protocol(protocol))


@review_app.command("list")
def review_list(as_json: bool = typer.Option(False, "--json", help="print a JSON list")) -> None:
    """List the reviews in the store."""
    from evidence.outputs.text import format_rows
    from evidence.workflows.reviews import list_reviews

    reviews = list_reviews(open_store(read_only=True))
    if as_json:
        echo_json(reviews)
    else:
        columns = ["slug", "title", "included_studies", "records", "runs"]
        typer.echo(format_rows(columns, [tuple(r[c] for c in columns) for r in reviews], "table"))
