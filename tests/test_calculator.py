"""evidence.formats.meta_csv.meta_csv (the `meta` calculator): each input kind, JSON safety, and every malformed input."""

import json
import math

import pytest

from evidence.errors import InputError
from evidence.formats.meta_csv import meta_csv

Z95 = 1.959963984540054  # Phi^-1(0.975)
pytestmark = pytest.mark.filterwarnings("error")


def _csv(tmp_path, text: str, name: str = "input.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _json_round_trip(result: dict) -> dict:
    # allow_nan=False fails on any NaN or infinity; the round trip fails on numpy types.
    return json.loads(json.dumps(result, allow_nan=False))


def test_dichotomous_mh_risk_ratio(tmp_path):
    # Same two studies as the hand-computed MH RR in tests/pooling/test_pooling_hand.py:
    # 0/10 vs 4/10 (zero cell, +0.5) and 2/10 vs 4/10 -> RR_MH = 5/17, Q around log(5/17).
    path = _csv(tmp_path, "study,e_events,e_total,c_events,c_total\nA,0,10,4,10\nB,2,10,4,10\n")
    result = _json_round_trip(meta_csv(path, model="fixed"))
    assert (result["k"], result["measure"], result["method"], result["model"]) == (2, "RR", "MH", "fixed")
    assert (result["ci_method"], result["tau2_method"], result["preset"], result["level"]) == ("z", "DL", "revman5", 0.95)
    assert result["statistic"] == pytest.approx(result["te"] / result["se"], rel=1e-12)
    assert result["df"] is None and result["tau2_ci"] is None and result["pi_low"] is None
    assert result["estimate"] == pytest.approx(5 / 17, rel=1e-12)
    assert result["te"] == pytest.approx(math.log(5 / 17), rel=1e-12)
    assert result["ci_low"] == pytest.approx(math.exp(result["te_ci_low"]), rel=1e-12)
    assert result["te_ci_high"] == pytest.approx(result["te"] + Z95 * result["se"], rel=1e-12)
    # Study A with 0.5 added: RR = (0.5/11)/(4.5/11) = 1/9; weights are MH weights 2.25 : 2.
    a, b = result["studies"]
    assert (a["study"], a["estimable"]) == ("A", True)
    assert a["estimate"] == pytest.approx(1 / 9, rel=1e-12)
    assert a["weight"] == pytest.approx(100 * 2.25 / 4.25, rel=1e-12)
    assert b["estimate"] == pytest.approx(0.5, rel=1e-12)
    y = [math.log(1 / 9), math.log(0.5)]
    v = [1 / 0.5 - 1 / 11 + 1 / 4.5 - 1 / 11, 1 / 2 - 1 / 10 + 1 / 4 - 1 / 10]
    q = sum((yi - math.log(5 / 17)) ** 2 / vi for yi, vi in zip(y, v))
    assert result["q"] == pytest.approx(q, rel=1e-12)
    assert result["q_df"] == 1


def test_double_zero_study_is_listed_with_nulls_and_no_weight(tmp_path):
    path = _csv(tmp_path, "e_events,e_total,c_events,c_total\n3,20,7,21\n0,15,0,16\n")
    result = _json_round_trip(meta_csv(path, measure="or"))
    assert result["k"] == 1 and result["measure"] == "OR"
    single, double_zero = result["studies"]
    assert single["study"] == "2" and double_zero["study"] == "3"  # file line numbers
    assert double_zero == {"study": "3", "te": None, "se": None, "estimate": None, "ci_low": None,
                           "ci_high": None, "weight": 0.0, "estimable": False}
    assert result["estimate"] == pytest.approx((3 * 14) / (17 * 7), rel=1e-12)  # the single study's OR
    assert result["q_p"] is None and result["i2"] == 0.0


def test_no_estimable_study_gives_nulls_not_nan(tmp_path):
    path = _csv(tmp_path, "e_events,e_total,c_events,c_total\n0,15,0,16\n5,5,9,9\n")
    result = _json_round_trip(meta_csv(path))
    assert result["k"] == 0
    assert [result[key] for key in ("estimate", "ci_low", "te", "se", "p", "q", "i2", "tau2")] == [None] * 8
    assert [s["weight"] for s in result["studies"]] == [0.0, 0.0]


def test_risk_difference_inverse_variance(tmp_path):
    path = _csv(tmp_path, "e_events,e_total,c_events,c_total\n2,10,4,10\n")
    result = _json_round_trip(meta_csv(path, measure="RD", method="IV"))
    assert (result["measure"], result["method"], result["scale"]) == ("RD", "IV", "identity")
    assert result["estimate"] == pytest.approx(-0.2, rel=1e-12) and result["te"] == result["estimate"]
    assert result["se"] == pytest.approx(math.sqrt(2 * 8 / 1000 + 4 * 6 / 1000), rel=1e-12)


def test_estimate_with_ci_of_mixed_levels(tmp_path):
    # The isatuximab PFS HRs (tests/pooling/reference/isatuximab_pfs.csv); an empty ci_level means 95%.
    path = _csv(tmp_path, "study,estimate,ci_low,ci_high,ci_level\nICARIA-MM,0.596,0.44,0.81,0.95\n"
                          "IKEMA,0.58,0.42,0.79,0.954\nIMROZ,0.60,0.41,0.88,0.985\nGMMG-HD7,0.70,0.52,0.95,\n")
    result = _json_round_trip(meta_csv(path, model="fixed_if_homogeneous"))
    assert (result["measure"], result["method"], result["model"], result["model_rule"]) == (
        "HR", "IV", "fixed", "fixed_if_homogeneous")
    assert round(result["estimate"], 2) == 0.62 and round(result["ci_low"], 2) == 0.53
    assert round(result["ci_high"], 2) == 0.72 and result["i2"] == 0.0
    imroz = result["studies"][2]
    assert imroz["se"] == pytest.approx((math.log(0.88) - math.log(0.41)) / (2 * 2.4323790585844436), rel=1e-12)
    assert imroz["estimate"] == pytest.approx(0.60, rel=1e-12)


def test_estimate_with_ci_defaults_to_95_percent_without_the_column(tmp_path):
    path = _csv(tmp_path, "estimate,ci_low,ci_high\n0.5,0.25,1.0\n")
    result = _json_round_trip(meta_csv(path))
    assert result["se"] == pytest.approx(math.log(4) / (2 * Z95), rel=1e-12)
    assert result["estimate"] == pytest.approx(0.5, rel=1e-12)


@pytest.mark.parametrize(("header", "spread"), [("yi,se", "0.5"), ("yi,vi", "0.25")])
def test_generic_yi_with_se_or_vi(tmp_path, header, spread):
    # Two studies y = 0.2 and 0.4, both v = 0.25: fixed estimate 0.3 with se sqrt(0.125).
    path = _csv(tmp_path, f"{header}\n0.2,{spread}\n0.4,{spread}\n")
    result = _json_round_trip(meta_csv(path, model="fixed"))
    assert (result["measure"], result["scale"]) == ("GENERIC", "identity")
    assert result["estimate"] == pytest.approx(0.3, rel=1e-12)
    assert result["se"] == pytest.approx(math.sqrt(0.125), rel=1e-12)
    assert result["tau2"] == 0.0


def test_generic_log_hazard_ratios_report_ratios(tmp_path):
    path = _csv(tmp_path, "yi,se\n-0.5,0.2\n")
    result = _json_round_trip(meta_csv(path, measure="HR"))
    assert result["te"] == pytest.approx(-0.5, rel=1e-12)
    assert result["estimate"] == pytest.approx(math.exp(-0.5), rel=1e-12)


def test_continuous_mean_difference(tmp_path):
    path = _csv(tmp_path, "e_mean,e_sd,e_total,c_mean,c_sd,c_total\n10,2,10,8,3,12\n")
    result = _json_round_trip(meta_csv(path))
    assert (result["measure"], result["method"]) == ("MD", "IV")
    assert result["estimate"] == pytest.approx(2.0, rel=1e-12)
    assert result["se"] == pytest.approx(math.sqrt(0.4 + 0.75), rel=1e-12)


def test_header_is_case_insensitive_and_excel_bom_is_ignored(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_text("\ufeffE_Events, E_Total ,c_events,c_total\n2,10,4,10\n\n", encoding="utf-8")
    assert meta_csv(path)["estimate"] == pytest.approx(0.5, rel=1e-12)


MALFORMED = [
    ("e_events,e_total,c_events,c_total\n2,10,4,10\n2,ten,4,10\n", "row 3, field e_total: 'ten' is not a number"),
    ("e_events,e_total,c_events,c_total\n2,10,,10\n", "row 2, field c_events: is empty"),
    ("e_events,e_total,c_events,c_total\n12,10,4,10\n", "row 2, field e_events: 12 events exceed e_total"),
    ("e_events,e_total,c_events,c_total\n2,10,-1,10\n", "row 2, field c_events: -1 is negative"),
    ("e_events,e_total,c_events,c_total\n2,10,1.5,10\n", "row 2, field c_events: 1.5 is not a whole number"),
    ("e_events,e_total,c_events,c_total\n0,0,1,10\n", "row 2, field e_total: 0 must be at least 1"),
    ("e_events,e_total,c_events\n2,10,4\n", "row 1 (header): missing column(s) c_total for dichotomous input"),
    ("estimate,ci_low,ci_high\n0.5,0.6,0.9\n", "row 2, field estimate: 0.5 lies outside its confidence interval"),
    ("estimate,ci_low,ci_high\n0.5,0.9,0.6\n", "row 2, field ci_low: 0.9 is not below ci_high"),
    ("estimate,ci_low,ci_high\n0,0,0.9\n", "row 2, field estimate: 0 is not a positive HR"),
    ("estimate,ci_low,ci_high,ci_level\n0.5,0.3,0.9,95\n", "row 2, field ci_level: 95 is not strictly between 0 and 1"),
    ("yi,se\n0.1,0\n", "row 2, field se: 0 must be positive"),
    ("yi,se\nnan,0.1\n", "row 2, field yi: 'nan' is not a number"),
    ("e_mean,e_sd,e_total,c_mean,c_sd,c_total\n1,-2,10,1,2,10\n", "row 2, field e_sd: -2 is negative"),
    ("study,effect\nA,1\n", "row 1 (header): no known input columns (expected one of dichotomous: e_events"),
    ("", "file is empty"),
    ("\n\n", "file is empty"),
    ("e_events,e_total,c_events,c_total\n", "has a header but no data rows"),
]


@pytest.mark.parametrize(("text", "message"), MALFORMED, ids=[m for _, m in MALFORMED])
def test_malformed_input_raises_input_error_naming_file_row_and_field(tmp_path, text, message):
    path = _csv(tmp_path, text, "bad.csv")
    with pytest.raises(InputError) as raised:
        meta_csv(path)
    assert str(path) in str(raised.value)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_missing_file_raises_input_error(tmp_path):
    with pytest.raises(InputError, match="absent.csv: file not found"):
        meta_csv(tmp_path / "absent.csv")


@pytest.mark.parametrize(("options", "message"), [
    ({"level": 1.5}, "--level 1.5 is not strictly between 0 and 1"),
    ({"model": "mixed"}, "--model mixed is not one of fixed, random, fixed_if_homogeneous"),
    ({"tau2": "GLMM"}, "--tau2 GLMM is not one of DL, REML, ML, PM, EB, SJ, HE, HS"),
    ({"preset": "revman6"}, "--preset revman6 is not one of revman5, modern"),
    ({"subgroup": "alloc"}, "row 1 (header): no column 'alloc' for --subgroup"),
    ({"measure": "PETO", "method": "MH"}, "--measure PETO pools with the Peto method; drop --method MH"),
    ({"measure": "HR"}, "measure HR does not fit dichotomous input"),
    ({"method": "GLMM"}, "method GLMM does not fit dichotomous input"),
    ({"method": "PETO"}, "method PETO pools odds ratios only"),
])
def test_bad_options_raise_input_error(tmp_path, options, message):
    path = _csv(tmp_path, "e_events,e_total,c_events,c_total\n2,10,4,10\n")
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        meta_csv(path, **options)


def test_method_is_rejected_for_non_dichotomous_input(tmp_path):
    path = _csv(tmp_path, "yi,vi\n0.1,0.2\n")
    with pytest.raises(InputError, match="method MH does not fit generic"):
        meta_csv(path, method="MH")


# dat.bcg (tests/pooling/reference/dat_bcg.csv) as a calculator file, with its allocation as a subgroup.
BCG_CSV = """study,year,e_events,e_total,c_events,c_total,alloc
Aronson,1948,4,123,11,139,random
Ferguson & Simes,1949,6,306,29,303,random
Rosenthal et al,1960,3,231,11,220,random
Hart & Sutherland,1977,62,13598,248,12867,random
Frimodt-Moller et al,1973,33,5069,47,5808,alternate
Stein & Aronson,1953,180,1541,372,1451,alternate
Vandiviere et al,1973,8,2545,10,629,random
TPT Madras,1980,505,88391,499,88391,random
Coetzee & Berjak,1968,29,7499,45,7277,random
Rosenthal et al 1961,1961,17,1716,65,1665,systematic
Comstock et al 1974,1974,186,50634,141,27338,systematic
Comstock & Webster,1969,5,2498,3,2341,systematic
Comstock et al 1976,1976,27,16913,29,17854,systematic
"""
SUMMARY_KEYS = {"k", "measure", "model", "method", "tau2_method", "ci_method", "level", "preset", "estimate", "ci_low",
                "ci_high", "te", "se", "te_ci_low", "te_ci_high", "statistic", "df", "p", "q", "q_df", "q_p", "i2",
                "tau2", "tau2_ci", "i2_ci", "pi_low", "pi_high"}


def test_modern_preset_reports_reml_hartung_knapp_and_intervals(tmp_path):
    # metafor (docs of rma.uni and confint.rma, github wviechtb/metafor@71ae8f5a): REML tau² 0.3132,
    # log RR -0.7145; Q-profile tau² CI (0.1197, 1.1115). IV, as rma() pools.
    result = _json_round_trip(meta_csv(_csv(tmp_path, BCG_CSV), method="IV", preset="modern"))
    assert SUMMARY_KEYS <= set(result)
    assert (result["tau2_method"], result["ci_method"], result["df"], result["preset"]) == ("REML", "hk", 12, "modern")
    assert round(result["tau2"], 4) == 0.3132 and round(result["te"], 4) == -0.7145
    assert [round(x, 4) for x in result["tau2_ci"]] == [0.1197, 1.1115]
    assert result["pi_low"] < result["ci_low"] < result["estimate"] < result["ci_high"] < result["pi_high"]
    assert result["te_ci_high"] - result["te"] == pytest.approx(2.1788128296672284 * result["se"], rel=1e-12)  # t_12
    assert result["i2_ci"][0] < result["i2"] < result["i2_ci"][1]


def test_explicit_options_override_the_preset(tmp_path):
    path = _csv(tmp_path, BCG_CSV)
    result = _json_round_trip(meta_csv(path, method="IV", preset="modern", tau2="DL", hk=False))
    assert (result["tau2_method"], result["ci_method"], result["df"]) == ("DL", "z", None)
    assert round(result["tau2"], 4) == 0.3088  # metafor_bcg.csv: DerSimonian-Laird on dat.bcg
    revman = _json_round_trip(meta_csv(path, hk=True))
    assert (revman["ci_method"], revman["df"], revman["pi_low"], revman["tau2_ci"]) == ("hk", 12, None, None)
    fixed = _json_round_trip(meta_csv(path, model="fixed", preset="modern"))
    assert (fixed["model"], fixed["ci_method"], fixed["pi_low"]) == ("fixed", "z", None)


def test_peto_measure_and_subgroups(tmp_path):
    result = _json_round_trip(meta_csv(_csv(tmp_path, BCG_CSV), measure="PETO", model="fixed", subgroup="alloc"))
    assert (result["measure"], result["method"]) == ("OR", "PETO")
    # metafor rma.peto on dat.bcg (metafor_bcg.csv): log OR -0.4744.
    assert round(result["te"], 4) == -0.4744
    names = [s["name"] for s in result["subgroups"]]
    assert names == ["alternate", "random", "systematic"] and [s["k"] for s in result["subgroups"]] == [2, 7, 4]
    assert all(SUMMARY_KEYS <= set(s) for s in result["subgroups"])
    # Q across the subgroup estimates with weights 1/se², df = 2, written out:
    te = [s["te"] for s in result["subgroups"]]
    w = [1 / s["se"] ** 2 for s in result["subgroups"]]
    centre = sum(wi * ti for wi, ti in zip(w, te)) / sum(w)
    q = sum(wi * (ti - centre) ** 2 for wi, ti in zip(w, te))
    assert result["subgroup_test"]["q"] == pytest.approx(q, rel=1e-12) and result["subgroup_test"]["df"] == 2


def test_egger_trimfill_leave_one_out_and_cumulative(tmp_path):
    result = _json_round_trip(meta_csv(_csv(tmp_path, BCG_CSV), method="IV", model="fixed", egger=True,
                                       trimfill=True, leave_one_out=True, cumulative=True))
    assert set(result["egger"]) == {"intercept", "se", "statistic", "df", "p"} and result["egger"]["df"] == 11
    # metafor trimfill(rma(yi, vi, method="EE")) on dat.bcg (docs/reference/trimfill.html): 4 on the right, -0.2910.
    trimfill = result["trimfill"]
    assert (trimfill["k0"], trimfill["side"]) == (4, "right")
    assert round(math.log(trimfill["estimate"]), 4) == -0.2910
    assert [row["study"] for row in result["leave_one_out"]] == [s["study"] for s in result["studies"]]
    assert all(row["k"] == 12 for row in result["leave_one_out"])
    # Cumulative by year, ties (1973) in file order; the last step is the whole analysis.
    assert [row["study"] for row in result["cumulative"]][:3] == ["Aronson", "Ferguson & Simes", "Stein & Aronson"]
    assert [row["k"] for row in result["cumulative"]] == list(range(1, 14))
    assert result["cumulative"][-1]["te"] == pytest.approx(result["te"], rel=1e-12)


def test_cumulative_without_year_follows_the_file(tmp_path):
    path = _csv(tmp_path, "study,yi,se\nB,0.2,0.1\nA,0.4,0.2\n")
    assert [row["study"] for row in meta_csv(path, cumulative=True)["cumulative"]] == ["B", "A"]


def test_continuous_smd_follows_the_preset(tmp_path):
    # Hedges' g of tests/pooling/test_pooling_hand.py: J = 1 - 3/79 under revman5, the exact J under modern.
    path = _csv(tmp_path, "e_mean,e_sd,e_total,c_mean,c_sd,c_total\n10,2,10,8,3,12\n")
    revman = meta_csv(path, measure="SMD")
    modern = meta_csv(path, measure="SMD", preset="modern")
    assert revman["te"] == pytest.approx(2 / math.sqrt(6.75) * (1 - 3 / 79), rel=1e-12)
    assert modern["te"] == pytest.approx(2 / math.sqrt(6.75) * 0.9619445337407487, rel=1e-12)  # Gamma(10)/(sqrt(10) Gamma(9.5))
