"""Read RevMan 5 review files (.rm5) for tests: study rows and RevMan's stored results.

The files live outside the project (../shared/data/rm5, see its README); they declare
ISO-8859-1 but hold Windows-1252 bytes.
"""

import xml.etree.ElementTree as ET
from pathlib import Path

RM5_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "rm5"


def read_outcomes(filename: str, tag: str) -> list[tuple[dict, list[dict]]]:
    """(outcome attributes, [study row attributes]) for each <tag> outcome holding study rows."""
    text = (RM5_DIR / filename).read_bytes().decode("cp1252")
    root = ET.fromstring(text.split("?>", 1)[1])  # the declaration names the wrong encoding
    row_tag = tag.replace("OUTCOME", "DATA")
    outcomes = [(outcome.attrib, [row.attrib for row in outcome.iter(row_tag)]) for outcome in root.iter(tag)]
    return [(attributes, rows) for attributes, rows in outcomes if rows]
