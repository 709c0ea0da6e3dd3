"""`evidence audit` on the isatuximab review: it finds the source review's data-visible errors
(../shared/source-review/FACTS.md, "Errors and inconsistencies", findings 1, 2, 3 and 6), every
published result the sourced data do not reproduce, and nothing false about values that are right."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from evidence.workflows.audit import _mh_range, audit, decimals, matches_text, rounds_to


def places(findings, severities=("error", "warning")) -> set[tuple[str, str]]:
    return {(f.rule, f.place()) for f in findings if f.severity in severities}


# Every error and warning the audit must report on the review as published (update 0), and no other.
EXPECTED_AS_PUBLISHED = {
    # FACTS.md finding 1: IKEMA n E printed 129, F 101 + M 78 = 179 (and its safety N 177 > 129).
    ("arm_sex_sum", "arm IKEMA experimental randomised_n"),
    ("safety_above_randomised", "arm IKEMA experimental safety_n"),
    ("outcome_denominator", "dichotomous_data IKEMA experimental ORR total"),
    ("outcome_denominator", "dichotomous_data IKEMA experimental VGPR_or_better total"),
    # Finding 2: the experimental arms add to 879, not 934; all arms to 1665, not 1720 (control 786 is right).
    ("reported_totals", "review reported_participants (experimental)"),
    ("reported_totals", "review reported_participants (total)"),
    # Finding 3: a median of 2 prior lines printed for the newly diagnosed trials IMROZ and GMMG-HD7.
    ("prior_lines_newly_diagnosed", "arm IMROZ experimental median_prior_lines"),
    ("prior_lines_newly_diagnosed", "arm IMROZ control median_prior_lines"),
    ("prior_lines_newly_diagnosed", "arm GMMG-HD7 experimental median_prior_lines"),
    ("prior_lines_newly_diagnosed", "arm GMMG-HD7 control median_prior_lines"),
    # Finding 6: "any AE" RR 0.49 with 297 vs 294 events.
    ("implausible_effect", "published_result any_ae estimate"),
    # The "multiple treatments" subgroup holds ICARIA-MM alone, yet prints I² 68% / 71% (FACTS.md, table 2 text).
    ("impossible_heterogeneity", "published_result orr_by_prior_lines multiple i2"),
    ("impossible_heterogeneity", "published_result vgpr_by_prior_lines multiple i2"),
    # Published results the sourced data (../shared/trials/outcomes.csv) do not reproduce (its README's table).
    *{("published_not_reproduced", f"published_result {a} estimate")
      for a in ("orr", "vgpr", "pfs", "os", "any_ae", "ae_discontinuation", "pneumonia")},
}


def test_the_review_as_published(loaded):
    slug, findings = audit(loaded)
    assert slug == "isatuximab-mm"
    assert places(findings) == EXPECTED_AS_PUBLISHED
    by_place = {(f.rule, f.place()): f for f in findings}
    assert by_place["arm_sex_sum", "arm IKEMA experimental randomised_n"].message == \
        "women 101 + men 78 = 179, but n is printed as 129"
    assert "934" in by_place["reported_totals", "review reported_participants (experimental)"].message
    assert "879" in by_place["reported_totals", "review reported_participants (experimental)"].message
    pfs = by_place["published_not_reproduced", "published_result pfs estimate"].message
    assert "HR 0.61 (0.50 to 0.73)" in pfs and "0.62 (0.53 to 0.72), k 4" in pfs
    assert "103 vs 91, sourced 32 vs 43" in by_place["published_not_reproduced", "published_result ae_discontinuation estimate"].message
    severities = {f.severity for f in findings}
    assert severities == {"error", "warning", "note"}  # notes: counts derived from percentages


def test_corrections_turn_findings_into_notes(updated):
    _, findings = audit(updated)
    notes = {(f.rule, f.place()): f.message for f in findings if f.severity == "note"}
    assert notes["arm_sex_sum", "arm IKEMA experimental randomised_n"].endswith("corrected to 179 in update 1")
    assert ("prior_lines_newly_diagnosed", "arm IMROZ control median_prior_lines") in notes
    remaining = places(findings)
    assert ("arm_sex_sum", "arm IKEMA experimental randomised_n") not in remaining
    assert ("outcome_denominator", "dichotomous_data IKEMA experimental ORR total") not in remaining
    totals = {f.place(): f.message for f in findings if f.rule == "reported_totals"}
    assert "(1715 with the recorded corrections)" in totals["review reported_participants (total)"]


def test_estimate_rules_on_test_only_values(loaded):
    # Test-only corrections written past the loader (which would refuse the second): IKEMA's PFS HR
    # moved off the middle of its CI, and ICARIA-MM's out of its CI.
    with loaded.begin() as c:
        rows = {label: (row_id, review) for label, row_id, review in c.execute(sa.text(
            "SELECT s.label, ce.id, s.review_id FROM contrast_estimate ce JOIN study s ON s.id = ce.study_id"
            " JOIN outcome o ON o.id = ce.outcome_id WHERE o.name = 'PFS' AND ce.variant = 'primary'"))}
        for label, value in (("IKEMA", "0.70"), ("ICARIA-MM", "0.90")):
            c.execute(sa.text("INSERT INTO correction (review_id, table_name, row_id, field, printed, corrected, reason)"
                              " VALUES (:review, 'contrast_estimate', :row, 'estimate', NULL, :value, 'test')"),
                      {"review": rows[label][1], "row": rows[label][0], "value": value})
    _, findings = audit(loaded)
    found = {(f.rule, f.place()) for f in findings}
    assert ("ci_not_centred", "contrast_estimate IKEMA PFS estimate (primary)") in found
    assert ("estimate_outside_ci", "contrast_estimate ICARIA-MM PFS estimate (primary)") in found
    # The sourced estimates themselves are centred within their printed rounding: no other finding of these rules.
    assert {p for r, p in found if r in ("ci_not_centred", "estimate_outside_ci")} == {
        "contrast_estimate IKEMA PFS estimate (primary)", "contrast_estimate ICARIA-MM PFS estimate (primary)"}


def test_printed_precision():
    assert (decimals(0.61), decimals(1.6), decimals(129.0), decimals(0.0001)) == (2, 1, 0, 4)
    assert rounds_to(0.6149, 0.61) and not rounds_to(0.6182, 0.61) and rounds_to(0.5304, 0.53)
    assert rounds_to(0.804, 0.8, 2) and not rounds_to(0.84, 0.8, 2)
    assert matches_text(60.0, "<50") is False and matches_text(30.0, "<50") is True and matches_text(0.2, ">0.1") is True
    assert matches_text(70.6, "71") is True and matches_text(68.0, "71") is False and matches_text(1.0, "n/a") is None


def test_mantel_haenszel_range_by_hand():
    # Two trials of 100 vs 100: every weight is 1/2, so RR_MH = total events ratio whatever the split.
    assert _mh_range(30, 60, [(100, 100), (100, 100)]) == pytest.approx((0.5, 0.5))
    # One trial of 100 vs 300 (weights 3/4 and 1/4) and one of 300 vs 100 (1/4 and 3/4); 100 vs 100 events.
    # Lowest: experimental events where their weight is 1/4, control where theirs is 3/4 -> 25 / 75.
    low, high = _mh_range(100, 100, [(100, 300), (300, 100)])
    assert (low, high) == pytest.approx((25 / 75, 75 / 25))
    assert _mh_range(500, 10, [(100, 100)]) is None  # more events than participants


def test_prisma_and_heterogeneity_rules_on_test_only_values(loaded):
    with loaded.begin() as c:
        # Test-only: the flow's records_excluded one short (796 - 770 - 21 != 4), and PFS's published I² 40%
        # where its four trials give 0% (FACTS.md prints "I² < 50%").
        c.execute(sa.text("UPDATE reported_flow_count SET count = 770 WHERE stage = 'records_excluded'"))
        c.execute(sa.text("UPDATE published_result SET i2_text = '40', q_p_text = '<0.05'"
                          " WHERE analysis_id = (SELECT id FROM analysis WHERE name = 'pfs')"))
    _, findings = audit(loaded)
    found = {(f.rule, f.place()): f.message for f in findings}
    assert "796" in found["prisma_identity", "prisma_flow update 0"]
    assert found["published_heterogeneity", "published_result pfs i2"] == "published I² 40%; the same 4 studies give 0%"
    # P(Q) 0.82 for the four PFS trials (../shared/trials/README.md table: I² 0%).
    assert found["published_heterogeneity", "published_result pfs q_p"].startswith("published P(Q) <0.05; the same 4 studies give 0.8")


def test_a_review_built_from_records_audits_cleanly(engine):
    from evidence.jobs.example import build_example

    build_example(engine)
    _, findings = audit(engine, "isatuximab-records")
    assert [f for f in findings if f.severity == "error"] == []
