"""`evidence import rm5`: a RevMan 5 review into the store, in one transaction.

What lands where: the review (title; update 0 with the file's hash, so a reload
is a no-op); every study (included, excluded with its reason as the study
attribute `exclusion_reason`, awaiting, ongoing) with its references as reports
(PubMed and DOI identifiers); each dichotomous or continuous outcome as an
outcome and an analysis named by RevMan's number ("1.2") with the file's
settings (measure, method, fixed or random, CI level); each study row as arms
and data (a multi-arm study's further rows in one outcome become its further
comparisons "NAME (2)", ...: child studies pooled as their own units); "Not
estimable" rows kept; subgroups as a study attribute per analysis; RoB 1
judgements (YES = low, NO = high, UNKNOWN = unclear) with their support; and
RevMan's stored pooled results as published results. Generic inverse-variance
outcomes of a ratio measure (hazard, odds or risk ratio, entered on the log scale)
become contrast estimates: the ratio with the 95% CI its log SE gives, so the
analysis input recovers the entered ln(effect) and SE. Generic outcomes on a
difference scale (MD, SMD, RD, or a measure named otherwise, then GENERIC) become
generic estimates: the effect and SE as entered. A generic ratio of another name
is refused with the file: nothing is written.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from evidence.errors import AlreadyLoadedError, InputError
from evidence.formats.revman import Outcome, Rm5, read_rm5
from evidence.store import schema
from evidence.store.bulk import write_rows
from evidence.store.database import friendly_errors
from evidence.store.locks import lock_reviews
from evidence.version import __version__

MEASURES = {"RR": "RR", "OR": "OR", "RD": "RD", "PETO_OR": "PETO", "MD": "MD", "SMD": "SMD"}
# Generic inverse-variance outcomes name their measure in words (RevMan user guide; R meta's read.rm5 maps the same).
GENERIC_MEASURES = {"hazard ratio": "HR", "hr": "HR", "odds ratio": "OR", "or": "OR", "risk ratio": "RR",
                    "relative risk": "RR", "rr": "RR", "mean difference": "MD", "md": "MD",
                    "std. mean difference": "SMD", "standardised mean difference": "SMD",
                    "standardized mean difference": "SMD", "smd": "SMD", "risk difference": "RD", "rd": "RD"}
RATIOS = ("HR", "OR", "RR")
GENERIC_KINDS = {"HR": "time_to_event", "OR": "dichotomous", "RR": "dichotomous", "RD": "dichotomous",
                 "MD": "continuous", "SMD": "continuous", "GENERIC": "continuous"}
GENERIC_LEVEL = 0.95  # the level of the CI written for a generic row: any level recovers the same SE
METHODS = {"MH": "MH", "IV": "IV", "PETO": "PETO"}
JUDGEMENTS = {"YES": "low", "NO": "high", "UNKNOWN": "unclear"}
TOTALS = {"YES": "totals_and_subtotals", "SUB": "subtotals_only", "NO": "no_totals"}
# Numbers an outcome or subgroup element may store (RevMan's results and settings).
STORED_NUMBERS = ("EFFECT_SIZE", "CI_START", "CI_END", "CI_TOTAL", "EVENTS_1", "EVENTS_2", "TOTAL_1", "TOTAL_2",
                  "Z", "CHI2", "DF", "I2", "TAU2", "Q", "I2_Q", "STUDIES")


def _is_number(value: str) -> bool:
    """RevMan writes NaN where a result does not exist (an outcome without data): a number too."""
    try:
        float(value)
    except ValueError:
        return False
    return True


def _whole(attributes: dict, name: str) -> int | None:
    value = attributes.get(name, "").strip()
    return int(float(value)) if value and math.isfinite(float(value)) else None
REPORT_KINDS = {"JOURNAL_ARTICLE": "journal", "CONFERENCE_PROC": "abstract", "BOOK": "other", "BOOK_SECTION": "other"}
# RevMan's item names -> the store's RoB 1 domain names; other items keep their own name.
DOMAINS = (
    ("sequence generation", "random_sequence_generation"), ("allocation concealment", "allocation_concealment"),
    ("blinding of participants", "blinding_participants_personnel"),
    ("blinding of outcome", "blinding_outcome_assessment"), ("incomplete outcome", "incomplete_outcome_data"),
    ("selective", "selective_reporting"), ("other bias", "other_bias"),
)


@dataclass
class Rm5Import:
    slug: str
    loaded: bool
    counts: dict[str, int] = field(default_factory=dict)


def slug_of(path: Path) -> str:
    return re.sub(r"-+", "-", re.sub(r"[^a-z0-9]+", "-", path.stem.lower())).strip("-") or "rm5-review"


def _domain(name: str) -> str:
    lowered = name.lower()
    return next((key for phrase, key in DOMAINS if phrase in lowered), name)


def generic_measure(outcome: Outcome) -> str | None:
    """The store's measure of a generic inverse-variance outcome: a named ratio (HR, OR, RR) or difference
    (MD, SMD, RD); GENERIC for another measure on a difference scale; None for another ratio."""
    a = outcome.group.attributes
    for name in (a.get("EFFECT_MEASURE", ""), a.get("EFFECT_MEASURE_TEXT", "")):
        if name.strip().lower() in GENERIC_MEASURES:
            return GENERIC_MEASURES[name.strip().lower()]
    return "GENERIC" if a.get("LOG_DATA") == "NO" else None


def is_ratio(outcome: Outcome) -> bool:
    return generic_measure(outcome) in RATIOS


def _z(level: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(1 - (1 - level) / 2))


def generic_row(row: dict[str, str], where: str, ratio: bool = True) -> tuple[float, float] | None:
    """A generic row's effect on the analysis scale (ln for a ratio) and SE; None when not estimable.

    For a ratio RevMan stores the ratio (EFFECT_SIZE) for display and the SE of its logarithm,
    as R's meta reads it; the row's stored CI decides, so a file written the other way round
    (the entered ln value as EFFECT_SIZE) is read right too, and one that fits neither is
    refused. A difference is stored as entered, and its CI must agree with it.
    """
    def number(name):
        try:
            value = float(row.get(name, ""))
        except ValueError:
            return None
        return value if math.isfinite(value) else None

    effect, se = number("EFFECT_SIZE"), number("SE")
    if row.get("ESTIMABLE") == "NO" or effect is None or se is None or se <= 0:
        if row.get("ESTIMABLE") != "NO" and row.get("SE", "").strip() and (se is None or se < 0):
            raise InputError(f"{where}: field SE: {row.get('SE')!r} is not a standard error (a number >= 0)")
        return None
    low, high, level = number("CI_START"), number("CI_END"), number("CI_STUDY")
    if not ratio:
        readings, scale = [effect], (lambda bound: bound)
    else:
        readings, scale = ([math.log(effect)] if effect > 0 else []) + [effect], math.log  # meta's reading first
        if low is None or high is None or low <= 0 or high <= 0:
            low = high = None  # no CI on the ratio scale to decide by
    if low is None or high is None:
        if ratio and effect <= 0:
            raise InputError(f"{where}: field EFFECT_SIZE: {row.get('EFFECT_SIZE')!r} is not a ratio (a number > 0)")
        return readings[0], se
    z = _z((level or 95) / 100)
    for te in readings:
        if all(math.isclose(scale(bound), te + sign * z * se, rel_tol=1e-6, abs_tol=1e-9)
               for bound, sign in ((low, -1), (high, 1))):
            return te, se
    raise InputError(f"{where}: EFFECT_SIZE {row.get('EFFECT_SIZE')}, SE {row.get('SE')} and CI {low} to {high}"
                     " do not agree on either scale; nothing was written")


def _check(rm5: Rm5) -> None:
    """Refuse, before writing anything, what this importer does not understand."""
    for outcome in rm5.outcomes:
        a = outcome.group.attributes
        where = f"{rm5.path}: outcome {outcome.number} ({outcome.name})"
        if outcome.kind == "generic":
            _check_generic(rm5, outcome, where)
            continue
        if a.get("EFFECT_MEASURE") not in MEASURES:
            raise InputError(f"{where}: effect measure {a.get('EFFECT_MEASURE')!r} is not one of {', '.join(MEASURES)}")
        if outcome.kind == "dichotomous" and a.get("METHOD") not in METHODS:
            raise InputError(f"{where}: method {a.get('METHOD')!r} is not one of {', '.join(METHODS)}")
        for attributes in [a] + [g.attributes for g in outcome.subgroups]:
            # RevMan's stored results: all numbers where given (found by fuzzing: ' ' as EVENTS_1).
            for name in STORED_NUMBERS:
                value = attributes.get(name, "")
                if value.strip() and not _is_number(value):
                    raise InputError(f"{where}: field {name}: {value!r} is not a number")
            if a.get("CI_TOTAL", "").strip() and not 0 < float(a["CI_TOTAL"]) < 100:  # NaN fails too
                raise InputError(f"{where}: field CI_TOTAL: {a['CI_TOTAL']!r} is not a CI level in percent")
        fields = (("EVENTS_1", "TOTAL_1", "EVENTS_2", "TOTAL_2") if outcome.kind == "dichotomous"
                  else ("MEAN_1", "SD_1", "TOTAL_1", "MEAN_2", "SD_2", "TOTAL_2"))
        for row in outcome.rows:
            if row.get("STUDY_ID") not in rm5.studies:
                raise InputError(f"{where}: a data row names study {row.get('STUDY_ID')!r}, which the file does not list")
            for name in fields:
                value = row.get(name, "")
                try:
                    number = float(value)
                except ValueError:
                    number = float("nan")
                counts = name.startswith(("EVENTS", "TOTAL"))
                if not math.isfinite(number) or number < 0 and (counts or name.startswith("SD")) \
                        or counts and number != int(number):
                    raise InputError(f"{where}: study {row.get('STUDY_ID')}: field {name}: {value!r} is not"
                                     f" {'a whole number >= 0' if counts else 'a finite number'}")


def _check_generic(rm5: Rm5, outcome: Outcome, where: str) -> None:
    a = outcome.group.attributes
    named = a.get("EFFECT_MEASURE_TEXT") or a.get("EFFECT_MEASURE") or "(none)"
    measure = generic_measure(outcome)
    if measure is None:
        raise InputError(f"{where}: generic inverse-variance ratio {named!r} is not one the store holds (hazard, odds"
                         " and risk ratios; differences of any name); nothing was written")
    # LOG_DATA: RevMan's "entered data are on log scale", which a ratio needs and a difference must not have.
    if a.get("LOG_DATA", "YES" if measure in RATIOS else "NO") != ("YES" if measure in RATIOS else "NO"):
        raise InputError(f"{where}: generic {named} data are {'not ' if measure in RATIOS else ''}entered on the log"
                         f" scale (LOG_DATA={a['LOG_DATA']!r}); a {'ratio' if measure in RATIOS else 'difference'} is"
                         f" pooled on {'its logarithm' if measure in RATIOS else 'its own scale'}, so nothing was written")
    for attributes in [a] + [g.attributes for g in outcome.subgroups]:
        for name in STORED_NUMBERS:
            value = attributes.get(name, "")
            if value.strip() and not _is_number(value):
                raise InputError(f"{where}: field {name}: {value!r} is not a number")
    for row in outcome.rows:
        if row.get("STUDY_ID") not in rm5.studies:
            raise InputError(f"{where}: a data row names study {row.get('STUDY_ID')!r}, which the file does not list")
        generic_row(row, f"{where}: study {row.get('STUDY_ID')}", measure in RATIOS)


def import_rm5(engine: sa.Engine, path: str | Path, review: str | None = None) -> Rm5Import:
    """Import one .rm5 file as a new review (slug: --review, else from the file name)."""
    path = Path(path)
    rm5 = read_rm5(path)
    _check(rm5)
    slug = review or slug_of(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with friendly_errors(), engine.begin() as connection:
        lock_reviews(connection, [slug])
        loads = connection.execute(sa.text(
            "SELECT l.content_hash, l.path FROM review r JOIN review_update u ON u.review_id = r.id"
            " LEFT JOIN seed_load l ON l.review_update_id = u.id WHERE r.slug = :slug"), {"slug": slug}).all()
        if loads:
            if any(content == digest for content, _ in loads):
                return Rm5Import(slug, loaded=False)
            raise AlreadyLoadedError(f"review {slug!r} is already in the store, from other content; nothing was changed"
                                     " (name another with --review)")
        counts = _write(connection, rm5, slug, digest)
    return Rm5Import(slug, loaded=True, counts=counts)


def _write(connection: sa.Connection, rm5: Rm5, slug: str, digest: str) -> dict[str, int]:
    s = schema
    where = str(rm5.path)
    (review_id,) = write_rows(connection, s.Review, [{
        "slug": slug, "title": rm5.title or slug, "authors": ", ".join(rm5.authors) or None,
        "software": "RevMan 5", "model_rule": "fixed_if_homogeneous",
        "bias_tool": "RoB 1", "notes": f"imported from {rm5.path.name} (each analysis keeps the model the file names)",
    }], where)
    (update_id,) = write_rows(connection, s.ReviewUpdate, [{
        "review_id": review_id, "number": 0, "label": f"imported from {rm5.path.name}"}], where)
    write_rows(connection, s.SeedLoad, [{"review_update_id": update_id, "path": where, "content_hash": digest,
                                           "software_version": __version__}], where)
    details = rm5.study_details or []
    listed = {d.id for d in details}
    # Studies only the analyses name (older files) are included studies.
    from evidence.formats.revman import Study as Rm5Study
    details += [Rm5Study(sid, name, "", "included") for sid, name in rm5.studies.items() if sid not in listed]
    study_ids = dict(zip([d.id for d in details], write_rows(connection, s.Study, [{
        "review_id": review_id, "label": d.name or d.id, "year": int(d.year) if d.year.isdigit() else None,
        "status": d.status, "source": f"{rm5.path.name}: {d.id}", "review_update_id": update_id,
    } for d in details], where)))
    label_of = {d.id: d.name or d.id for d in details}
    write_rows(connection, s.StudyAttribute, [
        {"study_id": study_ids[d.id], "name": "exclusion_reason", "value": d.exclusion_reason, "source": rm5.path.name}
        for d in details if d.exclusion_reason], where)
    reports = []
    for d in details:
        used: set[str] = set()
        for ref in d.references:
            first = (ref.authors.split(",")[0].split(" ")[0] if ref.authors else d.name) or d.id
            label, n = f"{first} {ref.year}".strip(), 2
            while label in used:
                label, n = f"{first} {ref.year} ({n})".strip(), n + 1
            used.add(label)
            citation = ". ".join(x for x in (ref.authors, ref.title, " ".join(
                x for x in (ref.source, ref.year and f"{ref.year}", ref.volume and f";{ref.volume}",
                            ref.pages and f":{ref.pages}") if x)) if x)
            reports.append({"study_id": study_ids[d.id], "label": label, "kind": REPORT_KINDS.get(ref.kind, "other"),
                            "citation": citation or None, "year": int(ref.year) if ref.year.isdigit() else None,
                            "doi": ref.identifiers.get("DOI"), "pmid": ref.identifiers.get("PUBMED"),
                            "url": None, "review_update_id": update_id})
    write_rows(connection, s.Report, reports, where)

    # Units: a study's k-th row in an outcome is its k-th comparison (k > 1: a child study).
    units: dict[tuple[str, int], int] = {(sid, 1): study_ids[sid] for sid in study_ids}
    children = []
    for outcome in rm5.outcomes:
        seen: dict[str, int] = {}
        for row in outcome.rows:
            k = seen[row["STUDY_ID"]] = seen.get(row["STUDY_ID"], 0) + 1
            if (row["STUDY_ID"], k) not in units and (row["STUDY_ID"], k) not in children:
                children.append((row["STUDY_ID"], k))
    parent_status = {d.id: d.status for d in details}
    child_ids = write_rows(connection, s.Study, [{
        "review_id": review_id, "label": f"{label_of[sid]} ({k})", "status": parent_status[sid],
        "source": f"{rm5.path.name}: comparison {k} of {sid}", "review_update_id": update_id,
        "parent_study_id": study_ids[sid]} for sid, k in children], where)
    units.update(dict(zip(children, child_ids)))
    unit_ids = sorted(set(units.values()))
    arm_ids = dict(zip([(u, role) for u in unit_ids for role in ("experimental", "control")],
                       write_rows(connection, s.Arm, [{"study_id": u, "label": role, "role": role}
                                                        for u in unit_ids for role in ("experimental", "control")], where)))

    outcome_rows, analysis_rows, attributes, dichotomous, continuous, published = [], [], [], [], [], []
    contrasts, differences = [], []
    for outcome in rm5.outcomes:
        a = outcome.group.attributes
        measure = generic_measure(outcome) if outcome.kind == "generic" else MEASURES[a["EFFECT_MEASURE"]]
        outcome_rows.append({"review_id": review_id, "name": outcome.number, "label": outcome.name,
                             "kind": GENERIC_KINDS[measure] if outcome.kind == "generic" else outcome.kind,
                             "measure": measure})
    outcome_ids = write_rows(connection, s.Outcome, outcome_rows, where)
    for outcome, outcome_id in zip(rm5.outcomes, outcome_ids):
        a = outcome.group.attributes
        measure = generic_measure(outcome) if outcome.kind == "generic" else MEASURES[a["EFFECT_MEASURE"]]
        subgroup = f"subgroup {outcome.number}" if outcome.subgroups else None
        analysis_rows.append({
            "review_id": review_id, "outcome_id": outcome_id, "name": outcome.number,
            "label": f"{outcome.comparison}: {outcome.name}", "measure": measure,
            "method": "PETO" if measure == "PETO" else METHODS.get(a.get("METHOD", "IV"), "IV"),
            "model": "random" if a.get("RANDOM") == "YES" else "fixed", "tau2_method": "DL",
            "level": float(a.get("CI_TOTAL", "").strip() or 95) / 100, "variant": "primary", "subgroup": subgroup,
            "totals": TOTALS.get(a.get("TOTALS", ""))})
        groups = [(None, outcome.group.rows)] if outcome.group.rows else [(g.name, g.rows) for g in outcome.subgroups]
        seen: dict[str, int] = {}
        for group_name, rows in groups:
            for row in rows:
                k = seen[row["STUDY_ID"]] = seen.get(row["STUDY_ID"], 0) + 1
                unit = units[row["STUDY_ID"], k]
                if subgroup:
                    attributes.append({"study_id": unit, "name": subgroup, "value": group_name, "source": rm5.path.name})
                ref = f"{rm5.path.name}: outcome {outcome.number}, {row['STUDY_ID']} row {k}"
                if outcome.kind == "generic":
                    entered = generic_row(row, f"{rm5.path}: {ref}", measure in RATIOS)
                    common = {"outcome_id": outcome_id, "study_id": unit, "measure": measure, "variant": "primary",
                              "source_ref": ref, "review_update_id": update_id}
                    if measure in RATIOS:
                        contrasts.append({**common, **_ratio_with_ci(entered)})
                    else:
                        differences.append({**common, "estimate": entered and entered[0], "se": entered and entered[1]})
                    continue
                for role, side in (("experimental", "1"), ("control", "2")):
                    common = {"outcome_id": outcome_id, "arm_id": arm_ids[unit, role], "variant": "primary",
                              "source_ref": ref, "review_update_id": update_id}
                    if outcome.kind == "dichotomous":
                        dichotomous.append({**common, "events": int(float(row[f"EVENTS_{side}"])),
                                            "total": int(float(row[f"TOTAL_{side}"]))})
                    else:
                        continuous.append({**common, "mean": float(row[f"MEAN_{side}"]), "sd": float(row[f"SD_{side}"]),
                                           "n": int(float(row[f"TOTAL_{side}"]))})
        published.extend(_published(outcome))
    analysis_ids = write_rows(connection, s.Analysis, analysis_rows, where)
    write_rows(connection, s.StudyAttribute, attributes, where)
    write_rows(connection, s.DichotomousData, dichotomous, where)
    write_rows(connection, s.ContinuousData, continuous, where)
    if contrasts and GENERIC_LEVEL not in set(connection.execute(sa.select(s.CiLevel.level)).scalars()):
        write_rows(connection, s.CiLevel, [{"level": GENERIC_LEVEL, "z": _z(GENERIC_LEVEL)}], where)
    write_rows(connection, s.ContrastEstimate, contrasts, where)
    write_rows(connection, s.GenericEstimate, differences, where)
    by_number = dict(zip([o.number for o in rm5.outcomes], analysis_ids))
    write_rows(connection, s.PublishedResult, [
        {"analysis_id": by_number[p["number"]], **{k: v for k, v in p.items() if k != "number"}} for p in published], where)
    bias = []
    for item in rm5.quality_items:
        for study_id, result, group, support in item.entries:
            if study_id not in study_ids or result not in JUDGEMENTS:
                continue
            domain = _domain(item.name) + (f" [{group}]" if group else "")
            bias.append({"study_id": study_ids[study_id], "tool": "RoB 1", "domain": domain,
                         "judgement": JUDGEMENTS[result], "support": support or None,
                         "source": f"{rm5.path.name}: {item.name}"})
    write_rows(connection, s.BiasJudgement, bias, where)
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("ANALYZE"))
    return {"studies": len(details), "comparisons": len(children), "reports": len(reports), "outcomes": len(outcome_ids),
            "dichotomous rows": len(dichotomous) // 2, "continuous rows": len(continuous) // 2,
            "generic rows": len(contrasts) + len(differences),
            "risk of bias": len(bias), "published results": len(published)}


def _ratio_with_ci(entered: tuple[float, float] | None) -> dict:
    """A generic ratio row as a contrast estimate's values: the ratio and the CI its log SE gives (empty if not
    estimable); the analysis input recovers ln(ratio) and SE from them."""
    if entered is None:
        return {"estimate": None, "ci_low": None, "ci_high": None, "ci_level": None}
    te, se = entered
    z = _z(GENERIC_LEVEL)
    return {"estimate": math.exp(te), "ci_low": math.exp(te - z * se), "ci_high": math.exp(te + z * se),
            "ci_level": GENERIC_LEVEL}


def _published(outcome: Outcome) -> list[dict]:
    """RevMan's stored pooled result (and per subgroup), as printed text where RevMan prints text."""
    if not outcome.group.attributes.get("EFFECT_SIZE", "").strip() or not outcome.rows:
        return []
    out = []
    for name, a in [(None, outcome.group.attributes)] + [(g.name, g.attributes) for g in outcome.subgroups]:
        if not a.get("EFFECT_SIZE", "").strip() or not all(a.get(k, "").strip() for k in ("CI_START", "CI_END")):
            continue
        # k: the rows RevMan pooled (a multi-arm study counts once per comparison, as in its df + 1).
        rows = outcome.group.rows if name is None else next(g.rows for g in outcome.subgroups if g.name == name)
        out.append({"number": outcome.number, "subgroup": name, "k": len(rows or outcome.rows),
                    "model": "random" if outcome.group.attributes.get("RANDOM") == "YES" else "fixed",
                    "estimate": float(a["EFFECT_SIZE"]), "ci_low": float(a["CI_START"]), "ci_high": float(a["CI_END"]),
                    "p_text": a.get("P_Z"), "i2_text": a.get("I2"), "q_p_text": a.get("P_CHI2"),
                    "events_experimental": _whole(a, "EVENTS_1"), "events_control": _whole(a, "EVENTS_2"),
                    "source": f"{outcome.number} as RevMan stored it"})
    return out
