"""RoB 2 for individually randomised parallel-group trials: the signalling questions and the published
algorithm that proposes each domain's judgement and the overall one, per result.

The tool: Sterne JAC, Savović J, Page MJ, et al. RoB 2: a revised tool for assessing risk of bias in
randomised trials. BMJ 2019;366:l4898; and "Revised Cochrane risk-of-bias tool for randomized trials
(RoB 2)", full guidance document and template, version of 22 August 2019 (riskofbias.info). "The
guidance" below is that document; its sections are: 1.1 answers, 1.2.3 and Table 1 the overall
judgement; 4 (Box 4) randomisation; 5 (Box 6, and the adhering variant's box) deviations from
intended interventions; 6 (Box 8) missing outcome data; 7 (Box 10, criteria Table 11, algorithm
Table 12 and Figure 5) measurement of the outcome; 8 (Box 11) selection of the reported result.
Each domain has a table of criteria and an algorithm (a flowchart of the signalling questions).

Encoded here as data, re-derived from the guidance (no code was copied):
- QUESTIONS: per domain (D2 per effect of interest: `assignment`, the default, or `adhering`) each
  question's number as the tool numbers it, a short label of our own (the tool's wording is not
  reproduced), when the tool asks it ("If Y/PY/NI to 2.1 or 2.2: ...") and the answers it takes.
  A question the tool asks only conditionally takes "NA", which then means "not asked: its condition
  does not hold". The adhering variant's 2.3 to 2.5 are asked "[if applicable]": there NA means the
  review does not address that kind of deviation, and the algorithm reads it as no problem.
  Question 3.2 offers no "No information" in the tool.
- FLOWS: each domain's algorithm as its flowchart: one entry per box (a node named by its question,
  with a qualifier where the figure has the same question twice), each arrow an answer group
  ("Y/PY", "N/PN/NI", ...) leading to the next box or to a judgement. The figures' paired boxes
  ("2.1 & 2.2 both N/PN / either Y/PY/NI", "2.4 & 2.5", "5.2 & 5.3") are asked one question at a
  time, which gives the same judgement and tells a person which answer decided it. D2 for the
  effect of assignment has two parts (2.1 to 2.5, 2.6 and 2.7) and its judgement is the worse of
  the two, as the guidance's table for that domain combines them.
- Y and PY lead the same way, as do N and PN (guidance section 1.1).
- The overall proposal (guidance 1.2.3, Table 1): Low if every domain is Low, High if any domain is
  High, Some concerns otherwise. The guidance adds that Some concerns in several domains MAY lead
  the assessor to judge the result High: that is an assessor's override with a reason, never
  proposed here, so several Some concerns stay Some concerns.

Checked against, besides the guidance and BMJ paper: the criteria tables as reprinted in
Syst Rev 2021;10:171, Table 2 (PMC8191126); the Cochrane Handbook chapter 8 (v6); and open
implementations, read to compare judgements only: rob2-kit (AliSalman-et-al/rob2-kit,
packs/logic/rob2-parallel-assignment-2019.1.yaml), eagent (Younthing/eagent,
src/rob2/decision_rules.py, and the decision tables in its docs/rob2_reference/rob2_questions.md).
robvis draws judgements and has no algorithm. Where they disagree with the guidance's flowcharts
this module follows the flowcharts: rob2-kit proposes Some concerns for 4.1 NI and for 4.3 NI (the
D4 figure sends 4.1 N/PN/NI on to 4.2, and 4.3 Y/PY/NI on to 4.4); eagent's code treats 4.2 NI as
4.2 N/PN (the figure gives 4.2 NI a branch of its own, where Low becomes Some concerns, as eagent's
own tables say); one R package found (`assess_rob2`) makes two or more Some concerns High
automatically, which the guidance leaves to the assessor. The tool asks 2.4 only if 2.3 is Y/PY
(not Y/PY/NI: 2.3 NI already means Some concerns).

Pure: answers in, judgements and reasons out. Bad input raises InputError naming the result, the
domain and the question (and the row, when the caller says where each answer came from).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from evidence.errors import InputError

LOW, SOME_CONCERNS, HIGH = "Low", "Some concerns", "High"
JUDGEMENTS = (LOW, SOME_CONCERNS, HIGH)  # from the best to the worst
SEVERITY = {judgement: rank for rank, judgement in enumerate(JUDGEMENTS)}

ANSWERS = ("Y", "PY", "PN", "N", "NI", "NA")
ANSWER_NAMES = {"Y": "Yes", "PY": "Probably yes", "PN": "Probably no", "N": "No", "NI": "No information",
                "NA": "Not applicable"}
SIGNALS = ANSWERS[:5]  # what a question the tool always asks may be answered

DOMAINS = ("D1", "D2", "D3", "D4", "D5")
DOMAIN_NAMES = {
    "D1": "randomisation process",
    "D2": "deviations from intended interventions",
    "D3": "missing outcome data",
    "D4": "measurement of the outcome",
    "D5": "selection of the reported result",
}
VARIANTS = ("assignment", "adhering")  # D2: the effect of assignment to (default) or of adhering to intervention
VARIANT_NAMES = {"assignment": "effect of assignment", "adhering": "effect of adhering"}


@cache
def answer_group(text: str) -> frozenset[str]:
    """'Y/PY/NI' -> {'Y', 'PY', 'NI'}: an answer group as the guidance writes it."""
    group = frozenset(text.split("/"))
    if not group <= set(ANSWERS):
        raise ValueError(f"{text!r} is not a group of {', '.join(ANSWERS)}")
    return group


@dataclass(frozen=True)
class Question:
    """A signalling question. asked_if: None (always asked) or (mode, ((question, 'Y/PY/NI'), ...)),
    mode 'any' or 'all', as the tool's "If Y/PY/NI to 2.1 or 2.2"; if_applicable: the tool asks it
    "[if applicable]", so NA is an answer of its own. answers: what it may be answered."""

    number: str
    label: str
    asked_if: tuple[str, tuple[tuple[str, str], ...]] | None = None
    if_applicable: bool = False
    answers: tuple[str, ...] = ()

    def asked(self, answers: Mapping[str, str]) -> bool:
        """Whether the tool asks this question, given the other answers of its domain."""
        if self.asked_if is None:
            return True
        mode, terms = self.asked_if
        hits = [answers.get(question) in answer_group(group) for question, group in terms]
        return any(hits) if mode == "any" else all(hits)

    def condition(self) -> str:
        """The tool's condition in words: '2.1 or 2.2 is Y/PY/NI' ('' if always asked)."""
        if self.asked_if is None:
            return ""
        mode, terms = self.asked_if
        return f" {'or' if mode == 'any' else 'and'} ".join(f"{q} is {group}" for q, group in terms)


def _q(number: str, label: str, *, asked_if: tuple | None = None, if_applicable: bool = False,
       no_ni: bool = False) -> Question:
    answers = tuple(a for a in SIGNALS if not (no_ni and a == "NI"))
    if asked_if is not None or if_applicable:
        answers += ("NA",)
    return Question(number, label, asked_if, if_applicable, answers)


def _if(mode: str, *terms: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """_if('any', '2.1 Y/PY/NI', '2.2 Y/PY/NI'): the tool's 'If Y/PY/NI to 2.1 or 2.2'."""
    return mode, tuple(tuple(term.split(" ")) for term in terms)


_AWARE = (_q("2.1", "participants aware of their assigned intervention during the trial?"),
          _q("2.2", "carers and people delivering the interventions aware of the assignment?"))

# The signalling questions (guidance Boxes 4, 6, 8, 10, 11 and the template of 22 August 2019).
QUESTIONS: dict[tuple[str, str | None], tuple[Question, ...]] = {
    ("D1", None): (
        _q("1.1", "allocation sequence random?"),
        _q("1.2", "allocation sequence concealed until participants were enrolled and assigned?"),
        _q("1.3", "baseline differences between groups suggest a problem with randomisation?"),
    ),
    ("D2", "assignment"): _AWARE + (
        _q("2.3", "deviations from the intended intervention that arose because of the trial context?",
           asked_if=_if("any", "2.1 Y/PY/NI", "2.2 Y/PY/NI")),
        _q("2.4", "these deviations likely to have affected the outcome?", asked_if=_if("any", "2.3 Y/PY")),
        _q("2.5", "these deviations balanced between groups?", asked_if=_if("any", "2.4 Y/PY/NI")),
        _q("2.6", "appropriate analysis to estimate the effect of assignment?"),
        _q("2.7", "potential for substantial impact of not analysing participants as randomised?",
           asked_if=_if("any", "2.6 N/PN/NI")),
    ),
    ("D2", "adhering"): _AWARE + (
        _q("2.3", "important non-protocol interventions balanced between groups?",
           asked_if=_if("any", "2.1 Y/PY/NI", "2.2 Y/PY/NI"), if_applicable=True),
        _q("2.4", "failures in implementing the intervention that could have affected the outcome?",
           if_applicable=True),
        _q("2.5", "non-adherence to the assigned regimen that could have affected outcomes?", if_applicable=True),
        _q("2.6", "appropriate analysis to estimate the effect of adhering?",
           asked_if=_if("any", "2.3 N/PN/NI", "2.4 Y/PY/NI", "2.5 Y/PY/NI")),
    ),
    ("D3", None): (
        _q("3.1", "outcome data available for all, or nearly all, randomised participants?"),
        _q("3.2", "evidence that the result was not biased by missing outcome data?",
           asked_if=_if("any", "3.1 N/PN/NI"), no_ni=True),
        _q("3.3", "could missingness in the outcome depend on its true value?", asked_if=_if("any", "3.2 N/PN")),
        _q("3.4", "likely that missingness in the outcome depended on its true value?",
           asked_if=_if("any", "3.3 Y/PY/NI")),
    ),
    ("D4", None): (
        _q("4.1", "method of measuring the outcome inappropriate?"),
        _q("4.2", "measurement or ascertainment of the outcome could have differed between groups?"),
        _q("4.3", "outcome assessors aware of the intervention received?",
           asked_if=_if("all", "4.1 N/PN/NI", "4.2 N/PN/NI")),
        _q("4.4", "assessment could have been influenced by knowledge of the intervention received?",
           asked_if=_if("any", "4.3 Y/PY/NI")),
        _q("4.5", "likely that assessment was influenced by knowledge of the intervention received?",
           asked_if=_if("any", "4.4 Y/PY/NI")),
    ),
    ("D5", None): (
        _q("5.1", "analysed by a plan finalised before unblinded outcome data were available?"),
        _q("5.2", "result selected from multiple eligible outcome measurements within the outcome domain?"),
        _q("5.3", "result selected from multiple eligible analyses of the data?"),
    ),
}

# The algorithms: each domain's flowchart, one box a line. A box is named by its question (with a
# qualifier in parentheses where the figure has that question twice); its arrows map an answer group
# to the next box or to a judgement. The first box is where the figure starts. A domain with two
# parts (D2, effect of assignment) has two flowcharts, and its judgement is the worse of the two.
Flow = dict[str, dict[str, str]]
FLOWS: dict[tuple[str, str | None], tuple[Flow, ...]] = {
    # Guidance section 4 (Box 4) and the domain's algorithm figure; criteria as reprinted in PMC8191126.
    ("D1", None): ({
        "1.2": {"Y/PY": "1.1", "N/PN": HIGH, "NI": "1.3 (1.2 NI)"},
        "1.1": {"Y/PY/NI": "1.3", "N/PN": SOME_CONCERNS},
        "1.3": {"N/PN/NI": LOW, "Y/PY": SOME_CONCERNS},
        "1.3 (1.2 NI)": {"N/PN/NI": SOME_CONCERNS, "Y/PY": HIGH},
    },),
    # Guidance section 5 (Box 6), effect of assignment: part 1 (2.1 to 2.5), then part 2 (2.6, 2.7).
    ("D2", "assignment"): ({
        "2.1": {"Y/PY/NI": "2.3", "N/PN": "2.2"},
        "2.2": {"Y/PY/NI": "2.3", "N/PN": LOW},  # 2.1 and 2.2 both N/PN: nobody aware
        "2.3": {"N/PN": LOW, "NI": SOME_CONCERNS, "Y/PY": "2.4"},
        "2.4": {"N/PN": SOME_CONCERNS, "Y/PY/NI": "2.5"},
        "2.5": {"Y/PY": SOME_CONCERNS, "N/PN/NI": HIGH},
    }, {
        "2.6": {"Y/PY": LOW, "N/PN/NI": "2.7"},
        "2.7": {"N/PN": SOME_CONCERNS, "Y/PY/NI": HIGH},
    }),
    # Guidance section 5, effect of adhering: 2.3 to 2.5 "[if applicable]"; NA leads where no problem does.
    ("D2", "adhering"): ({
        "2.1": {"Y/PY/NI": "2.3", "N/PN": "2.2"},
        "2.2": {"Y/PY/NI": "2.3", "N/PN": "2.4"},  # nobody aware: 2.3 is not asked
        "2.3": {"Y/PY/NA": "2.4", "N/PN/NI": "2.6"},
        "2.4": {"N/PN/NA": "2.5", "Y/PY/NI": "2.6"},
        "2.5": {"N/PN/NA": LOW, "Y/PY/NI": "2.6"},
        "2.6": {"Y/PY": SOME_CONCERNS, "N/PN/NI": HIGH},
    },),
    # Guidance section 6 (Box 8; 6.3 "Using this domain of the tool").
    ("D3", None): ({
        "3.1": {"Y/PY": LOW, "N/PN/NI": "3.2"},
        "3.2": {"Y/PY": LOW, "N/PN": "3.3"},
        "3.3": {"N/PN": LOW, "Y/PY/NI": "3.4"},
        "3.4": {"N/PN": SOME_CONCERNS, "Y/PY/NI": HIGH},
    },),
    # Guidance section 7 (Box 10; criteria Table 11, algorithm Table 12 and Figure 5). 4.2 NI has a
    # branch of its own: the same questions, but what would be Low is Some concerns.
    ("D4", None): ({
        "4.1": {"Y/PY": HIGH, "N/PN/NI": "4.2"},
        "4.2": {"Y/PY": HIGH, "N/PN": "4.3", "NI": "4.3 (4.2 NI)"},
        "4.3": {"N/PN": LOW, "Y/PY/NI": "4.4"},
        "4.4": {"N/PN": LOW, "Y/PY/NI": "4.5"},
        "4.5": {"N/PN": SOME_CONCERNS, "Y/PY/NI": HIGH},
        "4.3 (4.2 NI)": {"N/PN": SOME_CONCERNS, "Y/PY/NI": "4.4 (4.2 NI)"},
        "4.4 (4.2 NI)": {"N/PN": SOME_CONCERNS, "Y/PY/NI": "4.5 (4.2 NI)"},
        "4.5 (4.2 NI)": {"N/PN": SOME_CONCERNS, "Y/PY/NI": HIGH},
    },),
    # Guidance section 8 (Box 11). The figure's box "5.2 & 5.3": either Y/PY -> High; both N/PN ->
    # Low after 5.1 Y/PY, else Some concerns; at least one NI and neither Y/PY -> Some concerns.
    ("D5", None): ({
        "5.1": {"Y/PY": "5.2", "N/PN/NI": "5.2 (5.1 N/PN/NI)"},
        "5.2": {"Y/PY": HIGH, "N/PN": "5.3", "NI": "5.3 (5.2 NI)"},
        "5.3": {"Y/PY": HIGH, "N/PN": LOW, "NI": SOME_CONCERNS},
        "5.3 (5.2 NI)": {"Y/PY": HIGH, "N/PN/NI": SOME_CONCERNS},
        "5.2 (5.1 N/PN/NI)": {"Y/PY": HIGH, "N/PN/NI": "5.3 (5.1 N/PN/NI)"},
        "5.3 (5.1 N/PN/NI)": {"Y/PY": HIGH, "N/PN/NI": SOME_CONCERNS},
    },),
}


def _key(domain: str, variant: str) -> tuple[str, str | None]:
    return (domain, variant if domain == "D2" else None)


def questions(domain: str, variant: str = "assignment") -> dict[str, Question]:
    """The questions of a domain (D2: of the variant), by number."""
    return {q.number: q for q in QUESTIONS[_key(domain, variant)]}


def answer_code(text: str) -> str | None:
    """'py', 'Probably yes', ' NA ' -> 'PY', 'PY', 'NA'; None if the text is no answer of the tool."""
    wanted = " ".join(text.split()).lower()
    for code, name in ANSWER_NAMES.items():
        if wanted in (code.lower(), name.lower()):
            return code
    return None


def question_problem(domain: str, number: str, variant: str = "assignment") -> str | None:
    """Why `number` is not a question of the domain (None if it is)."""
    known = questions(domain, variant)
    if number in known:
        return None
    where = f"{domain} ({VARIANT_NAMES[variant]})" if domain == "D2" else domain
    return f"question {number!r} is not in {where}: its questions are {', '.join(known)}"


def answer_problem(domain: str, number: str, answer: str, variant: str = "assignment") -> str | None:
    """Why `answer` is not an answer the tool offers for the question (None if it is)."""
    question = questions(domain, variant)[number]
    if answer in question.answers:
        return None
    if answer == "NA":
        return f"NA is not an answer to {number}, which the tool always asks (answer {_listed(question.answers)})"
    return f"{answer} is not an answer the tool offers for {number} (answer {_listed(question.answers)})"


def _listed(answers: tuple[str, ...]) -> str:
    return ", ".join(answers[:-1]) + " or " + answers[-1]


@dataclass(frozen=True)
class Part:
    """One flowchart walked: the (question, answer) pairs in the order the algorithm used them, and
    where it led."""

    steps: tuple[tuple[str, str], ...]
    judgement: str

    def why(self) -> str:
        return " -> ".join(f"{q} {a}" for q, a in self.steps) + f": {self.judgement}"


@dataclass(frozen=True)
class DomainJudgement:
    """The algorithm's proposal for one domain and how it got there; unused: answers given but not
    needed on the way (an NA where the tool does not ask is not listed)."""

    domain: str
    variant: str | None
    proposed: str
    parts: tuple[Part, ...]
    unused: tuple[tuple[str, str], ...] = ()

    def path(self) -> str:
        """The answers that led to the proposal: '1.2 Y -> 1.1 PY -> 1.3 N'; with two parts (D2, effect
        of assignment) each part and where it led."""
        if len(self.parts) == 1:
            return " -> ".join(f"{q} {a}" for q, a in self.parts[0].steps)
        return "; ".join(f"part {n}: {part.why()}" for n, part in enumerate(self.parts, 1))

    def why(self) -> str:
        """'1.2 Y -> 1.1 PY -> 1.3 N: Low'; D2 (assignment) names its two parts and takes the worse."""
        if len(self.parts) == 1:
            return self.parts[0].why()
        return f"{self.path()}; the worse of the parts: {self.proposed}"


@dataclass(frozen=True)
class Rob2Result:
    """One result assessed: each domain's proposal with its reasons, and the overall proposal."""

    result: str
    variant: str
    domains: dict[str, DomainJudgement]
    overall: str
    overall_why: str

    def as_json(self) -> dict:
        """{"result", "domains": {"D1": judgement, ...}, "overall", "why": {"D1": reason, ..., "overall": reason}}."""
        why = {domain: judgement.why() for domain, judgement in self.domains.items()}
        if "D2" in why:
            why["D2"] = f"{VARIANT_NAMES[self.variant]}: {why['D2']}"
        return {"result": self.result, "domains": {d: j.proposed for d, j in self.domains.items()},
                "overall": self.overall, "why": {**why, "overall": self.overall_why}}


def overall(proposed: Mapping[str, str]) -> tuple[str, str]:
    """The overall proposal from the domains' (guidance 1.2.3, Table 1) and the reason in words.

    Several domains with Some concerns stay Some concerns: the guidance lets the assessor judge them
    High, with a reason, which is an override and never proposed here."""
    worst = max(proposed.values(), key=SEVERITY.__getitem__)
    named = [domain for domain, judgement in proposed.items() if judgement == worst]
    if worst == LOW:
        return LOW, "every domain Low"
    if worst == HIGH:
        return HIGH, f"High in {', '.join(named)}"
    reason = f"Some concerns in {', '.join(named)}, no domain High"
    if len(named) > 1:
        reason += " (the assessor may judge this High, with a reason)"
    return SOME_CONCERNS, reason


def assess(result: str, answers: Mapping[str, Mapping[str, str]], variant: str = "assignment", *,
           source: str = "", places: Mapping[tuple[str, str], str] | None = None) -> Rob2Result:
    """Propose the five domains' judgements and the overall one for one result.

    answers: {"D1": {"1.1": "Y", ...}, ...} with the tool's codes (Y, PY, PN, N, NI, NA); variant: D2's
    effect of interest. source names the input in messages (a file); places, where known, says where
    each (domain, question) was answered, as a message names it ("FILE: row 7: field 'answer'").
    Raises InputError for an unknown domain, question or answer, for an answer the algorithm needs that
    is missing, and for NA where the question applies.
    """
    places = places or {}
    if variant not in VARIANTS:
        raise InputError(f"{_prefix(source)}result {result!r}: variant {variant!r} is not one of {', '.join(VARIANTS)}")
    unknown = [domain for domain in answers if domain not in DOMAINS]
    if unknown:
        raise InputError(f"{_prefix(source)}result {result!r}: domain {unknown[0]!r} is not one of {', '.join(DOMAINS)}")
    judgements = {domain: judge(domain, answers.get(domain, {}), variant, result=result, source=source, places=places)
                  for domain in DOMAINS}
    proposal, why = overall({domain: j.proposed for domain, j in judgements.items()})
    return Rob2Result(result, variant, judgements, proposal, why)


def _prefix(place: str) -> str:
    return f"{place}: " if place else ""


def _subject(result: str, domain: str) -> str:
    return f"result {result!r}, {domain}" if result else domain


def judge(domain: str, answers: Mapping[str, str], variant: str = "assignment", *, result: str = "",
          source: str = "", places: Mapping[tuple[str, str], str] | None = None) -> DomainJudgement:
    """One domain's proposal from its answers ({"1.1": "Y", ...}); result, source and places name the
    input in messages as for `assess`, and the same answers are refused."""
    places = places or {}
    for number, answer in answers.items():
        problem = question_problem(domain, number, variant) or answer_problem(domain, number, answer, variant)
        if problem:
            raise InputError(f"{_prefix(places.get((domain, number), source))}{_subject(result, domain)}: {problem}")
    known = questions(domain, variant)
    parts = tuple(_walk(flow, result, domain, known, answers, source, places) for flow in FLOWS[_key(domain, variant)])
    used = {q for part in parts for q, _ in part.steps}
    unused = tuple((q, a) for q, a in sorted(answers.items()) if q not in used and a != "NA")
    proposed = max((part.judgement for part in parts), key=SEVERITY.__getitem__)
    return DomainJudgement(domain, variant if domain == "D2" else None, proposed, parts, unused)


def _walk(flow: Flow, result: str, domain: str, known: dict[str, Question], answers: Mapping[str, str],
          source: str, places: Mapping[tuple[str, str], str]) -> Part:
    """Follow the flowchart from its first box to a judgement, reading one answer per box."""
    box, steps = next(iter(flow)), []
    while True:
        number = box.split(" ")[0]
        answer = answers.get(number)
        after = ", ".join(f"{q} {a}" for q, a in steps)
        if answer is None:
            reason = f"it comes after {after}" if steps else "it starts there"
            raise InputError(f"{_prefix(source)}{_subject(result, domain)}, question {number}: no answer, but the"
                             f" algorithm needs one ({reason})")
        target = next((to for group, to in flow[box].items() if answer in answer_group(group)), None)
        if target is None:  # only NA gets here (the other answers were checked against the tool)
            raise InputError(f"{_prefix(places.get((domain, number), source))}{_subject(result, domain)}, question"
                             f" {number}: NA, but the algorithm reaches it after {after} (the tool asks it when"
                             f" {known[number].condition()}); answer {_listed(SIGNALS)}")
        steps.append((number, answer))
        if target in SEVERITY:
            return Part(tuple(steps), target)
        box = target
