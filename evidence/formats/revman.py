"""Read a RevMan 5 review file (.rm5) into plain data: no store, no pooling.

RevMan writes XML that declares ISO-8859-1 but holds Windows-1252 bytes, so the
file is decoded as cp1252 (../shared/data/rm5/README.md). Outcomes keep every
attribute RevMan stored (settings and its computed results), their study rows
and their subgroups.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from evidence.errors import InputError

# Outcome kinds: the outcome tag, its subgroup tag and its study-row tag.
KINDS = {
    "dichotomous": ("DICH_OUTCOME", "DICH_SUBGROUP", "DICH_DATA"),
    "continuous": ("CONT_OUTCOME", "CONT_SUBGROUP", "CONT_DATA"),
    "generic": ("IV_OUTCOME", "IV_SUBGROUP", "IV_DATA"),
}


@dataclass
class Group:
    """An outcome or one of its subgroups: its stored attributes and its study rows."""

    attributes: dict[str, str]
    rows: list[dict[str, str]]
    name: str


@dataclass
class Outcome:
    kind: str  # dichotomous | continuous | generic
    comparison: str
    number: str  # "1.2": comparison 1, outcome 2 (as RevMan numbers analyses)
    group: Group
    subgroups: list[Group] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.group.name

    @property
    def rows(self) -> list[dict[str, str]]:
        return self.group.rows or [row for sub in self.subgroups for row in sub.rows]


@dataclass
class Reference:
    kind: str  # RevMan's TYPE: JOURNAL_ARTICLE, CONFERENCE_PROC, ...
    primary: bool
    authors: str
    title: str
    source: str
    year: str
    volume: str
    pages: str
    identifiers: dict[str, str]  # PUBMED, DOI, ... -> value


@dataclass
class Study:
    id: str
    name: str
    year: str
    status: str  # included | excluded | awaiting | ongoing
    references: list[Reference] = field(default_factory=list)
    exclusion_reason: str | None = None


@dataclass
class QualityItem:
    """A risk-of-bias item and its judgements: (study ID, RESULT, group name or None, support text)."""

    name: str
    level: str  # STUDY | GROUP
    entries: list[tuple[str, str, str | None, str]]


@dataclass
class Rm5:
    path: Path
    title: str
    studies: dict[str, str]  # study ID -> name (e.g. "STD-AMIS" -> "AMIS 1980")
    outcomes: list[Outcome]
    study_details: list[Study] = field(default_factory=list)
    quality_items: list[QualityItem] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)  # "Gale C", from the cover sheet


def _text(element: ET.Element | None) -> str:
    return "" if element is None else " ".join("".join(element.itertext()).split())


def read_rm5(path: str | Path) -> Rm5:
    """Parse a .rm5 file; a file that is not a RevMan 5 review is refused with one line."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise InputError(f"{path}: cannot be read: {error.strerror}") from None
    text = raw.decode("cp1252", errors="replace")
    # The declaration names the wrong encoding: parse what follows it.
    body = text.partition("?>")[2] if text.lstrip().startswith("<?xml") else text
    try:
        root = ET.fromstring(body)
    except ET.ParseError as error:
        raise InputError(f"{path}: not a RevMan 5 file: the XML does not parse ({error})") from None
    if root.tag != "COCHRANE_REVIEW":
        raise InputError(f"{path}: not a RevMan 5 file: its root element is <{root.tag}>, not <COCHRANE_REVIEW>")
    studies = {s.get("ID", ""): s.get("NAME", "") for s in root.iter("STUDY")}
    outcomes = []
    for c_index, comparison in enumerate(root.iter("COMPARISON"), start=1):
        comparison_name = _text(comparison.find("NAME"))
        position = 0
        for child in comparison:
            kind = next((k for k, (tag, _, _) in KINDS.items() if tag == child.tag), None)
            if kind is None:
                continue
            position += 1
            _, sub_tag, row_tag = KINDS[kind]
            direct = [dict(row.attrib) for row in child.findall(row_tag)]
            subgroups = [Group(dict(sub.attrib), [dict(row.attrib) for row in sub.findall(row_tag)], _text(sub.find("NAME")))
                         for sub in child.findall(sub_tag)]
            attributes = dict(child.attrib)
            if child.find("EFFECT_MEASURE") is not None:
                # Generic inverse-variance outcomes name their measure in an element, in words ("Hazard Ratio").
                attributes.setdefault("EFFECT_MEASURE_TEXT", _text(child.find("EFFECT_MEASURE")))
            outcomes.append(Outcome(kind, comparison_name, f"{c_index}.{position}",
                                    Group(attributes, direct, _text(child.find("NAME"))), subgroups))
    details = []
    reasons = {e.get("STUDY_ID"): _text(e.find("CHAR_REASON_FOR_EXCLUSION")) for e in root.iter("EXCLUDED_CHAR")}
    for status, tag in (("included", "INCLUDED_STUDIES"), ("excluded", "EXCLUDED_STUDIES"),
                        ("awaiting", "AWAITING_STUDIES"), ("ongoing", "ONGOING_STUDIES")):
        for section in root.iter(tag):
            for study in section.iter("STUDY"):
                references = [Reference(
                    ref.get("TYPE", ""), ref.get("PRIMARY") == "YES", _text(ref.find("AU")), _text(ref.find("TI")),
                    _text(ref.find("SO")), _text(ref.find("YR")), _text(ref.find("VL")), _text(ref.find("PG")),
                    {i.get("TYPE", ""): i.get("VALUE", "") for i in ref.iter("IDENTIFIER") if i.get("VALUE")},
                ) for ref in study.iter("REFERENCE")]
                details.append(Study(study.get("ID", ""), study.get("NAME", ""), study.get("YEAR", ""), status,
                                     references, reasons.get(study.get("ID")) if status == "excluded" else None))
    groups = {g.get("ID"): _text(g.find("NAME")) for g in root.iter("QUALITY_ITEM_DATA_ENTRY_GROUP")}
    items = []
    for item in root.iter("QUALITY_ITEM"):
        entries = [(e.get("STUDY_ID", ""), e.get("RESULT", ""), groups.get(e.get("GROUP_ID")) if e.get("GROUP_ID") else None,
                    _text(e.find("DESCRIPTION")))
                   for e in item.iter("QUALITY_ITEM_DATA_ENTRY")]
        items.append(QualityItem(_text(item.find("NAME")), item.get("LEVEL", "STUDY"), entries))
    authors = []
    for person in root.iterfind("COVER_SHEET/CREATORS/PERSON"):
        last, first = _text(person.find("LAST_NAME")), _text(person.find("FIRST_NAME"))
        if last:
            authors.append(f"{last} {first[:1]}".strip())
    return Rm5(path, _text(root.find("COVER_SHEET/TITLE")), studies, outcomes, details, items, authors)
