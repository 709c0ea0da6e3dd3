"""RoB 2 (evidence.core.rob2, evidence.formats.rob2_csv, `evidence rob rob2`): every mapping row of
every domain's algorithm, both D2 variants, the overall rule, NA and conditional questions, every
refusal, the CLI's text and JSON.

The expected judgements are written here as the guidance's criteria read, one row per way to a
judgement (Revised Cochrane risk-of-bias tool for randomized trials (RoB 2), full guidance of
22 August 2019; criteria also in BMJ 2019;366:l4898 and Syst Rev 2021;10:171 Table 2), and not from
the module's flowcharts: the rows are checked to cover every answer set the tool allows exactly
once, and the module to agree with the row on each.
"""

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import given, settings, strategies as st

from evidence.core import rob2
from evidence.core.rob2 import HIGH, LOW, SOME_CONCERNS as SOME
from evidence.errors import InputError

from .conftest import examples

ANY = "any"  # any of Y, PY, PN, N, NI: the tool asks the question, the algorithm may not need it
NOT_ASKED = "-"  # a conditional question whose condition fails: NA, left out, or a stray answer (ignored)

# Answers that give Low in each domain, to complete a result when one domain is under test.
ALL_LOW = {
    "D1": {"1.1": "Y", "1.2": "Y", "1.3": "N"},
    "D2": {"2.1": "N", "2.2": "N", "2.6": "Y"},
    "D3": {"3.1": "Y"},
    "D4": {"4.1": "N", "4.2": "N", "4.3": "N"},
    "D5": {"5.1": "Y", "5.2": "N", "5.3": "N"},
}

# --- the mapping rows ------------------------------------------------------------------------------
# Each row: the questions in the tool's order, a group per question, then the judgement.

# D1, randomisation process (guidance section 4; criteria: Low = concealed, and random or NI, and
# baseline N/PN/NI; Some concerns = concealed but not random or imbalance, or concealment NI without
# imbalance; High = not concealed, or concealment NI with imbalance).
D1_ROWS = [
    (("Y/PY/NI", "Y/PY", "N/PN/NI"), LOW),
    (("Y/PY/NI", "Y/PY", "Y/PY"), SOME),
    (("N/PN", "Y/PY", ANY), SOME),
    ((ANY, "N/PN", ANY), HIGH),
    ((ANY, "NI", "N/PN/NI"), SOME),
    ((ANY, "NI", "Y/PY"), HIGH),
]

# D2, effect of assignment (guidance section 5, Box 6): part 1 over (2.1, 2.2, 2.3, 2.4, 2.5), part 2
# over (2.6, 2.7); 2.3 only if 2.1 or 2.2 is Y/PY/NI, 2.4 only if 2.3 is Y/PY, 2.5 only if 2.4 is
# Y/PY/NI, 2.7 only if 2.6 is N/PN/NI.
UNAWARE = [("N/PN", "N/PN")]
AWARE = [("Y/PY/NI", ANY), ("N/PN", "Y/PY/NI")]  # 2.1 or 2.2 Y/PY/NI
D2_PART1_ROWS = [
    *[((*who, NOT_ASKED, NOT_ASKED, NOT_ASKED), LOW) for who in UNAWARE],
    *[((*who, "N/PN", NOT_ASKED, NOT_ASKED), LOW) for who in AWARE],
    *[((*who, "NI", NOT_ASKED, NOT_ASKED), SOME) for who in AWARE],
    *[((*who, "Y/PY", "N/PN", NOT_ASKED), SOME) for who in AWARE],
    *[((*who, "Y/PY", "Y/PY/NI", "Y/PY"), SOME) for who in AWARE],
    *[((*who, "Y/PY", "Y/PY/NI", "N/PN/NI"), HIGH) for who in AWARE],
]
D2_PART2_ROWS = [
    (("Y/PY", NOT_ASKED), LOW),
    (("N/PN/NI", "N/PN"), SOME),
    (("N/PN/NI", "Y/PY/NI"), HIGH),
]
# The two parts combined, as the guidance's table for this domain does.
D2_PARTS = {(LOW, LOW): LOW, (LOW, SOME): SOME, (LOW, HIGH): HIGH, (SOME, LOW): SOME, (SOME, SOME): SOME,
            (SOME, HIGH): HIGH, (HIGH, LOW): HIGH, (HIGH, SOME): HIGH, (HIGH, HIGH): HIGH}
D2_ASSIGNMENT_ROWS = [((*one, *two), D2_PARTS[first, second])
                      for (one, first), (two, second) in itertools.product(D2_PART1_ROWS, D2_PART2_ROWS)]

# D2, effect of adhering (guidance section 5): (2.1, 2.2, 2.3, 2.4, 2.5, 2.6); 2.3 to 2.5 "[if
# applicable]" (NA: not addressed, no problem); 2.3 only if 2.1 or 2.2 is Y/PY/NI; 2.6 only if 2.3 is
# N/PN/NI or 2.4 or 2.5 is Y/PY/NI. Low = nobody aware or non-protocol interventions balanced, and no
# failures of implementation or non-adherence that could matter; otherwise 2.6 decides.
NO_PROBLEM = "N/PN/NA"
PROBLEM = [("Y/PY/NI", "Y/PY/PN/N/NI/NA"), (NO_PROBLEM, "Y/PY/NI")]  # 2.4 or 2.5 Y/PY/NI
FINE_SO_FAR = [(*who, NOT_ASKED) for who in UNAWARE] + [(*who, "Y/PY/NA") for who in AWARE]
D2_ADHERING_ROWS = [
    *[((*start, NO_PROBLEM, NO_PROBLEM, NOT_ASKED), LOW) for start in FINE_SO_FAR],
    *[((*start, *problem, "Y/PY"), SOME) for start in FINE_SO_FAR for problem in PROBLEM],
    *[((*start, *problem, "N/PN/NI"), HIGH) for start in FINE_SO_FAR for problem in PROBLEM],
    *[((*who, "N/PN/NI", "Y/PY/PN/N/NI/NA", "Y/PY/PN/N/NI/NA", "Y/PY"), SOME) for who in AWARE],
    *[((*who, "N/PN/NI", "Y/PY/PN/N/NI/NA", "Y/PY/PN/N/NI/NA", "N/PN/NI"), HIGH) for who in AWARE],
]

# D3, missing outcome data (guidance section 6.3): (3.1, 3.2, 3.3, 3.4); 3.2 has no NI.
D3_ROWS = [
    (("Y/PY", NOT_ASKED, NOT_ASKED, NOT_ASKED), LOW),
    (("N/PN/NI", "Y/PY", NOT_ASKED, NOT_ASKED), LOW),
    (("N/PN/NI", "N/PN", "N/PN", NOT_ASKED), LOW),
    (("N/PN/NI", "N/PN", "Y/PY/NI", "N/PN"), SOME),
    (("N/PN/NI", "N/PN", "Y/PY/NI", "Y/PY/NI"), HIGH),
]

# D4, measurement of the outcome (guidance section 7, Table 11 criteria, Table 12 and Figure 5):
# (4.1, 4.2, 4.3, 4.4, 4.5). With 4.2 NI, what would be Low is Some concerns.
D4_ROWS = [
    (("Y/PY", ANY, NOT_ASKED, NOT_ASKED, NOT_ASKED), HIGH),
    (("N/PN/NI", "Y/PY", NOT_ASKED, NOT_ASKED, NOT_ASKED), HIGH),
    (("N/PN/NI", "N/PN", "N/PN", NOT_ASKED, NOT_ASKED), LOW),
    (("N/PN/NI", "N/PN", "Y/PY/NI", "N/PN", NOT_ASKED), LOW),
    (("N/PN/NI", "N/PN", "Y/PY/NI", "Y/PY/NI", "N/PN"), SOME),
    (("N/PN/NI", "N/PN", "Y/PY/NI", "Y/PY/NI", "Y/PY/NI"), HIGH),
    (("N/PN/NI", "NI", "N/PN", NOT_ASKED, NOT_ASKED), SOME),
    (("N/PN/NI", "NI", "Y/PY/NI", "N/PN", NOT_ASKED), SOME),
    (("N/PN/NI", "NI", "Y/PY/NI", "Y/PY/NI", "N/PN"), SOME),
    (("N/PN/NI", "NI", "Y/PY/NI", "Y/PY/NI", "Y/PY/NI"), HIGH),
]

# D5, selection of the reported result (guidance section 8, Box 11): (5.1, 5.2, 5.3).
D5_ROWS = [
    ((ANY, "Y/PY", ANY), HIGH),
    ((ANY, "N/PN/NI", "Y/PY"), HIGH),
    (("Y/PY", "N/PN", "N/PN"), LOW),
    (("N/PN/NI", "N/PN", "N/PN"), SOME),
    ((ANY, "NI", "N/PN/NI"), SOME),  # at least one NI, neither Y/PY
    ((ANY, "N/PN", "NI"), SOME),
]

ROWS = {
    ("D1", "assignment"): D1_ROWS,
    ("D2", "assignment"): D2_ASSIGNMENT_ROWS,
    ("D2", "adhering"): D2_ADHERING_ROWS,
    ("D3", "assignment"): D3_ROWS,
    ("D4", "assignment"): D4_ROWS,
    ("D5", "assignment"): D5_ROWS,
}
CASES = [pytest.param(domain, variant, id=f"{domain}-{variant}") for domain, variant in ROWS]


def _numbers(domain: str, variant: str) -> list[str]:
    return list(rob2.questions(domain, variant))


def _expand(group: str) -> list[str | None]:
    """The answers a row's cell stands for; None: the question left out."""
    if group == ANY:
        return list(rob2.SIGNALS)
    if group == NOT_ASKED:
        return ["NA", None, "Y"]
    return sorted(rob2.answer_group(group))


def _matches(group: str, answer: str | None) -> bool:
    if group == ANY:
        return answer in rob2.SIGNALS
    if group == NOT_ASKED:
        return answer == "NA"
    return answer in rob2.answer_group(group)


def _judge(domain: str, answers: dict[str, str], variant: str = "assignment") -> rob2.DomainJudgement:
    return rob2.judge(domain, answers, variant, result="trial")


def _consistent(domain: str, variant: str) -> list[dict[str, str]]:
    """Every set of answers the tool allows: each question answered where the tool asks it, NA where not."""
    forms: list[dict[str, str]] = [{}]
    for question in rob2.QUESTIONS[domain, variant if domain == "D2" else None]:
        grown = []
        for form in forms:
            choices = [a for a in question.answers if a != "NA" or question.if_applicable] if question.asked(form) else ["NA"]
            grown += [{**form, question.number: answer} for answer in choices]
        forms = grown
    return forms


@pytest.mark.parametrize("domain, variant", CASES)
def test_every_mapping_row(domain, variant):
    numbers = _numbers(domain, variant)
    for groups, expected in ROWS[domain, variant]:
        for answers in itertools.product(*(_expand(group) for group in groups)):
            given = {n: a for n, a in zip(numbers, answers) if a is not None}
            assert _judge(domain, given, variant).proposed == expected, (groups, given)


@pytest.mark.parametrize("domain, variant", CASES)
def test_the_rows_cover_every_answer_set_once_and_the_algorithm_asks_as_the_tool_does(domain, variant):
    numbers = _numbers(domain, variant)
    tool = rob2.questions(domain, variant)
    forms = _consistent(domain, variant)
    assert len(forms) > 5
    for form in forms:
        hits = [expected for groups, expected in ROWS[domain, variant]
                if all(_matches(group, form[n]) for n, group in zip(numbers, groups))]
        assert len(hits) == 1, (form, hits)
        judged = _judge(domain, form, variant)
        assert judged.proposed == hits[0], form
        used = {q for part in judged.parts for q, _ in part.steps}
        for number, question in tool.items():  # a conditional question is used exactly when the tool asks it
            if question.asked_if is not None:
                assert (number in used) == question.asked(form), (number, form)


@pytest.mark.parametrize("domain, variant", CASES)
def test_each_box_of_each_flowchart_splits_its_question_answers(domain, variant):
    tool = rob2.questions(domain, variant)
    for flow in rob2.FLOWS[domain, variant if domain == "D2" else None]:
        for box, arrows in flow.items():
            question = tool[box.split(" ")[0]]
            groups = [rob2.answer_group(group) for group in arrows]
            assert sum(len(g) for g in groups) == len(set().union(*groups)), box  # no answer leads two ways
            offered = set(question.answers) - ({"NA"} if not question.if_applicable else set())
            assert set().union(*groups) == offered, box  # every answer the tool offers leads somewhere
            for target in arrows.values():
                assert target in rob2.JUDGEMENTS or target in flow, (box, target)


def test_y_and_py_lead_the_same_way_as_do_n_and_pn():
    # Guidance 1.1: 'Yes' and 'Probably yes' have the same implications, as do 'No' and 'Probably no'.
    for flows in rob2.FLOWS.values():
        for flow in flows:
            for arrows in flow.values():
                for group in map(rob2.answer_group, arrows):
                    assert ("Y" in group) == ("PY" in group) and ("N" in group) == ("PN" in group)


def test_paths_explain_the_proposal():
    d4 = _judge("D4", {"4.1": "N", "4.2": "NI", "4.3": "Y", "4.4": "PY", "4.5": "N"})
    assert d4.why() == "4.1 N -> 4.2 NI -> 4.3 Y -> 4.4 PY -> 4.5 N: Some concerns"
    d2 = _judge("D2", {"2.1": "Y", "2.2": "N", "2.3": "NI", "2.6": "N", "2.7": "PN"})
    assert d2.why() == ("part 1: 2.1 Y -> 2.3 NI: Some concerns; part 2: 2.6 N -> 2.7 PN: Some concerns;"
                        " the worse of the parts: Some concerns")
    assert d2.unused == (("2.2", "N"),)  # asked by the tool, not needed once 2.1 is Y


def test_d2_adhering_reads_na_as_not_addressed():
    # 2.3 to 2.5 "[if applicable]": NA where a kind of deviation is not addressed leads as no problem does.
    aware = {"2.1": "Y", "2.2": "Y", "2.3": "NA", "2.4": "NA", "2.5": "NA"}
    assert _judge("D2", aware, "adhering").proposed == LOW
    assert _judge("D2", {**aware, "2.5": "PY", "2.6": "Y"}, "adhering").proposed == SOME
    assert _judge("D2", {**aware, "2.3": "N", "2.6": "NI"}, "adhering").proposed == HIGH
    # The same answers read for the effect of assignment mean something else: 2.3 N/PN there is Low.
    assert _judge("D2", {"2.1": "Y", "2.2": "Y", "2.3": "N", "2.6": "Y"}).proposed == LOW


def test_a_conditional_question_not_asked_is_ignored_whatever_it_says():
    # 2.4 is asked only if 2.3 is Y/PY (the tool's "If Y/PY to 2.3"), not when 2.3 is NI.
    judged = _judge("D2", {"2.1": "Y", "2.2": "Y", "2.3": "NI", "2.4": "Y", "2.5": "N", "2.6": "Y"})
    assert judged.proposed == SOME and ("2.4", "Y") in judged.unused and ("2.5", "N") in judged.unused


# --- the overall judgement -------------------------------------------------------------------------

def _overall(*judgements: str) -> tuple[str, str]:
    return rob2.overall(dict(zip(rob2.DOMAINS, judgements)))


def test_overall_rule():
    # Guidance 1.2.3, Table 1.
    assert _overall(LOW, LOW, LOW, LOW, LOW) == (LOW, "every domain Low")
    assert _overall(LOW, SOME, LOW, LOW, LOW) == (SOME, "Some concerns in D2, no domain High")
    assert _overall(SOME, HIGH, LOW, HIGH, SOME) == (HIGH, "High in D2, D4")


@pytest.mark.parametrize("several", [2, 3, 5])
def test_several_some_concerns_stay_some_concerns(several):
    # Guidance 1.2.3: Some concerns in several domains MAY lead the assessor to judge High; the
    # algorithm does not.
    judgement, why = _overall(*[SOME] * several, *[LOW] * (5 - several))
    assert judgement == SOME and why.endswith("no domain High (the assessor may judge this High, with a reason)")


@settings(max_examples=examples())
@given(st.lists(st.sampled_from(rob2.JUDGEMENTS), min_size=5, max_size=5))
def test_overall_is_the_worst_domain_and_high_only_with_a_high_domain(judgements):
    overall, _ = _overall(*judgements)
    assert rob2.SEVERITY[overall] == max(rob2.SEVERITY[j] for j in judgements)
    assert (overall == HIGH) == (HIGH in judgements)
    assert (overall == LOW) == all(j == LOW for j in judgements)


@st.composite
def _results(draw):
    """A whole result answered at random: each question the tool's answers, or left out."""
    variant = draw(st.sampled_from(rob2.VARIANTS))
    answers = {domain: {number: answer for number, question in rob2.questions(domain, variant).items()
                        if (answer := draw(st.sampled_from((None,) + question.answers))) is not None}
               for domain in rob2.DOMAINS}
    return variant, answers


@settings(max_examples=examples(5))
@given(_results())
def test_any_answers_give_a_proposal_or_one_line_naming_result_domain_and_question(drawn):
    variant, answers = drawn
    try:
        result = rob2.assess("R1", answers, variant, source="f.csv")
    except InputError as error:
        message = str(error)
        assert "\n" not in message and message.startswith("f.csv: result 'R1', D") and "question" in message
        return
    proposals = [j.proposed for j in result.domains.values()]
    assert rob2.SEVERITY[result.overall] == max(map(rob2.SEVERITY.__getitem__, proposals))
    assert (result.overall == HIGH) == (HIGH in proposals)


# --- refusals from the core ------------------------------------------------------------------------

def test_missing_answer_names_result_domain_and_question():
    with pytest.raises(InputError) as caught:
        rob2.assess("Smith 2019 PFS", {**ALL_LOW, "D3": {"3.1": "N"}}, source="rob.csv")
    assert str(caught.value) == ("rob.csv: result 'Smith 2019 PFS', D3, question 3.2: no answer, but the algorithm"
                                 " needs one (it comes after 3.1 N)")
    with pytest.raises(InputError, match=r"result 'A', D5, question 5\.1: no answer, but the algorithm needs one"
                                         r" \(it starts there\)"):
        rob2.assess("A", {d: a for d, a in ALL_LOW.items() if d != "D5"})


def test_na_where_the_question_applies_is_refused():
    answers = {**ALL_LOW, "D2": {"2.1": "Y", "2.2": "N", "2.3": "PY", "2.4": "NA", "2.6": "Y"}}
    with pytest.raises(InputError) as caught:
        rob2.assess("A", answers, source="rob.csv", places={("D2", "2.4"): "rob.csv: row 9: field 'answer'"})
    assert str(caught.value) == ("rob.csv: row 9: field 'answer': result 'A', D2, question 2.4: NA, but the algorithm"
                                 " reaches it after 2.1 Y, 2.3 PY (the tool asks it when 2.3 is Y/PY); answer Y, PY,"
                                 " PN, N or NI")


@pytest.mark.parametrize("domain, number, answer, problem", [
    ("D1", "1.1", "NA", "NA is not an answer to 1.1, which the tool always asks"),
    ("D3", "3.2", "NI", "NI is not an answer the tool offers for 3.2 (answer Y, PY, PN, N or NA)"),
    ("D1", "2.1", "Y", "question '2.1' is not in D1: its questions are 1.1, 1.2, 1.3"),
    ("D2", "2.8", "Y", "question '2.8' is not in D2 (effect of assignment): its questions are 2.1, 2.2"),
])
def test_answers_the_tool_does_not_offer_are_refused(domain, number, answer, problem):
    with pytest.raises(InputError, match="result 'A', " + domain + ": " + problem.replace("(", r"\(").replace(")", r"\)")):
        rob2.assess("A", {**ALL_LOW, domain: {**ALL_LOW[domain], number: answer}})


def test_unknown_domain_and_variant_are_refused():
    with pytest.raises(InputError, match="domain 'D6' is not one of D1, D2, D3, D4, D5"):
        rob2.assess("A", {**ALL_LOW, "D6": {}})
    with pytest.raises(InputError, match="variant 'per-protocol' is not one of assignment, adhering"):
        rob2.assess("A", ALL_LOW, "per-protocol")


def test_answer_codes_accept_long_forms_in_any_case():
    assert [rob2.answer_code(t) for t in ("y", " Probably YES ", "probably  no", "No", "no information",
                                          "Not applicable", "NA", "maybe")] == ["Y", "PY", "PN", "N", "NI", "NA",
                                                                                "NA", None]


def test_json_shape():
    out = rob2.assess("A", ALL_LOW).as_json()
    assert list(out) == ["result", "domains", "overall", "why"]
    assert out["domains"] == dict.fromkeys(rob2.DOMAINS, LOW) and out["overall"] == LOW
    assert out["why"]["D2"].startswith("effect of assignment: part 1: 2.1 N -> 2.2 N: Low")
    assert json.loads(json.dumps(out)) == out


# --- the CSV (evidence.formats.rob2_csv) -------------------------------------------------------------

HEADER = "result,domain,question,answer"
LOW_ROWS = [f"{domain},{number},{answer}" for domain, given in ALL_LOW.items() for number, answer in given.items()]


def _csv(tmp_path, *lines: str, header: str = HEADER, name: str = "rob.csv"):
    path = tmp_path / name
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def _rows(result: str, *, but: dict[tuple[str, str], str] | None = None, drop: tuple[str, ...] = ()) -> list[str]:
    """A result's rows with every domain Low; `but` changes or adds answers, `drop` leaves domains out."""
    answers = {(d, q): a for d, given in ALL_LOW.items() for q, a in given.items() if d not in drop}
    answers.update(but or {})
    return [f"{result},{d},{q},{a}" for (d, q), a in answers.items()]


def test_a_file_of_two_results_in_file_order(tmp_path):
    from evidence.formats.rob2_csv import rob2_csv

    path = _csv(tmp_path, *_rows("B"), *_rows("A", but={("D4", "4.1"): "Yes"}))
    results = rob2_csv(path)
    assert [r.result for r in results] == ["B", "A"]
    assert [r.overall for r in results] == [LOW, HIGH] and results[1].overall_why == "High in D4"


def test_long_forms_any_case_and_the_adhering_variant(tmp_path):
    from evidence.formats.rob2_csv import rob2_csv

    rows = [row for row in _rows("A", drop=("D2",))]
    d2 = ["A,d2,2.1,probably NO,", "A,D2,2.2,No,Adhering", "A,D2,2.4,not applicable,", "A,D2,2.5,Probably yes,",
          "A,D2,2.6,no information,ADHERING"]
    path = _csv(tmp_path, *[r + "," for r in rows], *d2, header=HEADER + ",variant")
    (result,) = rob2_csv(path)
    assert result.variant == "adhering"
    # 2.5 PY (non-adherence that could matter) sends the adhering algorithm to 2.6, NI there: High.
    assert result.domains["D2"].why() == "2.1 PN -> 2.2 N -> 2.4 NA -> 2.5 PY -> 2.6 NI: High"
    assert result.as_json()["why"]["D2"].startswith("effect of adhering: ")


def test_direction_is_read_past(tmp_path):
    from evidence.formats.rob2_csv import rob2_csv

    path = _csv(tmp_path, *[row + ",favours experimental" for row in _rows("A")], header=HEADER + ",direction")
    assert rob2_csv(path)[0].overall == LOW


def _refused(path, message: str):
    from evidence.formats.rob2_csv import rob2_csv

    with pytest.raises(InputError) as caught:
        rob2_csv(path)
    text = str(caught.value)
    assert "\n" not in text
    assert text == message.format(path=path)


@pytest.mark.parametrize("row, message", [
    ("A,D6,6.1,Y", "{path}: row 2: field 'domain': 'D6' is not a domain of RoB 2 (D1, D2, D3, D4, D5)"),
    ("A,D1,2.1,Y", "{path}: row 2: field 'question': question '2.1' is not in D1: its questions are 1.1, 1.2, 1.3"),
    ("A,D1,1.1,maybe", "{path}: row 2: field 'answer': 'maybe' is not one of Y, PY, PN, N, NI, NA (or Yes, Probably yes,"
                       " Probably no, No, No information, Not applicable)"),
    ("A,D1,1.1,", "{path}: row 2: field 'answer': is empty but required"),
    (",D1,1.1,Y", "{path}: row 2: field 'result': is empty but required"),
    ("A,D1,1.1,NA", "{path}: row 2: field 'answer': NA is not an answer to 1.1, which the tool always asks (answer Y,"
                    " PY, PN, N or NI)"),
    ("A,D3,3.2,NI", "{path}: row 2: field 'answer': NI is not an answer the tool offers for 3.2 (answer Y, PY, PN, N"
                    " or NA)"),
])
def test_a_bad_cell_is_one_line_naming_file_row_and_field(tmp_path, row, message):
    _refused(_csv(tmp_path, row, *_rows("A")), message)


def test_the_same_question_twice_is_refused(tmp_path):
    path = _csv(tmp_path, *_rows("A"), "A,D1,1.2,N")
    _refused(path, "{path}: row 15: field 'question': 1.2 of result 'A' is answered twice (rows 3 and 15)")


def test_a_variant_is_one_of_two_and_one_for_a_results_d2(tmp_path):
    header = HEADER + ",variant"
    rows = [row + "," for row in _rows("A")]
    _refused(_csv(tmp_path, "A,D2,2.1,N,per-protocol", *rows, header=header),
             "{path}: row 2: field 'variant': 'per-protocol' is not one of assignment, adhering")
    _refused(_csv(tmp_path, "A,D2,2.1,N,adhering", "A,D2,2.2,N,assignment", *rows[3:], header=header),
             "{path}: row 3: field 'variant': 'assignment', but row 2 says 'adhering' for result 'A': its D2 answers"
             " are for one effect of interest")


def test_a_question_of_the_other_variant_is_refused(tmp_path):
    # The adhering variant numbers its questions 2.1 to 2.6: there is no 2.7.
    rows = [row + ",adhering" for row in _rows("A", but={("D2", "2.7"): "N"})]
    _refused(_csv(tmp_path, *rows, header=HEADER + ",variant"),
             "{path}: row 15: field 'question': question '2.7' is not in D2 (effect of adhering): its questions are 2.1,"
             " 2.2, 2.3, 2.4, 2.5, 2.6")


def test_a_missing_answer_names_result_domain_and_question(tmp_path):
    path = _csv(tmp_path, *_rows("Smith 2019", but={("D4", "4.3"): "Y"}))
    _refused(path, "{path}: result 'Smith 2019', D4, question 4.4: no answer, but the algorithm needs one (it comes"
                   " after 4.1 N, 4.2 N, 4.3 Y)")
    _refused(_csv(tmp_path, *_rows("A", drop=("D5",))),
             "{path}: result 'A', D5, question 5.1: no answer, but the algorithm needs one (it starts there)")


def test_na_where_the_algorithm_needs_an_answer_names_the_row(tmp_path):
    path = _csv(tmp_path, *_rows("A", but={("D3", "3.1"): "N", ("D3", "3.2"): "NA"}))
    _refused(path, "{path}: row 15: field 'answer': result 'A', D3, question 3.2: NA, but the algorithm reaches it"
                   " after 3.1 N (the tool asks it when 3.1 is N/PN/NI); answer Y, PY, PN, N or NI")


@pytest.mark.parametrize("content, message", [
    ("", "{path}: is empty: it needs a header row with result, domain, question, answer, variant, direction"),
    (HEADER + "\n", "{path}: has a header but no answers"),
    ("result,domain,question\nA,D1,1.1\n", "{path}: row 1: missing column(s) answer"),
    (HEADER + ",note\nA,D1,1.1,Y,x\n", "{path}: row 1: unknown column(s) note (expected result, domain, question,"
                                        " answer, variant, direction)"),
])
def test_a_bad_file_is_one_line(tmp_path, content, message):
    path = tmp_path / "rob.csv"
    path.write_text(content, encoding="utf-8")
    _refused(path, message)


CELLS = st.one_of(st.sampled_from(["", " ", "NA", "na", "N/A", "Yes", "D0", "d2", "2.10", "1.2 ", "Y,PY", '"', "\n",
                                   "\x00", "adhering", "ＹＥＳ", "1e3", "Probably  no"]), st.text(max_size=8))


@settings(max_examples=examples())
@given(row=st.integers(0, 20), column=st.integers(0, 4), value=CELLS)
def test_any_cell_gives_proposals_or_one_line_naming_the_file(tmp_path_factory, row, column, value):
    import csv

    from evidence.formats.rob2_csv import rob2_csv

    table = [HEADER.split(",") + ["variant"], *[line.split(",") + [""] for line in _rows("A") + _rows("B")]]
    table[1 + row % (len(table) - 1)][column] = value
    path = tmp_path_factory.mktemp("fuzz") / "rob.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(table)
    try:
        results = rob2_csv(path)
    except InputError as error:
        assert str(error).startswith(str(path)) and "\n" not in str(error)
        return
    assert all(r.overall in rob2.JUDGEMENTS for r in results)


def test_a_file_that_is_not_utf8_or_not_there(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes((HEADER + "\nSchäfer,D1,1.1,Y\n").encode("latin-1"))
    from evidence.formats.rob2_csv import rob2_csv

    with pytest.raises(InputError, match=r"latin\.csv: row \d: .*'utf-8' codec can't decode"):
        rob2_csv(path)
    with pytest.raises(InputError, match=r"absent\.csv: cannot be read: No such file or directory"):
        rob2_csv(tmp_path / "absent.csv")


# --- the command: `evidence rob rob2 FILE.csv [--json]` -------------------------------------------------

def test_cli_json(tmp_path):
    from evidence.testing.cli import run

    rows = _rows("Smith 2019 PFS", but={("D1", "1.2"): "NI", ("D1", "1.3"): "PY"}) + _rows("Jones 2020 OS")
    result = run("rob", "rob2", str(_csv(tmp_path, *rows)), "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert [{key: item[key] for key in ("result", "domains", "overall")} for item in out] == [
        {"result": "Smith 2019 PFS", "domains": {"D1": HIGH, "D2": LOW, "D3": LOW, "D4": LOW, "D5": LOW},
         "overall": HIGH},
        {"result": "Jones 2020 OS", "domains": dict.fromkeys(rob2.DOMAINS, LOW), "overall": LOW},
    ]
    assert out[0]["why"]["D1"] == "1.2 NI -> 1.3 PY: High" and out[0]["why"]["overall"] == "High in D1"


def test_cli_text_shows_each_proposal_and_why(tmp_path):
    from evidence.testing.cli import run

    rows = _rows("A", but={("D3", "3.1"): "N", ("D3", "3.2"): "N", ("D3", "3.3"): "Y", ("D3", "3.4"): "N",
                           ("D5", "5.1"): "NI"})
    result = run("rob", "rob2", str(_csv(tmp_path, *rows)))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "result A (D2: effect of assignment)"
    assert lines[1].split() == ["domain", "proposed", "why"]
    by_domain = {line.split()[0]: line for line in lines[3:]}
    assert "Some concerns" in by_domain["D3"] and by_domain["D3"].endswith("3.1 N -> 3.2 N -> 3.3 Y -> 3.4 N")
    assert by_domain["D2"].endswith("part 1: 2.1 N -> 2.2 N: Low; part 2: 2.6 Y: Low")
    assert by_domain["overall"].split()[1:3] == ["Some", "concerns"]
    assert "Some concerns in D3, D5, no domain High" in by_domain["overall"]


def test_cli_lists_answers_the_algorithm_did_not_need(tmp_path):
    from evidence.testing.cli import run

    result = run("rob", "rob2", str(_csv(tmp_path, *_rows("A", but={("D4", "4.4"): "Y"}))))
    assert result.stdout.splitlines()[-1] == "answered but not needed by the algorithm: D4 4.4 Y"


def test_cli_refusal_is_one_line_and_exit_2(tmp_path):
    from evidence.testing.cli import run

    path = _csv(tmp_path, *_rows("A", but={("D2", "2.1"): "Y"}))
    result = run("rob", "rob2", str(path), "--json")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (f"error: {path}: result 'A', D2, question 2.3: no answer, but the algorithm needs one"
                             " (it comes after 2.1 Y)\n")
