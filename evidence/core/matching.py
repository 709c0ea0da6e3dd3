"""Duplicate citation records: sure groups to link, uncertain pairs to queue for a person.

The store links duplicates and never deletes them, but a unique record wrongly linked can
hide an eligible study, so the rules give up sensitivity before they risk a false merge.

Candidate pairs come from blocking, never from all pairs: records sharing a DOI, a PMID,
the start or the end of their title, the first author's surname and year, or volume and
first page. Blocks larger than MAX_BLOCK are skipped; the other keys reach their pairs.

A pair is *sure* when one of these holds and no field contradicts it:
- the same DOI or PMID and titles that agree (a differing page, volume or issue is then an
  article number or a supplement's numbering, not a contradiction);
- the same place (volume, issue and first page, within a year), authors that agree and a
  similar title, or one that starts or ends the other; or the same range of several pages
  in the same journal by the same authors, whatever language the title is given in;
- a near-identical title of four words or more, years within one, and: the same volume,
  issue and journal (signed by the same authors, or both unsigned); or the same first page
  (other than 1) by the same authors; or, when one record has no pages, the same journal
  and year and nearly the same author list, unless one is a conference record and the
  other a journal article of several pages;
- the same journal, volume, issue, year, title and author list with another first page:
  one issue holds no two such papers, so the page is a typing error.
Contradictions: another DOI or PMID, years two or more apart, another volume, issue or
first page, authors that differ, or a word in one title only that marks another
publication ("erratum", "reply", "protocol", a number as in "Part 2"). The same place
overrules such a word (notices and replies never share an article's pages); the same
volume, page (10 or later), title and authors overrule an issue (a misprint). An issue
field that no two records share holds an export's record numbers and is ignored.

Groups grow along sure pairs, strongest first, and two groups join only when every pair
across them is sure itself: A~B and B~C never chain A to a C that it contradicts. The
first key of a group is the record to keep: the most complete, then the earliest given.
Weaker pairs ("maybe": a similar title with at most one contradiction or with missing
evidence) and sure pairs refused by the guard go to `uncertain`, for a person.

Records are mappings with a unique `key` and any of: title, authors, year, journal,
volume, issue, pages, doi, pmid (None, NaN or "" when missing); keys come back as given.
Pure: no database, no files.
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from rapidfuzz.distance import Indel

FIELDS = ("title", "authors", "year", "journal", "volume", "issue", "pages", "doi", "pmid")

# Similarities are 0..1 (rapidfuzz Indel: 1 - insertions and deletions / total length).
SURE_TITLE = 0.95  # one publication's titles differ in case, punctuation, a typo
PLACE_TITLE = 0.8  # at the same place: a re-punctuated title or a subtitle dropped
MAYBE_TITLE = 0.85  # below this, without the same place or identifier, not worth a person's time
MAX_BLOCK = 60  # larger blocks (a common surname and year) are skipped: other keys reach their pairs
_TITLE_KEY = 24  # characters of the spaceless title used as its start and end blocking keys
_MIN_CONTAINED = 20  # shortest spaceless title that counts as the start or end of a longer one
_AUTHORS_COMPARED = 12  # long author lists are compared on their first names (exports truncate them)
_SUPPLEMENT_PAGES = 100  # a longer page range is a supplement's, not an article's
_RECORD_NUMBERS = 50  # records with an issue needed to tell an export's record numbers from issues

# Placeholders that exports write for a missing value.
_MISSING = {"", "na", "nan", "none", "null", "n/a", "unknown", "[no title available]"}
_NO_AUTHOR = {"anonymous", "anon", "etal", "unknown"}  # names that identify no one

# Letters that NFKD does not decompose into a base letter and a mark.
_FOLD = str.maketrans({"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ß": "ss",
                       "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ı": "i"})
_LOST_LETTER = re.compile(r"(?<=\w)\?(?=\w)")  # "fran?aises": a letter lost to a wrong encoding
_NON_WORD = re.compile(r"[\W_]+")

_LANGUAGES = (
    "chinese|japanese|korean|german|french|spanish|italian|portuguese|russian|polish|dutch|"
    "czech|slovak|slovene|slovenian|hungarian|turkish|danish|swedish|norwegian|finnish|hebrew|"
    "greek|croatian|serbian|persian|ukrainian|romanian|bulgarian|lithuanian|latvian|estonian|"
    "icelandic|arabic|thai|vietnamese|indonesian|malay|catalan|afrikaans|english"
)
# A bracketed note that one bibliographic database adds to a title and another does not: a
# language ("[Chinese]", "[Article in German]"), a publication type ("[Review]", "[Abstract]"),
# a link to a notice ("[Erratum appears in ...]", "[Comment in: ...]"). Other brackets keep
# their words: a title in brackets is a translated title.
_NOTE = re.compile(
    rf"(?:article\s+|text\s+)?(?:in\s+)?(?:{_LANGUAGES})(?:\s*(?:,|;|/|&|and|with)\s*(?:{_LANGUAGES}))*"
    r"(?:\s+abstract)?|(?:publication\s+)?abstract(?:\s+from\s+author)?(?:\s+no\b.*)?|review|letter|"
    r"editorial|news|\d+\s+refs?|epub ahead of print|electronic resource|\.\.\.|added|corrected.*|"
    r"(?:published\s+)?errat.*|comment.*|see\s+comment.*|retract.*|summary for patients.*|"
    r"update.*|poster.*|republished.*",
    re.IGNORECASE,
)
_BRACKETED = re.compile(r"\[([^\[\]]*(?:\[[^\[\]]*\][^\[\]]*)*)(?:\]|$)")  # one nested level; unclosed at the end
# A RIS language field run into the title; MEDLINE's old note on translated titles.
_TITLE_NOISE = re.compile(r"\bLA:\s*\w+\s*$|\(author'?s transl\)", re.IGNORECASE)
# An erratum's title cites the article it corrects: "X (vol 360, pg 542, 2009)" (Web of
# Science), "X (New England Journal of Medicine (2009) 360 (542-544))" (Embase).
_CITED_ARTICLE = re.compile(r"\(\s*vol\.?\s*\d+[^()]*\)|\([^()]*\(\d{4}\)\s*\d+\s*(?:\([^()]*\))?\s*\)", re.IGNORECASE)
_HTML_TAG = re.compile(r"<[^>]{1,40}>")
_PART = re.compile(r"\bpart (\w+)")

# Title words that mark another publication on the same work (a notice, an answer, a
# protocol, an abstract, an update) when one title has them and the other does not.
_MARKERS = frozenset(
    "erratum errata corrigendum corrigenda correction corrections retraction retracted "
    "withdrawn withdrawal reply replies rejoinder response responses comment comments "
    "commentary letter editorial protocol abstract abstracts poster update updated interim "
    "final extension preliminary pilot rationale design baseline secondary".split()
)
_ROMAN = frozenset("ii iii iv vi vii viii ix xi xii".split())

_JOURNAL_STOP = frozenset("the of and for in on de la le der und des du el y d et fur zur di del da do".split())
# Words that vary between records of one conference: "51st Annual ...", "Proceedings of the ...".
_VENUE_NOISE = re.compile(
    r"\d+(?:st|nd|rd|th)?|proceedings|proc|annual|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
    r"first|second|third|(?:four|fif|six|seven|eigh|nin|ten|eleven|twelf|thirteen|fourteen|fifteen|"
    r"sixteen|seventeen|eighteen|nineteen|twentie|thirtie|fortie|fiftie)th"
)
# Words naming a venue that prints other material than its journal or conference papers.
_VENUE_KINDS = frozenset("abstract abstracts supplement supplements companion adjunct extended workshop workshops "
                         "poster posters".split())
_CONFERENCE = re.compile(r"[.:]?\s*conference\s*:", re.IGNORECASE)  # "Pediatr Nephrol.Conference: 44th ..."
_CONFERENCE_VENUE = re.compile(r"conference|congress|proceedings|symposium|meeting|workshop|colloqui", re.IGNORECASE)

_DOI = re.compile(r"10\.\d{4,9}/\S+")
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)")
_INTEGER = re.compile(r"\d+")
_PAGE_COUNT = re.compile(r"\d+\s*pp?\.?")
_PAGE_RANGE = re.compile(r"([a-z]*\d+[a-z]*)(?:\s*(?:[-–—]+|to)\s*([a-z]*\d+[a-z]*))?")
_INITIALS = re.compile(r"^(?:[A-Z]\.?-?){1,3}$")
_AND = re.compile(r"\s+and\s+")
_RUN_TOGETHER = re.compile(r"(?<=[A-Z]\.)(?=[A-Z][a-z])")
_NAME_SPLIT = re.compile(r"[\s\-.]+")


class UncertainPair(NamedTuple):
    """A candidate pair for a person to resolve: never merged automatically."""

    key_a: Hashable
    key_b: Hashable
    score: float  # title similarity 0..1 (0 where a title is missing)
    reason: str  # the evidence for and against: "title 0.97; volume agree; first page differs"


@dataclass(frozen=True)
class Duplicates:
    """`groups`: keys of sure duplicates, the record to keep first; `uncertain`: pairs to review."""

    groups: list[list[Hashable]]
    uncertain: list[UncertainPair]


# --- normalisation -------------------------------------------------------------------------


def _text(value: object) -> str:
    """The value as stripped text; "" for None, NaN and export placeholders such as "NA"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = str(value).strip()
    return "" if text.lower() in _MISSING else text


def fold(text: str) -> str:
    """Diacritics removed: "Frémeaux-Bächi" -> "Fremeaux-Bachi" (other scripts are kept)."""
    text = _LOST_LETTER.sub("", text)
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _words(text: str) -> str:
    return " ".join(_NON_WORD.sub(" ", fold(text).lower()).split())


def normalise_doi(value: object) -> str:
    """Lower-case DOI without resolver prefix or trailing punctuation; "" when none is found."""
    match = _DOI.search(_text(value).lower())
    return match.group(0).rstrip(".,;") if match else ""


def normalise_pmid(value: object) -> str:
    """Digits only, without leading zeros ("PMID: 012345" -> "12345"; 12345.0 from a spreadsheet)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\D", "", _text(value)).lstrip("0")


def _drop_note(match: re.Match) -> str:
    content = match.group(1).strip()
    return " " if _NOTE.fullmatch(content) else f" {content} "


def normalise_title(value: object) -> str:
    """Lower case; no HTML, diacritics, punctuation or database note ("[Chinese]"); single spaces.

    A citation of the corrected article becomes the word "erratum", as an erratum's title says.
    """
    text = _HTML_TAG.sub(" ", html.unescape(_text(value)))
    text = _BRACKETED.sub(_drop_note, _TITLE_NOISE.sub(" ", text))
    return _words(_CITED_ARTICLE.sub(" erratum ", text))


def journal_names(value: object) -> tuple[str, ...]:
    """The journal's or conference's names: lower case, without punctuation, linking words
    ("of"), numbers, ordinals, "proceedings" and "annual".

    Alternatives are separate names: "Ai zheng = Chinese journal of cancer", "Rinsho
    Ketsueki - Japanese Journal of Clinical Hematology", "ICIS: Transforming Society ...",
    and a journal and the conference it prints ("J Thromb Haemost.Conference: 23rd Congress
    of ..."). Bracketed and parenthesised notes are dropped ("PLoS ONE [Electronic Resource]").
    """
    text = re.sub(r"\[[^\]]*\]|\([^)]*\)", " ", html.unescape(_text(value)))
    journal, *conference = _CONFERENCE.split(text, maxsplit=1)
    names = []
    for part in re.split(r"=|:|\s-\s", journal) + conference:
        name = " ".join(w for w in _words(part).split() if w not in _JOURNAL_STOP and not _VENUE_NOISE.fullmatch(w))
        if name:
            names.append(name)
    return tuple(names)


def normalise_year(value: object) -> int | None:
    match = _YEAR.search(_text(value))
    return int(match.group(1)) if match else None


def normalise_volume(value: object) -> str:
    """The first number ("Drug Discovery. 9" -> "9", "35 Suppl 1" -> "35"); "" without one
    ("Ph.D.", "(Jul)": another field's value, not a volume). Issues are read alike."""
    match = _INTEGER.search(_text(value))
    return (match.group(0).lstrip("0") or "0") if match else ""


def normalise_pages(value: object) -> tuple[str, str]:
    """(first, last) page: "23-35", "23 -- 35" -> ("23", "35"); "1112-4" -> ("1112", "1114").

    Only the first range counts ("742-8; discussion 748-9"); ("", "") without a page number
    or for a page count ("215 p").
    """
    text = _text(value).lower()
    match = _PAGE_RANGE.search(text)
    if not match or _PAGE_COUNT.fullmatch(text):
        return "", ""
    first, last = match.group(1), match.group(2) or ""
    if first.isdigit() and last.isdigit() and len(last) < len(first):
        last = first[: len(first) - len(last)] + last  # abbreviated end page
    return first, last


class Author(NamedTuple):
    surname: str  # lower-case letters only: "Le Quintrec" -> "lequintrec"
    initials: str  # of the given names: "Julien A." -> "ja" (kept, not compared: see _same_person)
    words: frozenset[str]  # every name word of two letters or more, to match inverted names


def _name_words(text: str) -> list[str]:
    return [w for w in (_NON_WORD.sub("", p) for p in _NAME_SPLIT.split(text.lower())) if len(w) > 1]


def parse_authors(value: object) -> list[Author]:
    """Authors in order, read from "Zuber, J and Le Quintrec, M" (BibTeX), "Zuber J; Le
    Quintrec M" and "Zuber J, Le Quintrec M" (Vancouver), "Zuber, Julien" or "Julien Zuber"."""
    text = fold(_text(value))
    if not text:
        return []
    if _AND.search(text):
        parts = _AND.split(text)
    elif ";" in text:
        parts = text.split(";")
    elif "," in text and all(_INITIALS.match(p.split()[-1]) for p in text.split(",") if p.split()):
        parts = text.split(",")
    elif _RUN_TOGETHER.search(text):  # "Dear A. E.Liu H.Gaspari T.": separators lost
        parts = _RUN_TOGETHER.split(text)
    else:
        parts = [text]
    authors = []
    for part in parts:
        part = part.strip()
        if "," in part:
            surname, given = part.split(",", 1)
        else:
            words = part.split()
            tail = 0  # trailing initials: "Le Quintrec M", "Zuber J. A."
            while tail < len(words) - 1 and _INITIALS.match(words[-1 - tail]):
                tail += 1
            if tail:
                surname, given = " ".join(words[:-tail]), " ".join(words[-tail:])
            else:  # "Julien Zuber"
                surname, given = (words[-1], " ".join(words[:-1])) if words else ("", "")
        given = "" if given.strip().lower() in _MISSING else given
        name = "".join(c for c in surname.lower() if c.isalpha())
        if name and name not in _NO_AUTHOR:
            initials = "".join(p[0] for p in _NAME_SPLIT.split(given) if p).lower()
            authors.append(Author(name, initials, frozenset(_name_words(surname) + _name_words(given) + [name])))
    return authors


# --- one record, prepared once ---------------------------------------------------------------


@dataclass(slots=True)
class _Record:
    index: int
    key: Hashable
    title: str
    compact_title: str  # the title without spaces
    title_words: frozenset[str]
    parts: tuple[str, ...]  # "Part A", "Part II" labels in the title
    authors: list[Author]
    year: int | None
    journals: tuple[str, ...]
    venue_kinds: frozenset[str]  # words naming a companion venue: "abstracts", "supplement"
    conference: bool  # the venue is a conference (its abstracts or proceedings), not a journal
    volume: str
    issue: str
    first_page: str
    last_page: str
    doi: str
    pmid: str
    completeness: int  # fields filled in, to choose the record to keep


def _prepare(index: int, record: Mapping[str, object]) -> _Record:
    title = normalise_title(record.get("title"))
    journal = _text(record.get("journal"))
    first_page, last_page = normalise_pages(record.get("pages"))
    return _Record(
        index=index,
        key=record["key"],
        title=title,
        compact_title=title.replace(" ", ""),
        title_words=frozenset(title.split()),
        parts=tuple(_PART.findall(title)),
        authors=parse_authors(record.get("authors")),
        year=normalise_year(record.get("year")),
        journals=journal_names(journal),
        venue_kinds=frozenset(_words(journal).split()) & _VENUE_KINDS,
        conference=bool(_CONFERENCE_VENUE.search(journal)),
        volume=normalise_volume(record.get("volume")),
        issue=normalise_volume(record.get("issue")),
        first_page=first_page,
        last_page=last_page,
        doi=normalise_doi(record.get("doi")),
        pmid=normalise_pmid(record.get("pmid")),
        completeness=sum(bool(_text(record.get(f))) for f in FIELDS),
    )


def _prepare_all(records: Iterable[Mapping[str, object]]) -> list[_Record]:
    prepared = [_prepare(i, r) for i, r in enumerate(records)]
    if len({r.key for r in prepared}) != len(prepared):
        raise ValueError("record keys must be unique")
    # Issues repeat (1 to 12 in most journals); a field that no two records share is some
    # export's record number in the issue's place, and would contradict every duplicate.
    issues = [r.issue for r in prepared if r.issue]
    if len(issues) >= _RECORD_NUMBERS and len(set(issues)) >= 0.9 * len(issues):
        for r in prepared:
            r.issue = ""
    return prepared


# --- evidence on a pair ----------------------------------------------------------------------


@lru_cache(maxsize=65536)
def _abbreviates(short: str, full: str) -> bool:
    """Whether `short` (spaceless) is a start of each word of `full` in turn:
    "jthoraccardiovascsurg" of "journal thoracic cardiovascular surgery", "jpen" of
    "journal parenteral enteral nutrition"; "cancer" not of "cancer research"."""
    words = full.split()

    @lru_cache(maxsize=None)
    def fits(position: int, word: int) -> bool:
        if word == len(words):
            return position == len(short)
        length = 1
        while (length <= len(words[word]) and position + length <= len(short)
               and short[position + length - 1] == words[word][length - 1]):
            if fits(position + length, word + 1):
                return True
            length += 1
        return False

    return bool(short) and fits(0, 0)


def _names_agree(x: str, y: str) -> bool:
    short, full = sorted((x, y), key=len)
    short_words = short.split()
    return (short == full or Indel.normalized_similarity(short, full) >= 0.9
            or _abbreviates(short.replace(" ", ""), full)
            # all of a name of three words or more in a longer one: "european conference
            # information systems management" in "... information systems management ecism"
            or (len(short_words) >= 3 and set(short_words) <= set(full.split())))


def _journals_agree(a: _Record, b: _Record) -> bool:
    """The same journal or conference under any of its names, allowing abbreviations ("Nat
    Rev Nephrol" ~ "Nature Reviews Nephrology"), but not a companion ("Extended Abstracts")."""
    return a.venue_kinds == b.venue_kinds and any(_names_agree(x, y) for x in a.journals for y in b.journals)


def _digits(page: str) -> str:
    return re.sub(r"\D", "", page)


def _pages_relation(a: _Record, b: _Record) -> str:
    """"agree", "conflict" or "" (unknown): the same first page, or the same range written
    otherwise ("c37-c42" ~ "37-42"), or one whose first page was mistyped ("2297-2108" ~
    "2097-2108": two articles of several pages never end on the same page)."""
    if not a.first_page or not b.first_page:
        return ""
    if a.first_page == b.first_page:
        return "agree"
    if a.last_page and b.last_page:
        if _digits(a.first_page) == _digits(b.first_page) and _digits(a.last_page) == _digits(b.last_page):
            return "agree"
        if a.last_page == b.last_page and a.first_page != a.last_page and b.first_page != b.last_page:
            return "agree"
    for one, other in ((a, b), (b, a)):  # "2335" for 23-35: a range whose dash was lost
        if not one.last_page and other.last_page and one.first_page == other.first_page + other.last_page:
            return "agree"
    return "conflict"


def _same_range(a: _Record, b: _Record) -> bool:
    """The same range of several pages."""
    return a.first_page != a.last_page != "" and (a.first_page, a.last_page) == (b.first_page, b.last_page)


def _shifted(a: _Record, b: _Record) -> bool:
    """Whether `a` has its volume in the issue field and its issue in the pages field, as
    some exports write them: volume "", issue "26", pages "9" against 26(9):1746."""
    return not a.volume and not a.last_page and a.issue == b.volume != "" and a.first_page == b.issue != ""


def _same_person(x: Author, y: Author) -> bool:
    # Initials are not compared: exports disagree on them too often ("Hong, Kevin" ~ "Hong, Y."
    # for Yili Kevin Hong; "Wong, Sut I" ~ "Wong, I, Sut").
    if x.surname == y.surname or x.surname in y.words or y.surname in x.words:
        return True  # also inverted names: "Ching-yi, Wu" ~ "Wu, Ching-yi"
    if min(len(x.surname), len(y.surname)) >= 4 and (x.surname in y.surname or y.surname in x.surname):
        return True  # a particle kept or dropped: "Le Quintrec" ~ "Quintrec"
    return Indel.normalized_similarity(x.surname, y.surname) >= 0.85  # transliteration or typo


def _found(authors: list[Author], among: list[Author]) -> float:
    """The share of the first `authors` found among the first of `among`."""
    head, others = authors[:_AUTHORS_COMPARED], among[:_AUTHORS_COMPARED]
    return sum(any(_same_person(x, y) for y in others) for x in head) / len(head)


def _authors_relation(a: _Record, b: _Record) -> str:
    """"agree", "conflict" or "" (unknown): the first author, else most of the shorter list
    found in the longer (a first author lost or misread: "Lopez, Rubio M" ~ "Rubio, M L")."""
    if not a.authors or not b.authors:
        return ""
    if _same_person(a.authors[0], b.authors[0]):
        return "agree"
    short, long_ = sorted((a.authors, b.authors), key=len)
    found = _found(short, long_)
    if len(short) >= 2 and found >= 0.75:
        return "agree"
    return "conflict" if found < 0.5 else ""


def _author_lists_agree(a: _Record, b: _Record) -> bool:
    """Nearly every author of each record is among the other's."""
    return bool(a.authors and b.authors) and min(_found(a.authors, b.authors), _found(b.authors, a.authors)) >= 0.8


def _is_article(r: _Record) -> bool:
    """A journal paper of several pages: not a conference record, not a one-page abstract, and
    not a range of over _SUPPLEMENT_PAGES pages (a supplement's, given for each abstract in it)."""
    if r.conference or r.last_page in ("", r.first_page):
        return False
    first, last = _digits(r.first_page), _digits(r.last_page)
    return not (first and last and int(last) - int(first) > _SUPPLEMENT_PAGES)


def _title_relation(a: _Record, b: _Record) -> tuple[float, bool]:
    """Title similarity, and whether one title is the start or end of the other (a subtitle
    or section heading dropped: "Unilateral neglect in stroke: a comparative study")."""
    similarity = Indel.normalized_similarity(a.title, b.title)
    short, long_ = sorted((a.compact_title, b.compact_title), key=len)
    contained = len(short) >= _MIN_CONTAINED and (
        Indel.normalized_similarity(short, long_[: len(short)]) >= SURE_TITLE
        or Indel.normalized_similarity(short, long_[-len(short):]) >= SURE_TITLE
    )
    return similarity, contained


def _marker(a: _Record, b: _Record) -> str:
    """What in one title only marks another publication ("erratum", "2", "part b"), or ""."""
    if a.parts != b.parts:
        return "part " + "/".join(a.parts + b.parts)
    for word in sorted(a.title_words ^ b.title_words):
        if word in _MARKERS or word in _ROMAN or word.isdigit():
            return word
    return ""


class _Verdict(NamedTuple):
    label: str  # "sure", "maybe" or "distinct"
    score: float  # title similarity
    reason: str


def _compare(a: _Record, b: _Record) -> _Verdict:
    """The evidence on one pair and its verdict (the rules are in the module docstring)."""
    both_titles = bool(a.title and b.title)
    title, contained = _title_relation(a, b) if both_titles else (0.0, False)
    notes = [f"title {title:.2f}" + (", one starts or ends the other" if contained and title < SURE_TITLE else "")
             if both_titles else "title missing"]
    conflicts = []

    ids = (("DOI", a.doi, b.doi), ("PMID", a.pmid, b.pmid))
    same_id = [name for name, x, y in ids if x and x == y]
    other_id = [name for name, x, y in ids if x and y and x != y]
    conflicts += [f"different {name}" for name in other_id]
    years = abs(a.year - b.year) if a.year is not None and b.year is not None else None
    if years is not None and years > 1:
        conflicts.append(f"years {a.year} and {b.year}")
    if _shifted(a, b) or _shifted(b, a):
        pages, volume, issue = "", "agree", "agree"
    else:
        pages = _pages_relation(a, b)
        volume = ("agree" if a.volume == b.volume else "conflict") if a.volume and b.volume else ""
        issue = ("agree" if a.issue == b.issue else "conflict") if a.issue and b.issue else ""
    authors = _authors_relation(a, b)
    journal = ("agree" if _journals_agree(a, b) else "differ") if a.journals and b.journals else ""
    long_title = title >= SURE_TITLE and len(a.title_words) >= 4
    if (issue == "conflict" and pages == volume == "agree" and long_title and a.first_page.isdigit()
            and int(a.first_page) >= 10 and _author_lists_agree(a, b)):
        # Journals that number pages by issue print other papers at the same pages, and their
        # recurring columns on an issue's first pages; one title and author list on a later
        # page of one volume is one paper, its issue misprinted.
        issue = ""
    # Same volume, issue (journals that number pages by issue repeat them) and first page
    # within a year: one publication, whatever its title says.
    same_place = pages == volume == "agree" and issue != "conflict" and years is not None and years <= 1
    marker = _marker(a, b)
    if marker and not same_place:
        conflicts.append(f'"{marker}" in one title only')
    if authors == "conflict":
        conflicts.append("authors differ")
    notes += [f"{name} agree" for name, relation in (("first page", pages), ("volume", volume), ("issue", issue),
                                                      ("authors", authors), ("journal", journal))
              if relation == "agree"]

    def verdict(label: str, *because: str) -> _Verdict:
        return _Verdict(label, title, "; ".join(notes + list(because) + conflicts))

    if same_id and not other_id:
        notes.append("same " + " and ".join(same_id))
        # With the identifier, title and place the same, authors that differ are misread
        # names ("Amber C. F." for "Cicek F. A.").
        misread = same_place and title >= SURE_TITLE and conflicts == ["authors differ"]
        if (not conflicts or misread) and (title >= 0.9 or contained or same_place or not both_titles):
            return verdict("sure")
        # A translated title; not another abstract under its supplement's DOI.
        if (title >= 0.6 or contained or same_place or not both_titles) and len(conflicts) <= 1:
            return verdict("maybe")
        return verdict("distinct")

    # Locators contradict from here on; with the same DOI (above) they are mostly an article
    # number against a page range, or a supplement's numbering.
    if pages == "conflict":
        conflicts.append("first page differs")
        if (conflicts == ["first page differs"] and volume == issue == journal == "agree" and years == 0
                and long_title and _author_lists_agree(a, b)):
            return verdict("sure", "same issue")
    if volume == "conflict":
        conflicts.append("volume differs")
    if issue == "conflict":
        conflicts.append("issue differs")
    if conflicts or not both_titles:
        # The same place alone is worth a look when the title may be a translation, not
        # for the other abstracts printed on one page.
        place = same_place and (title >= 0.6 or authors == "agree")
        if (title >= MAYBE_TITLE or contained or place) and len(conflicts) <= 1:
            return verdict("maybe")
        return verdict("distinct")

    # From here: both titles, no field contradicting, authors that agree or are missing.
    if authors == "agree":
        if same_place and (title >= PLACE_TITLE or contained):
            return verdict("sure", "same place")
        if ((same_place or volume == "") and _same_range(a, b) and journal == "agree"
                and years is not None and years <= 1
                and (title >= PLACE_TITLE or contained or (same_place and _author_lists_agree(a, b)))):
            return verdict("sure", "same pages")
    if long_title and years is not None:
        # Unsigned records too (an anonymous book of abstracts), but not one signed and one not.
        if volume == issue == journal == "agree" and (authors == "agree" or not (a.authors or b.authors)):
            return verdict("sure")
        # A first page of 1 starts many papers (and every conference paper numbered alone).
        if authors == "agree" and pages == "agree" and a.first_page != "1" and journal != "differ":
            return verdict("sure")
        article_and_abstract = a.conference != b.conference and (_is_article(a) or _is_article(b))
        if (pages == "" and years == 0 and journal == "agree" and issue != "conflict"
                and not article_and_abstract and _author_lists_agree(a, b)):
            return verdict("sure", "one lacks locators")
    if title >= MAYBE_TITLE or contained or same_place:
        return verdict("maybe")
    return verdict("distinct")


# --- candidate pairs -------------------------------------------------------------------------


def _blocking_keys(r: _Record) -> Iterable[tuple]:
    if r.doi:
        yield ("doi", r.doi)
    if r.pmid:
        yield ("pmid", r.pmid)
    if len(r.compact_title) >= 12:
        yield ("title start", r.compact_title[:_TITLE_KEY])
        yield ("title end", r.compact_title[-_TITLE_KEY:])
    if r.authors and r.year is not None:
        yield ("author year", r.authors[0].surname, r.year)
    if r.volume and r.first_page:
        yield ("volume page", r.volume, r.first_page)


def _candidate_pairs(prepared: list[_Record]) -> set[tuple[int, int]]:
    """Index pairs (i < j) sharing a blocking key, from blocks of at most MAX_BLOCK records."""
    blocks: dict[tuple, list[int]] = defaultdict(list)
    for r in prepared:
        for block in _blocking_keys(r):
            blocks[block].append(r.index)
    pairs = set()
    for members in blocks.values():
        if 1 < len(members) <= MAX_BLOCK:
            pairs.update((members[i], members[j]) for i in range(len(members)) for j in range(i + 1, len(members)))
    return pairs


# --- groups ----------------------------------------------------------------------------------


def find_duplicates(records: Iterable[Mapping[str, object]]) -> Duplicates:
    """Sure duplicate groups and uncertain pairs among `records` (keys must be unique)."""
    prepared = _prepare_all(records)
    verdicts: dict[tuple[int, int], _Verdict] = {}

    def verdict(i: int, j: int) -> _Verdict:
        pair = (i, j) if i < j else (j, i)
        if pair not in verdicts:
            verdicts[pair] = _compare(prepared[pair[0]], prepared[pair[1]])
        return verdicts[pair]

    candidates = sorted(_candidate_pairs(prepared))
    sure = [p for p in candidates if verdict(*p).label == "sure"]
    maybe = [p for p in candidates if verdicts[p].label == "maybe"]

    # Grow groups along sure pairs, strongest first; join two only if every cross pair is sure.
    group_of = list(range(len(prepared)))
    members: dict[int, list[int]] = {i: [i] for i in range(len(prepared))}
    refused = []
    for i, j in sorted(sure, key=lambda p: (-verdicts[p].score, p)):
        gi, gj = group_of[i], group_of[j]
        if gi == gj:
            continue
        unsure = next(((x, y) for x in members[gi] for y in members[gj] if verdict(x, y).label != "sure"), None)
        if unsure:
            x, y = unsure
            refused.append((i, j, f"{verdicts[(i, j)].reason}; not linked, as {prepared[x].key} and "
                                  f"{prepared[y].key} are not sure duplicates: {verdict(x, y).reason}"))
            continue
        if len(members[gi]) < len(members[gj]):
            gi, gj = gj, gi
        for x in members.pop(gj):
            group_of[x] = gi
            members[gi].append(x)

    groups = sorted((ids for ids in members.values() if len(ids) > 1), key=min)
    for ids in groups:
        ids.sort(key=lambda x: (-prepared[x].completeness, x))  # the most complete, then the earliest
    queue = [(i, j, verdicts[(i, j)].reason) for i, j in maybe] + refused
    uncertain = sorted(
        (UncertainPair(prepared[i].key, prepared[j].key, round(verdicts[(i, j)].score, 3), reason)
         for i, j, reason in queue if group_of[i] != group_of[j]),
        key=lambda p: -p.score,
    )
    return Duplicates([[prepared[x].key for x in ids] for ids in groups], uncertain)
