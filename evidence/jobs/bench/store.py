"""`evidence bench store`: a synthetic evidence base through the user's load and pool paths.

R reviews x O outcomes x K studies (default 1,000 x 20 x 10: 200,000 study-outcome
rows, 20,000 analyses) are written as seed folders, loaded with `load_seeds`
(the path `evidence load` takes), pooled with `pool_reviews` (the path
`evidence pool` takes) and pooled again. Each step reports its seconds and the
peak resident memory of the process so far.
"""

from __future__ import annotations

import csv
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from evidence.store import database as db
from evidence.workflows.load import load_seeds
from evidence.workflows.pool import pool_reviews

MEASURES = ("RR", "HR")  # outcomes alternate: Mantel-Haenszel RR from counts, generic IV log HR from a CI


def _write_csv(path: Path, header: list[str], rows) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def write_synthetic_seeds(folder: Path, reviews: int, outcomes: int, studies: int, seed: int = 2026) -> list[Path]:
    """Seed folders of simulated reviews: plausible trials, with true effects varying by outcome and study."""
    rng = np.random.default_rng(seed)
    paths = []
    for r in range(reviews):
        path = folder / f"bench-{r:05d}"
        path.mkdir(parents=True)
        (path / "review.yaml").write_text(f"slug: bench-{r:05d}\ntitle: Synthetic review {r}\n", encoding="utf-8")
        labels = [f"S{s:03d}" for s in range(studies)]
        _write_csv(path / "searches.csv", ["database", "query", "date_run", "records_found", "source"],
                   [["PubMed", "synthetic", "2025-01-01", "", "simulated"]])
        _write_csv(path / "studies.csv", ["study", "registry_id", "first_author", "year", "design", "setting", "status", "source"],
                   [[s, "", "", 2000 + i % 25, "parallel RCT", "", "included", "simulated"] for i, s in enumerate(labels)])
        e_n = rng.integers(40, 400, studies)
        c_n = rng.integers(40, 400, studies)
        _write_csv(path / "arms.csv", ["study", "arm", "role", "regimen", "regimen_text", "randomised_n", "safety_n",
                                       "source"],
                   [[s, arm, arm, "", "", n, "", "simulated"]
                    for s, en, cn in zip(labels, e_n, c_n) for arm, n in (("experimental", en), ("control", cn))])
        names = [f"O{o:02d}" for o in range(outcomes)]
        kinds = [MEASURES[o % 2] for o in range(outcomes)]
        _write_csv(path / "outcomes.csv", ["outcome", "label", "kind", "measure", "direction", "category"],
                   [[name, name, "dichotomous" if m == "RR" else "time_to_event", m, "", ""] for name, m in zip(names, kinds)])
        _write_csv(path / "analyses.csv", ["analysis", "outcome", "measure", "method", "model", "tau2", "level", "variant", "subgroup", "label"],
                   [[name.lower(), name, m, "MH" if m == "RR" else "IV", "rule", "DL", 0.95, "primary", "", ""]
                    for name, m in zip(names, kinds)])
        dichotomous, estimates = [], []
        for name, m in zip(names, kinds):
            effect = rng.normal(-0.2, 0.15) + rng.normal(0, 0.1, studies)
            if m == "RR":
                risk = rng.uniform(0.1, 0.5, studies)
                c_events = rng.binomial(c_n, risk)
                e_events = rng.binomial(e_n, np.clip(risk * np.exp(effect), 0, 1))
                for s, a, n1, c, n2 in zip(labels, e_events, e_n, c_events, c_n):
                    dichotomous.append([s, name, "primary", "experimental", a, n1, "", "", "simulated", "", ""])
                    dichotomous.append([s, name, "primary", "control", c, n2, "", "", "simulated", "", ""])
            else:
                se = rng.uniform(0.08, 0.4, studies)
                for s, y, sd in zip(labels, effect, se):
                    estimates.append([s, name, "primary", "HR", f"{np.exp(y):.4f}", f"{np.exp(y - 1.96 * sd):.4f}",
                                      f"{np.exp(y + 1.96 * sd):.4f}", 0.95, "", "simulated", ""])
        _write_csv(path / "dichotomous.csv", ["study", "outcome", "variant", "arm", "events", "total", "percent", "population",
                                              "source_ref", "source_quote", "derived"], dichotomous)
        _write_csv(path / "estimates.csv", ["study", "outcome", "variant", "measure", "estimate", "ci_low", "ci_high", "ci_level",
                                            "population", "source_ref", "source_quote"], estimates)
        paths.append(path)
    return paths


def _peak_rss_mb() -> float:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_store_bench(url: str | None = None, reviews: int = 1000, outcomes: int = 20, studies: int = 10) -> dict:
    """Build, load, pool and re-pool a synthetic evidence base; return the figures.

    url None: a fresh DuckDB file in a temporary folder. Any other URL must point
    at an empty store (or one `evidence init` made): the benchmark's reviews are
    added to it.
    """
    steps = []
    with tempfile.TemporaryDirectory(prefix="evidence-bench-") as tmp:
        url = url or f"duckdb:///{Path(tmp) / 'bench.duckdb'}"
        start = time.perf_counter()
        folders = write_synthetic_seeds(Path(tmp) / "seeds", reviews, outcomes, studies)
        steps.append({"step": "generate", "seconds": time.perf_counter() - start, "peak_rss_mb": _peak_rss_mb()})
        db.init(url)
        engine = db.create_engine(url)
        try:
            start = time.perf_counter()
            load_seeds(engine, folders)
            steps.append({"step": "load", "seconds": time.perf_counter() - start, "peak_rss_mb": _peak_rss_mb()})
            slugs = [folder.name for folder in folders]
            timings: dict[str, float] = {}
            pool_reviews(engine, slugs, describe=False, timings=timings)
            steps.append({"step": "pool", "seconds": timings["read"] + timings["pool"], "peak_rss_mb": _peak_rss_mb()})
            steps.append({"step": "write", "seconds": timings["write"], "peak_rss_mb": _peak_rss_mb()})
            start = time.perf_counter()
            pool_reviews(engine, slugs, describe=False)
            steps.append({"step": "repool", "seconds": time.perf_counter() - start, "peak_rss_mb": _peak_rss_mb()})
        finally:
            engine.dispose()
    return {
        "engine": db.engine_name(url), "reviews": reviews, "analyses": reviews * outcomes,
        "rows": reviews * outcomes * studies, "steps": steps, "peak_rss_mb": _peak_rss_mb(),
    }
