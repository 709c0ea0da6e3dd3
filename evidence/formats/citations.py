"""Read search exports (RIS, PubMed MEDLINE, CSV) into citation records: pure, no database.

`read_records(path)` returns every record of the file either in `records` (valid) or in
`rejected` (with its line and a reason), so the caller decides what to import; it raises
`InputError` (one line naming the file) only when the file as a whole cannot be read.

Encodings: UTF-8 (with or without a byte-order mark) is tried strictly first, then cp1252,
which also reads Latin-1 text; `ParsedFile.encoding` says which ("utf-8", "utf-8-sig" or
"cp1252"). Lines end in LF, CRLF or CR; U+2028 and other Unicode separators inside a value
are not line breaks (`str.splitlines` would split on them).

Each record is a dict:
    source_key  the identifier it had in its file: RIS `ID`, else `AN`; MEDLINE `PMID`;
                CSV `id` column (see CSV_COLUMNS). A record without one gets "#n", its
                position among the file's records (Scopus, Embase.com and EBSCOhost RIS
                exports have neither ID nor AN, so all their records are keyed "#1", "#2"...).
    title, authors (authors joined with "; "), year (int or None), journal, volume, issue,
    pages, doi, pmid, abstract: str or None, whitespace collapsed to single spaces.
    raw         the record as it came: tag -> list of values for RIS and MEDLINE (each
                value trimmed, its continuation lines joined by "\\n"); column -> cell for CSV.
    line        the 1-based line of the file where the record starts.

A record is rejected when it cannot be parsed (a RIS record without `ER` or `TY`, a MEDLINE
record without `PMID`, a CSV row whose cells do not line up with the header), when it has
no title and no DOI or PMID (nothing to screen or match), when its year is not a 4-digit
year, or when its source_key repeats an earlier record's (a search holds one record per key).
Rejected records are dicts {line, source_key, reason, raw}.

RIS fields (by rispy's names for the tags, best first):
    title TI, T1 · authors AU, else A1 · year PY, else Y1 · journal JF, JO, T2, JA, J2
    (EBSCOhost writes a translated title in T2, Embase.com the abbreviation in JO) ·
    volume VL · issue IS · pages SP-EP · abstract AB, else N2 (Embase, Ovid) ·
    doi DO, else a DOI in L3 (EBSCOhost) · pmid AN when DP or DB names NLM, PubMed or
    MEDLINE (EndNote and Ovid MEDLINE), C5 when DB names Embase (Embase.com).
MEDLINE fields: title TI, else BTI · authors FAU (else AU) with CN group authors in file
order · year DP · journal JT, else TA · volume VI · issue IP · pages PG · doi AID or LID
marked "[doi]" · pmid PMID · abstract AB.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from os import PathLike
from pathlib import Path
from typing import TextIO

import rispy

from evidence.errors import InputError

__all__ = ["CSV_COLUMNS", "FIELDS", "FORMATS", "ParsedFile", "read_records"]

FORMATS = ("ris", "medline", "csv")
FIELDS = ("title", "authors", "year", "journal", "volume", "issue", "pages", "doi", "pmid", "abstract")

# CSV header names (compared case-insensitively, spaces collapsed) for each field, best
# first: the first one present in the header is used.
CSV_COLUMNS = {
    "id": ("id", "record id", "key", "eid", "pui", "accession number"),  # key: Zotero; eid: Scopus; pui: Embase
    "title": ("title", "article title", "document title", "primary title"),
    "authors": ("authors", "author", "author names", "author full names"),  # author names: Embase
    "year": ("year", "publication year", "py"),
    "journal": ("journal", "source title", "journal/book", "journal title", "publication title",
                "secondary title"),  # source title: Scopus and Embase; journal/book: PubMed
    "volume": ("volume",),
    "issue": ("issue", "number"),
    "pages": ("pages", "page"),
    "first page": ("first page", "page start", "start page"),  # joined to "first-last" when
    "last page": ("last page", "page end", "end page"),        # there is no pages column
    "doi": ("doi",),
    "pmid": ("pmid", "pubmed id", "medline pmid"),
    "abstract": ("abstract", "abstract note"),  # abstract note: Zotero
}

_CHUNK = 1 << 20
_SNIFF_LINES = 50        # lines read to guess a format
_CSV_HEADER_ROWS = 10    # rows searched for a CSV header (Embase writes a 3-line preamble)
_CSV_FIELD_LIMIT = 64 * 1024 * 1024  # a Scopus References cell can pass csv's default 128 KB

_RIS_TAG = re.compile(r"([A-Z][A-Z0-9])  -(?: (.*))?$")
_MEDLINE_TAG = re.compile(r"(?=.{4}-)([A-Z][A-Z0-9]{1,3}) *-(?: (.*))?$")
_YEAR = re.compile(r"(\d{4})(?!\d)")
_DOI = re.compile(r"10\.\d{4,9}/\S+")
# One author in Vancouver form, "McNamara M.E." or "Smith JA": how Embase and PubMed CSVs
# list authors, separated by commas.
_VANCOUVER = re.compile(r"[^\W\d][^,;]*\s[A-ZÀ-Þ](?:[.\-]?\s?[A-ZÀ-Þ])*\.?")

# Our fields by rispy's names for the RIS tags (rispy.TAG_KEY_MAPPING), best first, turned
# into the tags once here.
_RIS_NAMES = {
    "title": ("title", "primary_title"),                    # TI, T1
    "authors": ("authors", "first_authors"),                # AU, A1
    "year": ("year", "publication_year"),                   # PY, Y1
    "journal": ("alternate_title3", "journal_name", "secondary_title",
                "alternate_title2", "alternate_title1"),    # JF, JO, T2, JA, J2
    "volume": ("volume",),                                  # VL
    "issue": ("number",),                                   # IS
    "start page": ("start_page",),                          # SP
    "end page": ("end_page",),                              # EP
    "doi": ("doi",),                                        # DO
    "abstract": ("abstract", "notes_abstract"),             # AB, N2
    "id": ("id", "accession_number"),                       # ID, AN
}
_TAG_OF = {name: tag for tag, name in rispy.TAG_KEY_MAPPING.items()}
_RIS_TAGS = {field: tuple(_TAG_OF[name] for name in names) for field, names in _RIS_NAMES.items()}
_PUBMED_SOURCES = re.compile(r"nlm|pubmed|medline", re.IGNORECASE)
_EMBASE_SOURCES = re.compile(r"embase", re.IGNORECASE)
_LABELS = {"ris": "RIS", "medline": "MEDLINE", "csv": "CSV"}


@dataclass
class ParsedFile:
    """What a file held: valid records, rejected ones with line and reason, and how it was read."""

    records: list[dict]
    rejected: list[dict]
    format: str    # "ris", "medline" or "csv"
    encoding: str  # "utf-8", "utf-8-sig" or "cp1252"


@dataclass(slots=True)
class _Entry:
    """One record as a reader found it, before validation."""

    line: int
    raw: dict
    fields: dict          # FIELDS, year still as text
    source_key: str | None = None
    problem: str | None = None  # why it could not be parsed


def read_records(path: str | PathLike[str], format: str | None = None) -> ParsedFile:
    """Parse a search export; `format` is "ris", "medline" or "csv", guessed from content when None."""
    path = Path(path)
    if format is not None and format not in FORMATS:
        raise InputError(f"{path}: unknown format {format!r}: use one of {', '.join(FORMATS)}")
    try:
        encoding = _sniff_encoding(path)
        format = format or _guess_format(path, encoding)
        parsed = _parse(path, format, encoding)
    except OSError as error:  # missing, a directory, unreadable
        raise InputError(f"{path}: cannot read the file: {error.strerror or error}") from None
    if not parsed.records and not parsed.rejected:
        raise InputError(f"{path}: no {_LABELS[format]} records found")
    return parsed


def _parse(path: Path, format: str, encoding: str) -> ParsedFile:
    if format == "csv":
        with _csv_field_limit(), path.open(encoding=encoding, newline="") as file:
            return _validate(_csv_entries(file, path), format, encoding)
    # Universal newlines: LF, CRLF and CR end a line; U+2028 does not.
    with path.open(encoding=encoding) as file:
        entries = _ris_entries(file) if format == "ris" else _medline_entries(file)
        return _validate(entries, format, encoding)


# --- reading the file ---------------------------------------------------------------------


def _sniff_encoding(path: Path) -> str:
    """UTF-8 (with or without a byte-order mark) if every byte decodes strictly as UTF-8,
    else cp1252; checked in chunks so that a large file is never held whole."""
    with path.open("rb") as file:
        bom = file.read(len(codecs.BOM_UTF8)) == codecs.BOM_UTF8
        for encoding in ("utf-8", "cp1252"):
            file.seek(0)
            decoder = codecs.getincrementaldecoder(encoding)()
            line = 1  # where the current chunk starts
            try:
                for chunk in iter(partial(file.read, _CHUNK), b""):
                    if b"\0" in chunk:
                        line += chunk.count(b"\n", 0, chunk.index(b"\0"))
                        raise InputError(f"{path}: line {line}: NUL byte: a binary or UTF-16 file, "
                                         "not a text export (save it as UTF-8)")
                    decoder.decode(chunk)
                    line += chunk.count(b"\n")
                decoder.decode(b"", final=True)
            except UnicodeDecodeError as error:
                # error.object is the chunk behind at most 3 bytes carried over, none a newline.
                line += error.object.count(b"\n", 0, error.start)
                byte = error.object[error.start]
                if bom:
                    raise InputError(f"{path}: line {line}: starts with a UTF-8 byte-order mark, "
                                     f"but byte 0x{byte:02x} is not UTF-8") from None
            else:
                return "utf-8-sig" if bom else encoding
    raise InputError(f"{path}: line {line}: byte 0x{byte:02x} is neither UTF-8 nor cp1252 text")


def _guess_format(path: Path, encoding: str) -> str:
    """RIS at a `TY  - ` line, MEDLINE at a `PMID- ` line, CSV at a header row naming a
    title column; whichever the first lines show first."""
    with path.open(encoding=encoding, newline="") as file:
        for number in range(1, _SNIFF_LINES + 1):
            line = file.readline(_CHUNK)  # bounded: an EndNote XML export is one long line
            if not line:
                break
            text = line.rstrip("\r\n")
            if text.startswith("TY  -"):
                return "ris"
            if text.startswith("PMID-"):
                return "medline"
            if number <= _CSV_HEADER_ROWS and _csv_header(text) is not None:
                return "csv"
    raise InputError(f"{path}: unknown format: not RIS ('TY  - ' lines), PubMed MEDLINE ('PMID- ' "
                     "lines) or CSV with a title column")


# --- RIS ----------------------------------------------------------------------------------

# A streaming reader rather than rispy.load: rispy gives no line numbers, drops a last record
# that has no ER without a word, merges a record that lost its ER into the next one, keeps
# only the first value of a repeated single tag (Embase's DB, EBSCOhost's two AB), and loses
# the first record when a byte-order mark is left in front of its TY. rispy's names for the
# tags still choose the fields (_RIS_NAMES).


def _ris_entries(lines: Iterable[str]) -> Iterator[_Entry]:
    # The open record as parallel lists of tags and values rather than [tag, value] pairs:
    # two lists a record instead of one per line, for the garbage collector to trace as a
    # 100,000-record file piles up.
    tags: list[str] | None = None
    values: list[str] = []
    start = number = 0
    for number, text in enumerate(lines, 1):
        match = _RIS_TAG.match(text)
        if match is None:
            text = text.strip()
            # An untagged line continues the last value (EndNote writes each further KW, AD,
            # N1 value this way; Scopus wraps abstracts). Outside a record it is an Ovid
            # number or link, or a blank line.
            if tags and text:
                values[-1] += "\n" + text
            continue
        tag, value = match.groups("")
        if tag == "TY":
            if tags is not None:
                yield _ris_entry(start, tags, values, f"no ER line before the next TY at line {number}")
            tags, values, start = [tag], [value.strip()], number
        elif tag == "ER":
            if tags is not None:
                yield _ris_entry(start, tags, values, None if tags[0] == "TY" else "no TY line")
            tags = None
        else:
            if tags is None:  # a record whose TY line is missing
                tags, values, start = [], [], number
            tags.append(tag)
            values.append(value.strip())
    if tags is not None:
        yield _ris_entry(start, tags, values, f"no ER line before the end of the file at line {number}")


def _ris_entry(line: int, tags: list[str], values: list[str], problem: str | None) -> _Entry:
    raw = _group(tags, values)
    fields = {field: _first(raw, field_tags) for field, field_tags in _RIS_TAGS.items()}
    authors = next((raw[tag] for tag in _RIS_TAGS["authors"] if tag in raw), ())
    fields["authors"] = _join_authors(name for value in authors for name in value.split("\n"))
    start_page, end_page = fields.pop("start page"), fields.pop("end page")
    fields["pages"] = (f"{start_page}-{end_page}" if start_page and end_page and "-" not in start_page
                       else start_page or end_page)
    fields["doi"] = _doi(fields["doi"]) or _doi(_first(raw, ("L3",)))  # L3: EBSCOhost
    fields["pmid"] = _ris_pmid(raw)
    return _Entry(line, raw, fields, fields.pop("id"), problem)


def _ris_pmid(raw: dict[str, list[str]]) -> str | None:
    for tag, source in (("AN", _PUBMED_SOURCES), ("C5", _EMBASE_SOURCES)):
        value = _first(raw, (tag,))
        if value and value.isdigit() and source.search(" ".join(raw.get("DP", []) + raw.get("DB", []))):
            return value
    return None


# --- PubMed MEDLINE -----------------------------------------------------------------------


def _medline_entries(lines: Iterable[str]) -> Iterator[_Entry]:
    """Records start at `PMID- ` or at the first tag after a blank line; tags are up to four
    characters padded to `XXXX- `; indented lines continue the last value."""
    tags: list[str] = []
    values: list[str] = []
    start, after_blank = 0, True
    for number, text in enumerate(lines, 1):
        if not text.strip():
            after_blank = True
            continue
        match = _MEDLINE_TAG.match(text)
        if match is None:
            if tags and not after_blank:
                values[-1] += "\n" + text.strip()
            continue
        tag, value = match.groups("")
        if tag == "PMID" or after_blank:
            if tags:
                yield _medline_entry(start, tags, values)
            tags, values, start = [], [], number
        tags.append(tag)
        values.append(value.strip())
        after_blank = False
    if tags:
        yield _medline_entry(start, tags, values)


def _medline_entry(line: int, tags: list[str], values: list[str]) -> _Entry:
    raw = _group(tags, values)
    person = "FAU" if "FAU" in raw else "AU"
    doi = next((v for tag in ("AID", "LID") for v in raw.get(tag, ()) if v.endswith("[doi]")), None)
    fields = {
        "title": _first(raw, ("TI", "BTI")),
        "authors": _join_authors(v for tag, v in zip(tags, values) if tag in (person, "CN")),
        "year": _first(raw, ("DP",)),
        "journal": _first(raw, ("JT", "TA")),
        "volume": _first(raw, ("VI",)),
        "issue": _first(raw, ("IP",)),
        "pages": _first(raw, ("PG",)),
        "doi": _doi(doi),
        "pmid": _first(raw, ("PMID",)),
        "abstract": _first(raw, ("AB",)),
    }
    pmid = fields["pmid"]
    return _Entry(line, raw, fields, pmid, None if pmid else "no PMID")


# --- CSV ----------------------------------------------------------------------------------


def _csv_header(text: str) -> tuple[str, dict[str, int]] | None:
    """(delimiter, field -> column index) if this line is a header row naming a title column."""
    for delimiter in (",", ";", "\t"):  # ";" and tab: Excel in some locales, tab-delimited text
        try:
            columns = _csv_columns(next(csv.reader([text], delimiter=delimiter), []))
        except csv.Error:  # a cell past csv's size limit: no header
            return None
        if "title" in columns:
            return delimiter, columns
    return None


def _csv_columns(header: list[str]) -> dict[str, int]:
    """field -> column index, by CSV_COLUMNS."""
    names: dict[str, int] = {}
    for index, name in enumerate(header):
        names.setdefault(" ".join(name.split()).lower(), index)
    columns = {}
    for field, aliases in CSV_COLUMNS.items():
        index = next((names[alias] for alias in aliases if alias in names), None)
        if index is not None:
            columns[field] = index
    return columns


def _csv_entries(file: TextIO, path: Path) -> Iterator[_Entry]:
    # The header is the first of the first lines that names a title column; lines before it
    # are a preamble (Embase writes the search query, a rule and a blank line).
    for header_line in range(1, _CSV_HEADER_ROWS + 1):
        text = file.readline().rstrip("\r\n")
        found = _csv_header(text)
        if found:
            break
    else:
        raise InputError(f"{path}: no CSV header row with a title column in the first "
                         f"{_CSV_HEADER_ROWS} lines")
    delimiter, columns = found
    header = _unique(next(csv.reader([text], delimiter=delimiter)))
    reader = csv.reader(file, delimiter=delimiter)
    while True:
        line = header_line + reader.line_num + 1  # a row can span lines: it starts after the last
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise InputError(f"{path}: line {header_line + reader.line_num}: {error}") from None
        if not any(cell.strip() for cell in row):
            continue
        raw = dict(zip(header, row))
        raw.update((f"column {number}", cell) for number, cell in enumerate(row[len(header):], len(header) + 1))
        problem = None
        if len(row) < len(header) or any(cell.strip() for cell in row[len(header):]):
            problem = f"the row has {len(row)} cells where the header has {len(header)}"

        def cell(field: str) -> str | None:
            index = columns.get(field)
            return row[index] if index is not None and index < len(row) else None

        first_page, last_page = (cell("first page") or "").strip(), (cell("last page") or "").strip()
        fields = {
            "title": cell("title"),
            "authors": _csv_authors(cell("authors")),
            "year": cell("year"),
            "journal": cell("journal"),
            "volume": cell("volume"),
            "issue": cell("issue"),
            "pages": cell("pages") or "-".join(p for p in (first_page, last_page) if p),
            "doi": _doi(cell("doi")),
            "pmid": cell("pmid"),
            "abstract": cell("abstract"),
        }
        yield _Entry(line, raw, fields, cell("id"), problem)


def _unique(header: list[str]) -> list[str]:
    """Header names made unique ("DOI", "DOI (2)") so that raw keeps every cell."""
    seen: dict[str, int] = {}
    names = []
    for name in header:
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return names


def _csv_authors(value: str | None) -> str | None:
    """Authors as "A; B": a cell listing Vancouver-form names with commas ("Yang Z., Jiang B.",
    Embase and PubMed) is re-joined; any other cell is kept, as its separator is ambiguous."""
    if not value or ";" in value or "," not in value:
        return value
    parts = [part.strip() for part in value.split(",") if part.strip()]
    if len(parts) > 1 and all(_VANCOUVER.fullmatch(part) for part in parts):
        return "; ".join(parts)
    return value


@contextmanager
def _csv_field_limit() -> Iterator[None]:
    # csv's limit is process-wide: raised for this file only, then put back.
    previous = csv.field_size_limit(_CSV_FIELD_LIMIT)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


# --- shared -------------------------------------------------------------------------------


def _validate(entries: Iterable[_Entry], format: str, encoding: str) -> ParsedFile:
    records: list[dict] = []
    rejected: list[dict] = []
    first_line: dict[str, int] = {}  # source_key -> line of the first record with it
    for position, entry in enumerate(entries, 1):
        fields = {name: _clean(entry.fields[name]) for name in FIELDS}
        key = _clean(entry.source_key) or f"#{position}"
        reasons = [entry.problem] if entry.problem else []
        if fields["year"] is not None:
            match = _YEAR.match(fields["year"])
            if match:
                fields["year"] = int(match.group(1))
            else:
                reasons.append(f"year {fields['year']!r} is not a 4-digit year")
        if not (fields["title"] or fields["doi"] or fields["pmid"]):
            reasons.append("no title, DOI or PMID")
        if key in first_line:
            reasons.append(f"source key {key!r} repeats the record at line {first_line[key]}")
        else:
            first_line[key] = entry.line
        if reasons:
            rejected.append({"line": entry.line, "source_key": key, "reason": "; ".join(reasons),
                             "raw": entry.raw})
        else:
            records.append({"source_key": key, **fields, "raw": entry.raw, "line": entry.line})
    return ParsedFile(records, rejected, format, encoding)


def _clean(value: str | None) -> str | None:
    """Whitespace runs (line breaks, tabs, no-break spaces, U+2028) to one space; "" to None."""
    if not value:
        return None
    cleaned = " ".join(value.split())
    # The raw value itself when already clean, so that a record holds its text once.
    return (value if cleaned == value else cleaned) or None


def _group(tags: list[str], values: list[str]) -> dict[str, list[str]]:
    raw: dict[str, list[str]] = {}
    for tag, value in zip(tags, values):
        raw.setdefault(tag, []).append(value)
    return raw


def _first(raw: dict[str, list[str]], tags: tuple[str, ...]) -> str | None:
    """The first non-empty value of the first of these tags that has one."""
    for tag in tags:
        for value in raw.get(tag, ()):
            if value:
                return value
    return None


def _join_authors(names: Iterable[str]) -> str | None:
    return "; ".join(filter(None, map(_clean, names))) or None


def _doi(value: str | None) -> str | None:
    """The DOI in a value that may wrap it: "https://doi.org/10.1/x", "10.1/x [doi]"."""
    match = _DOI.search(value) if value else None
    return match.group(0) if match else None
