"""A review's protocol: set when the review is created, changed by edits that are kept in its history (who,
when, why), and refused, changing nothing, when an edit is malformed or would break recorded screening."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from evidence.errors import InputError
from evidence.store import schema
from evidence.workflows.history import protocol_history
from evidence.workflows.protocol import ProtocolChanges, create_review, edit_review, review_protocol
from evidence.workflows.screening import record_decision

from .conftest import snapshot

PROTOCOL = ProtocolChanges(
    question="Do blue-light filtering spectacles improve sleep?",
    criteria=[("population", "adults"), ("intervention", "blue-light filtering spectacles"),
              ("comparator", "clear lenses"), ("outcome", "sleep quality"), ("outcome", "eye strain"),
              ("design", "randomised controlled trial"), ("exclusion", "crossover trials")],
    bias_tool="rob2", model_rule="random", alpha="0.01", exclusion_reasons=["wrong population", "wrong comparator"])


def records(engine, slug: str, n: int) -> list[int]:
    with engine.begin() as c:
        update = c.execute(sa.text("SELECT u.id FROM review_update u JOIN review r ON r.id = u.review_id"
                                   " WHERE r.slug = :slug"), {"slug": slug}).scalar_one()
        search = c.execute(sa.insert(schema.Search).values(review_update_id=update, database="PubMed")
                           .returning(schema.Search.id)).scalar()
        return [c.execute(sa.insert(schema.Record).values(search_id=search, source_key=str(i))
                          .returning(schema.Record.id)).scalar() for i in range(n)]


def test_a_new_review_holds_its_protocol_and_screens_dually_by_default(engine):
    create_review(engine, "blue", "Blue light", PROTOCOL)
    protocol = review_protocol(engine, "blue")
    assert (protocol.question, protocol.bias_tool, protocol.model_rule, protocol.alpha) == (
        PROTOCOL.question, "RoB 2", "random", 0.01)
    assert protocol.criteria == list(PROTOCOL.criteria)
    assert protocol.screening == {"title_abstract": "dual", "full_text": "dual"}  # the Cochrane standard
    assert protocol.exclusion_reasons == ["wrong population", "wrong comparator"]
    assert protocol.history == []  # creating is not an edit
    create_review(engine, "solo", "Solo", ProtocolChanges(screening={"full_text": "single"}))
    assert review_protocol(engine, "solo").screening == {"title_abstract": "dual", "full_text": "single"}


def test_a_review_from_before_the_protocol_screens_singly(loaded):
    protocol = review_protocol(loaded)
    assert protocol.screening == {"title_abstract": "single", "full_text": "single"}  # stored NULL
    assert protocol.bias_tool == "RoB 1" and ("design", "Randomised controlled trials (RCTs) (section 1.1 (1))") in protocol.criteria
    assert protocol.exclusion_reasons == []


def test_every_edit_is_kept_with_who_when_and_why(engine):
    create_review(engine, "blue", "Blue light", PROTOCOL)
    edited = edit_review(engine, "blue", ProtocolChanges(
        alpha=0.05, screening={"full_text": "single"}, remove_criteria=["adults"], criteria=[("population", "adults over 18")],
        exclusion_reasons=["wrong design"], remove_exclusion_reasons=["WRONG comparator"]), by="ann", why="amendment 1")
    assert [(c.field, c.old, c.new) for c in edited.changes] == [
        ("alpha", "0.01", "0.05"), ("screening_full_text", "dual", "single"), ("population", "adults", None),
        ("population", None, "adults over 18"), ("exclusion_reason", "wrong comparator", None),
        ("exclusion_reason", None, "wrong design")]
    edit_review(engine, "blue", ProtocolChanges(question="Do they help sleep?"), by="bob")
    protocol = review_protocol(engine, "blue")
    assert protocol.alpha == 0.05 and protocol.screening["full_text"] == "single"
    assert ("population", "adults over 18") in protocol.criteria and ("population", "adults") not in protocol.criteria
    assert protocol.exclusion_reasons == ["wrong population", "wrong design"]
    events = protocol.history
    assert [(e.what, e.value, e.detail["field"], e.detail["by"], e.detail["why"]) for e in events] == [
        ("changed", "0.05", "alpha", "ann", "amendment 1"), ("changed", "single", "screening_full_text", "ann", "amendment 1"),
        ("removed", "adults", "population", "ann", "amendment 1"), ("added", "adults over 18", "population", "ann", "amendment 1"),
        ("removed", "wrong comparator", "exclusion_reason", "ann", "amendment 1"),
        ("added", "wrong design", "exclusion_reason", "ann", "amendment 1"),
        ("changed", "Do they help sleep?", "question", "bob", None)]
    assert events[0].detail["replaces"] == "0.01" and all(e.when is not None for e in events)
    assert [e.as_json() for e in protocol_history(engine, "blue")] == [e.as_json() for e in events]
    # Saying what the protocol already says changes nothing, and nothing is added to the history.
    same = edit_review(engine, "blue", ProtocolChanges(alpha="0.05", model_rule="random"), by="ann")
    assert same.changes == [] and len(review_protocol(engine, "blue").history) == len(events)


REFUSED = [
    (ProtocolChanges(alpha="abc"), "--alpha 'abc' is not a number between 0 and 1"),
    (ProtocolChanges(alpha=1.0), "--alpha 1.0 is not a number between 0 and 1"),
    (ProtocolChanges(bias_tool="RoB 3"), "--rob-tool 'RoB 3' is not one of RoB 1, RoB 2"),
    (ProtocolChanges(model_rule="bayes"), "--model-rule 'bayes' is not one of fixed, random, fixed_if_homogeneous"),
    (ProtocolChanges(screening={"title_abstract": "triple"}), "--screening 'triple' (at title_abstract) is not one of"),
    (ProtocolChanges(question="  "), "--question is empty"),
    (ProtocolChanges(question="two\nlines"), "must be one line"),
    (ProtocolChanges(criteria=[("outcome", "x\x00y")]), "must be one line"),
    (ProtocolChanges(criteria=[("population", "adults")]), "--population 'adults' is already a criterion"),
    (ProtocolChanges(remove_criteria=["children"]), "--remove-criterion 'children' is not a criterion"),
    (ProtocolChanges(exclusion_reasons=["Wrong  Population"]), "is already a full-text exclusion reason"),
    (ProtocolChanges(remove_exclusion_reasons=["too small"]), "--remove-exclusion-reason 'too small' is not a full-text"),
    (ProtocolChanges(alpha="0.1", exclusion_reasons=["ok", ""]), "--exclusion-reason is empty"),  # all or nothing
    (ProtocolChanges(), "name what to change"),
]


@pytest.mark.parametrize("changes, says", REFUSED, ids=[s for _, s in REFUSED])
def test_a_refused_edit_changes_nothing(engine, changes, says):
    create_review(engine, "blue", "Blue light", PROTOCOL)
    before = snapshot(engine)
    with pytest.raises(InputError, match=says.replace("(", r"\(").replace(")", r"\)")) as refused:
        edit_review(engine, "blue", changes, by="ann")
    assert "\n" not in str(refused.value)
    assert snapshot(engine) == before


def test_an_edit_needs_who_makes_it(engine):
    create_review(engine, "blue", "Blue light", PROTOCOL)
    with pytest.raises(InputError, match="--by is empty"):
        edit_review(engine, "blue", ProtocolChanges(alpha=0.05), by=" ")


def test_a_reason_a_decision_gives_stays(engine):
    create_review(engine, "blue", "Blue light", ProtocolChanges(screening={"title_abstract": "single", "full_text": "single"},
                                                                exclusion_reasons=["wrong population"]))
    [record] = records(engine, "blue", 1)
    record_decision(engine, record, "title_abstract", "ann", "include")
    record_decision(engine, record, "full_text", "ann", "exclude", reason="wrong population")
    before = snapshot(engine)
    with pytest.raises(InputError, match="1 full-text exclusion.s. give it as their reason, so it stays"):
        edit_review(engine, "blue", ProtocolChanges(remove_exclusion_reasons=["wrong population"]), by="ann")
    assert snapshot(engine) == before


def test_switching_to_dual_screening_says_what_now_awaits_and_never_strands_a_full_text(engine):
    create_review(engine, "blue", "Blue light", ProtocolChanges(screening={"title_abstract": "single", "full_text": "single"},
                                                                exclusion_reasons=["wrong population"]))
    first, second, third = records(engine, "blue", 3)
    for record in (first, second):
        record_decision(engine, record, "title_abstract", "ann", "include")
    record_decision(engine, third, "title_abstract", "ann", "include")
    record_decision(engine, third, "title_abstract", "bob", "include")
    record_decision(engine, first, "full_text", "ann", "include")
    # Dual at title/abstract would leave `first` (one screener) with a full-text decision it no longer lets through.
    before = snapshot(engine)
    with pytest.raises(InputError, match=rf"from 1 record\(s\) with full-text decisions \(records {first}\); nothing"):
        edit_review(engine, "blue", ProtocolChanges(screening={"title_abstract": "dual"}), by="ann")
    assert snapshot(engine) == before
    # At full text it strands nothing: the one decided full text now awaits its second screener.
    edited = edit_review(engine, "blue", ProtocolChanges(screening={"full_text": "dual"}), by="ann", why="protocol")
    assert (edited.awaiting_before, edited.awaiting_after) == (0, 1)
    # Once bob has screened `first` too, title/abstract may go dual: `second` (ann alone) awaits bob.
    record_decision(engine, first, "title_abstract", "bob", "include")
    edited = edit_review(engine, "blue", ProtocolChanges(screening={"title_abstract": "dual"}), by="ann")
    assert (edited.awaiting_before, edited.awaiting_after) == (1, 2)
