"""Search exports read into records: real files from shared/data/exports, their quirks, bad input.

Expected counts, titles and keys are read from the files' text by small counters here that
share no code with evidence.formats.citations (as the exports README counts them).
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from evidence.errors import InputError
from evidence.formats.citations import read_records

from .conftest import examples

EXPORTS = Path(__file__).resolve().parents[2] / "shared" / "data" / "exports"
BOM = "\ufeff"


def lines_of(path: Path) -> list[str]:
    """Lines split on CRLF, CR or LF only: str.splitlines would also split at the U+2028
    inside the blue-light values."""
    return re.split(r"\r\n|\r|\n", path.read_text(encoding="utf-8-sig"))


def exports(*suffixes: str) -> list:
    if not EXPORTS.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"shared exports absent: {EXPORTS}"))]
    return sorted(p.name for p in EXPORTS.iterdir() if p.suffix in suffixes)


def export(name: str) -> Path:
    path = EXPORTS / name
    if not path.is_file():
        pytest.skip(f"shared export absent: {path}")
    return path


# --- every RIS, MEDLINE and CSV export: counts, first record, line numbers, encoding ------


def tagged_records(path: Path) -> tuple[str, list[tuple[int, list[str]]]]:
    """("ris" or "medline", [(start line, lines of the record)]) by TY or PMID lines."""
    lines = lines_of(path)
    ty = [n for n, line in enumerate(lines, 1) if line.startswith("TY  - ")]
    format, starts = ("ris", ty) if ty else ("medline", [n for n, line in enumerate(lines, 1)
                                                         if line.startswith("PMID- ")])
    bounds = starts + [len(lines) + 1]
    return format, [(start, lines[start - 1:end - 1]) for start, end in zip(bounds, bounds[1:])]


@pytest.mark.parametrize("name", exports(".ris", ".nbib"))
def test_tagged_export_has_every_record_at_its_line(name):
    path = export(name)
    format, expected = tagged_records(path)
    parsed = read_records(path)
    assert parsed.format == format
    assert parsed.encoding == ("utf-8-sig" if path.read_bytes().startswith(BOM.encode()) else "utf-8")
    assert parsed.rejected == []
    assert len(parsed.records) == len(expected)
    if format == "ris":  # the README's second count
        assert len(parsed.records) == sum(line.startswith("ER  -") for line in lines_of(path))
    assert [r["line"] for r in parsed.records] == [start for start, _ in expected]

    # The first record's title and key as printed (a single-line title in RIS; MEDLINE
    # continues TI on lines indented by six spaces).
    first = expected[0][1]
    if format == "ris":
        title = next(line[6:] for line in first if line[:6] in ("TI  - ", "T1  - "))
        key = next((line[6:] for tag in ("ID", "AN") for line in first if line.startswith(f"{tag}  - ")), "#1")
    else:
        at = next(i for i, line in enumerate(first) if line.startswith("TI  - "))
        title = first[at][6:]
        for line in first[at + 1:]:
            if not line.startswith(" " * 6):
                break
            title += " " + line
        key = first[0][6:]
    assert parsed.records[0]["title"] == " ".join(title.split())
    assert parsed.records[0]["source_key"] == key.strip()


# Rows a csv reader finds after the preamble and header (exports README: Embase writes 3
# preamble lines) and the column that holds each file's record identifier.
CSV_LAYOUT = {
    "citationfileformatting_baseline_embase.csv": (3, "PUI"),
    "citationfileformatting_baseline_scopus.csv": (0, "EID"),
}


@pytest.mark.parametrize("name", exports(".csv"))
def test_csv_export_has_every_row(name):
    path = export(name)
    preamble, key_column = CSV_LAYOUT[name]
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))[preamble:]
    header, data = rows[0], [row for row in rows[1:] if any(row)]
    parsed = read_records(path)
    assert (parsed.format, parsed.rejected) == ("csv", [])
    assert parsed.encoding == ("utf-8-sig" if path.read_bytes().startswith(BOM.encode()) else "utf-8")
    assert len(parsed.records) == len(data)
    first = dict(zip(header, data[0]))
    assert parsed.records[0]["title"] == first["Title"]
    assert parsed.records[0]["source_key"] == first[key_column]
    assert parsed.records[0]["line"] == preamble + 2
    assert parsed.records[0]["raw"] == first


@pytest.mark.parametrize("name", exports(".ciw", ".bib", ".xml", ".net"))
def test_formats_not_supported_are_refused_by_name(name):
    path = export(name)
    with pytest.raises(InputError, match="unknown format") as raised:
        read_records(path)
    assert str(path) in str(raised.value) and "\n" not in str(raised.value)


# --- the quirks the exports README lists ----------------------------------------------------


def test_pubmed_saved_as_ris_is_read_as_medline():
    parsed = read_records(export("citationfileformatting_baseline_pubmed.ris"))
    assert parsed.format == "medline"
    first = parsed.records[0]
    assert first["source_key"] == first["pmid"] == "30922926"
    assert first["doi"] == "10.1016/j.ejmg.2019.03.004"  # from "LID - ... [doi]"
    assert (first["year"], first["volume"], first["issue"]) == (2020, "63", "2")
    assert first["abstract"].startswith("For the purpose of this review, 'time-lapse' refers to the "
                                        "reconstruction of ancestral (in this case dinosaur) karyotypes")


def test_medline_and_endnote_copies_of_one_library_agree():
    """blue-light.nbib (PubMed) and blue-light.ris (EndNote, PMID in AN): same titles, years and DOIs."""
    nbib = read_records(export("reflib_blue-light.nbib"))
    ris = {r["pmid"]: r for r in read_records(export("reflib_blue-light.ris")).records}
    assert len(ris) == 102
    for record in nbib.records:
        other = ris[record["pmid"]]
        assert re.sub(r"\W", "", record["title"].lower()) == re.sub(r"\W", "", other["title"].lower())
        assert (record["year"], record["doi"]) == (other["year"], other["doi"])
    first = nbib.records[0]
    assert first["authors"].startswith("Shahtalebi, Mohammad Ali; Asghari, Gholam Reza")  # FAU
    assert first["journal"] == "Advanced biomedical research"


def test_line_separators_stay_inside_values():
    for name in ("reflib_blue-light.nbib", "reflib_blue-light.ris"):
        parsed = read_records(export(name))
        raw = [v for r in parsed.records for values in r["raw"].values() for v in values]
        assert sum(v.count("\u2028") for v in raw) == 7  # README: 7 in each file
        assert not any("\u2028" in (r["title"] or "") + (r["abstract"] or "") for r in parsed.records)


def test_endnote_ris_continuation_lines_and_keys():
    first = read_records(export("reflib_blue-light.ris")).records[0]
    assert first["source_key"] == "895"  # ID, the EndNote record number, over AN
    assert first["pmid"] == "29657938"   # AN, as DP says NLM
    assert first["raw"]["KW"] == ["Acne\nAntirrhinum majus\nPropionibacterium acnes\nblue light"]
    assert first["authors"] == "Shahtalebi, M. A.; Asghari, G. R.; Rahmani, F.; Shafiee, F.; Jahanian-Najafabadi, A."


def test_embase_ris():
    records = read_records(export("citationfileformatting_baseline_embase.ris")).records
    first = records[0]
    assert [r["source_key"] for r in records] == [f"#{n}" for n in range(1, 11)]  # no ID or AN
    assert first["authors"] == "Yang, Z.; Jiang, B.; Xu, J.; McNamara, M.E."  # A1
    assert first["journal"] == "Nature Communications"  # JF, not the JO abbreviation
    assert first["pmid"] == "38773066"  # C5
    assert first["raw"]["DB"] == ["Embase", "Medline"]
    assert first["abstract"].startswith("Fossil feathers")  # N2
    assert sum(len(r["raw"].get("DB", [])) for r in records) == 14


def test_scopus_ris_untagged_abstract_lines_continue_the_abstract():
    records = read_records(export("citesource_20221207_gambling-harms_scopus_255.ris")).records
    spanish = next(r for r in records if r["line"] == 3842)
    assert spanish["raw"]["AB"][0].startswith("OBJECTIVE:")
    assert "\nOBJETIVO: Participar en juegos de azar" in spanish["raw"]["AB"][0]
    assert "problems, both health and " in spanish["abstract"] and "\n" not in spanish["abstract"]


def test_ovid_text_outside_records_is_ignored():
    records = read_records(export("synthesisr_Ovid_ris_example.ris")).records
    assert [r["line"] for r in records][:1] == [2]  # after the "1." line
    assert records[0]["source_key"] == "20203152553"
    assert records[0]["doi"] == "10.4236/ojf.2020.101008"  # from a dx.doi.org URL
    assert records[0]["year"] == 2020  # "Y1  - 2020//"
    assert not any("Link to the Ovid" in v for r in records for values in r["raw"].values() for v in values)


def test_ebscohost_ris():
    records = read_records(export("synthesisr_ASP_ris_example.ris")).records
    first, chinese = records[0], records[3]
    assert len(first["raw"]["AB"]) == 2 and first["abstract"].startswith("Small rodents")  # not the copyright AB
    assert first["authors"].startswith("Rodríguez-Pastor, Ruth; Luque-Larena, Juan José")
    assert (first["year"], first["pages"], first["doi"]) == (2016, "206-217", "10.1016/j.agee.2016.06.041")
    assert chinese["authors"].startswith("朱德泉")
    assert chinese["journal"] == "Transactions of the Chinese Society of Agricultural Engineering"  # JF, not T2


def test_embase_csv_preamble_and_columns():
    first = read_records(export("citationfileformatting_baseline_embase.csv")).records[0]
    assert first["authors"] == "Yang Z.; Jiang B.; Xu J.; McNamara M.E."  # commas re-joined
    assert (first["journal"], first["pmid"], first["year"]) == ("Nature Communications", "38773066", 2024)


def test_scopus_csv_pages_from_start_and_end():
    records = read_records(export("citationfileformatting_baseline_scopus.csv")).records
    raw = records[1]["raw"]
    assert records[1]["pages"] == f"{raw['Page start']}-{raw['Page end']}"
    assert records[0]["pmid"] == records[0]["raw"]["PubMed ID"]
    assert len(max((r["raw"]["References"] for r in records), key=len)) > 30_000


# --- encodings and line endings ---------------------------------------------------------------


def test_cp1252_and_bom_copies_read_the_same(tmp_path):
    source = export("citesource_20221207_gambling-harms_scopus_255.ris")
    # The few characters cp1252 lacks (Greek, U+2009...) become "?" in every copy.
    text = source.read_text(encoding="utf-8").encode("cp1252", "replace").decode("cp1252")
    copies = {"utf-8": text.encode("utf-8"), "utf-8-sig": (BOM + text).encode("utf-8"),
              "cp1252": text.encode("cp1252")}
    parsed = {}
    for encoding, data in copies.items():
        (tmp_path / encoding).write_bytes(data)
        parsed[encoding] = read_records(tmp_path / encoding)
        assert parsed[encoding].encoding == encoding
    assert parsed["cp1252"].records == parsed["utf-8"].records == parsed["utf-8-sig"].records
    assert sum(ord(c) > 127 for r in parsed["cp1252"].records for c in r["abstract"] or "") > 100


def test_cp1252_text(tmp_path):
    path = tmp_path / "latin.ris"
    path.write_bytes("TY  - JOUR\r\nTI  - Café “au lait” – 5 €\r\nAU  - Rodríguez, José\r\nPY  - 2001\r\nER  - \r\n"
                     .encode("cp1252"))
    parsed = read_records(path)
    assert parsed.encoding == "cp1252"
    assert (parsed.records[0]["title"], parsed.records[0]["authors"]) == ("Café “au lait” – 5 €", "Rodríguez, José")


def test_cr_line_endings(tmp_path):
    source = export("synthesisr_ASP_ris_example.ris")
    path = tmp_path / "cr.ris"
    path.write_bytes(source.read_bytes().replace(b"\r\n", b"\r"))
    assert read_records(path).records == read_records(source).records


# --- format guessing --------------------------------------------------------------------------


def test_format_is_guessed_from_content_not_extension(tmp_path):
    ris = tmp_path / "a.csv"
    ris.write_text("TY  - JOUR\nTI  - A\nER  - \n")
    medline = tmp_path / "b.ris"
    medline.write_text("\nPMID- 1\nTI  - B\n")
    table = tmp_path / "c.txt"
    table.write_text("Key;Title;Publication Year\nk1;C;1999\n")
    assert [read_records(p).format for p in (ris, medline, table)] == ["ris", "medline", "csv"]
    assert read_records(table).records[0]["source_key"] == "k1"


def test_given_format_is_used_and_checked(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("TY  - JOUR\nTI  - A\nER  - \n")
    assert read_records(path, format="ris").format == "ris"
    with pytest.raises(InputError, match=r"a\.txt: unknown format 'bibtex'"):
        read_records(path, format="bibtex")
    with pytest.raises(InputError, match="no CSV header row with a title column"):
        read_records(path, format="csv")


# --- bad records are reported with their line, never a traceback -----------------------------

MALFORMED_RIS = """\
TY  - JOUR
ID  - good
TI  - A good record
PY  - 2001
ER  - 

TY  - JOUR
ID  - untitled
AU  - Nobody, A.
PY  - 2002
ER  - 

TY  - JOUR
ID  - badyear
TI  - A year in words
PY  - in press
ER  - 

TY  - JOUR
ID  - noend
TI  - Lost its ER
TY  - JOUR
ID  - good2
DO  - 10.1000/xyz
ER  - 
TI  - Lost its TY
ER  - 
TY  - JOUR
ID  - good
TI  - A key seen before
ER  - 
TY  - JOUR
ID  - cut
TI  - Cut off at the end of the file"""


def test_malformed_ris_records_are_rejected_with_line_and_reason(tmp_path):
    path = tmp_path / "bad.ris"
    path.write_text(MALFORMED_RIS)
    parsed = read_records(path)
    assert [(r["line"], r["source_key"]) for r in parsed.records] == [(1, "good"), (22, "good2")]
    assert parsed.records[1]["title"] is None and parsed.records[1]["doi"] == "10.1000/xyz"
    assert [(r["line"], r["source_key"], r["reason"]) for r in parsed.rejected] == [
        (7, "untitled", "no title, DOI or PMID"),
        (13, "badyear", "year 'in press' is not a 4-digit year"),
        (19, "noend", "no ER line before the next TY at line 22"),
        (26, "#6", "no TY line"),
        (28, "good", "source key 'good' repeats the record at line 1"),
        (32, "cut", "no ER line before the end of the file at line 34"),
    ]
    assert parsed.rejected[3]["raw"] == {"TI": ["Lost its TY"]}


def test_malformed_medline_records(tmp_path):
    path = tmp_path / "bad.nbib"
    path.write_text("PMID- 1\nTI  - Fine\nDP  - 2020 Feb\n\nTI  - No PMID\nDP  - 2020\n\n"
                    "PMID- 3\nTI  - Odd date\nDP  - Spring\n\nPMID- 4\nAU  - Nobody A\n")
    parsed = read_records(path)
    # A PMID alone is enough to match a record, so the untitled one is kept.
    assert [(r["line"], r["year"], r["title"]) for r in parsed.records] == [(1, 2020, "Fine"), (12, None, None)]
    assert [(r["line"], r["reason"]) for r in parsed.rejected] == [
        (5, "no PMID"), (8, "year 'Spring' is not a 4-digit year")]


def test_malformed_csv_rows(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text('id,title,year,doi\n1,Fine,2001,\n2,"Two\nlines",2002,\n3,Short\n4,,1999,\n5,Bad,99,\n')
    parsed = read_records(path)
    assert [(r["line"], r["title"]) for r in parsed.records] == [(2, "Fine"), (3, "Two lines")]
    assert [(r["line"], r["source_key"], r["reason"]) for r in parsed.rejected] == [
        (5, "3", "the row has 2 cells where the header has 4"),
        (6, "4", "no title, DOI or PMID"),
        (7, "5", "year '99' is not a 4-digit year"),
    ]


@pytest.mark.parametrize("content, message", [
    (b"", "unknown format"),
    (b"PK\x03\x04\x00\x00", "line 1: NUL byte"),
    (b"TY  - JOUR\nTI  - \x81\n", "line 2: byte 0x81 is neither UTF-8 nor cp1252"),
    (b"\xef\xbb\xbfTY  - JOUR\nTI  - caf\xe9\n", "line 2: starts with a UTF-8 byte-order mark"),
    (b"just some text\n", "unknown format"),
])
def test_unreadable_files_raise_one_line_naming_the_file(tmp_path, content, message):
    path = tmp_path / "export.ris"
    path.write_bytes(content)
    with pytest.raises(InputError, match=re.escape(message)) as raised:
        read_records(path)
    assert str(raised.value).startswith(f"{path}: ") and "\n" not in str(raised.value)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(InputError, match="cannot read the file"):
        read_records(tmp_path / "absent.ris")
    with pytest.raises(InputError, match="cannot read the file"):
        read_records(tmp_path)


def test_file_with_no_records(tmp_path):
    path = tmp_path / "empty.ris"
    path.write_text("1.\nnothing here\n")
    with pytest.raises(InputError, match="no RIS records found"):
        read_records(path, format="ris")


# Pieces of every format, well and badly formed, for files no exporter would write.
FRAGMENTS = ["TY  - JOUR", "ER  - ", "ER  -", "TI  - A title", "T1  - ", "AU  - Smith, J.", "PY  - 2020",
             "PY  - 20x0", "ID  - 1", "DO  - 10.1/x", "PMID- 12", "PMID- ", "TI  - B", "DP  - 1999 Jan",
             "      continued", "1.", "", "title,year,id", '"a,b', "x,2001,1", "\ufeff", "\u2028", "é€",
             "\t;", "\r"]


@settings(max_examples=examples(6))
@given(lines=st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=12), max_size=25),
       end=st.sampled_from(["\n", "\r\n", "\r"]), encoding=st.sampled_from(["utf-8", "cp1252", "bytes"]),
       junk=st.binary(max_size=4), format=st.sampled_from([None, "ris", "medline", "csv"]))
def test_any_input_gives_records_or_one_input_error(lines, end, encoding, junk, format):
    text = end.join(lines)
    data = text.encode("utf-8") + junk if encoding == "bytes" else text.encode(encoding, "replace")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export"
        path.write_bytes(data)
        try:
            parsed = read_records(path, format)
        except InputError as error:
            assert str(error).startswith(f"{path}: ") and "\n" not in str(error)
            return
    for record in parsed.records:
        assert record["title"] or record["doi"] or record["pmid"]
        assert record["year"] is None or 0 <= record["year"] <= 9999
        assert record["line"] >= 1 and record["source_key"]
    assert all(r["line"] >= 1 and r["reason"] for r in parsed.rejected)


# --- a large file ----------------------------------------------------------------------------


@pytest.mark.slow  # scale: 100,000 records
def test_100000_ris_records(tmp_path):
    path = tmp_path / "large.ris"
    abstract = "Background, methods, results and conclusions of a randomised trial in adults. " * 6
    with path.open("w", encoding="utf-8") as file:
        for n in range(1, 100_001):
            file.write(f"TY  - JOUR\nID  - {n}\nTI  - Trial {n} of an intervention for an outcome\n"
                       f"AU  - Zuber, Julien\nAU  - Le Quintrec, M.\nAU  - Müller, K.\nPY  - {1990 + n % 35}\n"
                       f"T2  - Journal of Trials\nVL  - {n % 90}\nIS  - {n % 12}\nSP  - {n % 500}\nEP  - {n % 500 + 9}\n"
                       f"DO  - 10.1000/trial.{n}\nAB  - {abstract}\nKW  - trial\nKW  - adults\nER  - \n\n")
    started = time.perf_counter()
    parsed = read_records(path)
    seconds = time.perf_counter() - started
    print(f"\n100,000 RIS records ({path.stat().st_size / 1e6:.0f} MB) parsed in {seconds:.1f} s")
    path.unlink()  # pytest keeps the last runs' tmp_path folders
    assert (len(parsed.records), parsed.rejected) == (100_000, [])
    assert parsed.records[-1]["source_key"] == "100000" and parsed.records[-1]["line"] == 99_999 * 18 + 1
