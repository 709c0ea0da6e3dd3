"""`evidence bench dedup`: accuracy of `find_duplicates` on citation sets with known duplicates.

A set is a folder with records_pre_merged.csv (one row per record; BibTeX-like columns that
differ between sets) and merged_record_ids.csv (column merged_ids: the IDs of one true
duplicate group joined by ";"; a record in no group is unique): bib-dedupe's benchmark layout.

Scoring is per record, as bib-dedupe counts it in DedupeBenchmarker.compare_dedupe_id
(github.com/CoLRev-Environment/bib-dedupe, bib_dedupe/dedupe_benchmark.py at commit
1f19d648), on the records kept after merging. Its merge keeps the first ID of each
duplicate set (bib_dedupe/merge.py at commit 2fad8811), as our groups put the record to
keep first. Then:
- a unique record (in no true group) that is kept is a TN; merged away, an FP;
- a true group of n records of which k >= 1 are kept: one TN, k - 1 FN and n - k TP;
- a true group with none kept (merged into another group): one FP and n - 1 TP.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

from evidence.core.matching import find_duplicates

# Our field <- the first of these columns that a set has and fills for the record.
COLUMNS = {
    "title": ("title",),
    "authors": ("author", "authors"),
    "year": ("year",),
    "journal": ("journal", "booktitle"),  # proceedings name their venue in booktitle
    "volume": ("volume",),
    "issue": ("number", "issue"),
    "pages": ("pages",),
    "doi": ("doi",),
    "pmid": ("pmid", "pubmed_id"),
}


def read_records(path: Path, key: str = "ID", encoding: str = "utf-8") -> list[dict]:
    """Rows of a citation CSV as record dicts for `find_duplicates` (columns mapped by COLUMNS)."""
    with path.open(newline="", encoding=encoding) as handle:
        rows = list(csv.DictReader(handle))
    return [{"key": row[key], **{field: next((row[c] for c in columns if row.get(c)), None)
                                 for field, columns in COLUMNS.items()}}
            for row in rows]


def read_true_groups(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [row["merged_ids"].split(";") for row in csv.DictReader(handle)]


def score(keys: list[str], groups: list[list[str]], true_groups: list[list[str]]) -> dict:
    """TP, FP, FN and TN per record, as bib-dedupe counts them (see the module docstring)."""
    removed = {key for group in groups for key in group[1:]}
    in_true_group = {key for group in true_groups for key in group}
    counts = {"tp": 0, "fp": 0, "fn": 0, "tn": 0}
    for key in keys:
        if key not in in_true_group:
            counts["fp" if key in removed else "tn"] += 1
    for group in true_groups:
        kept = sum(key not in removed for key in group)
        if kept:
            counts["tn"] += 1
            counts["fn"] += kept - 1
            counts["tp"] += len(group) - kept
        else:
            counts["fp"] += 1
            counts["tp"] += len(group) - 1
    return counts


def run_dedup_bench(dataset_dir: Path | str) -> dict:
    """Deduplicate one set and score it: dataset, records, tp, fp, fn, tn, sensitivity,
    specificity, and the seconds that `find_duplicates` took."""
    folder = Path(dataset_dir)
    records = read_records(folder / "records_pre_merged.csv")
    true_groups = read_true_groups(folder / "merged_record_ids.csv")
    start = time.perf_counter()
    found = find_duplicates(records)
    seconds = time.perf_counter() - start
    counts = score([r["key"] for r in records], found.groups, true_groups)
    positives, negatives = counts["tp"] + counts["fn"], counts["tn"] + counts["fp"]
    return {
        "dataset": folder.name,
        "records": len(records),
        **counts,
        "sensitivity": counts["tp"] / positives if positives else 1.0,
        "specificity": counts["tn"] / negatives if negatives else 1.0,
        "seconds": round(seconds, 3),
    }


def run_asysd_check(csv_path: Path | str) -> dict:
    """ASySD's labelled test set, which has no group IDs: how many records stay after merging
    (`kept`) against the works its `source` column counts (one "unique" record per work, the
    others "duplicate"), and `wrong_groups`: groups holding two "unique" records, each a
    certain false merge. Its file is Latin-1."""
    path = Path(csv_path)
    records = read_records(path, key="record_id", encoding="latin-1")
    with path.open(newline="", encoding="latin-1") as handle:
        source = {row["record_id"]: row["source"] for row in csv.DictReader(handle)}
    start = time.perf_counter()
    found = find_duplicates(records)
    seconds = time.perf_counter() - start
    return {
        "dataset": path.stem,
        "records": len(records),
        "works": sum(value == "unique" for value in source.values()),
        "kept": len(records) - sum(len(group) - 1 for group in found.groups),
        "wrong_groups": sum(sum(source[key] == "unique" for key in group) > 1 for group in found.groups),
        "seconds": round(seconds, 3),
    }
