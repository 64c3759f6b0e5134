"""Each rule on small elections worked out by hand."""

from collections.abc import Mapping, Sequence
from fractions import Fraction

import pytest

from app.pb import (
    RULES,
    Election,
    Reason,
    UnknownRuleError,
    VoteType,
    compute,
    winners,
)


def election(
    budget: int,
    costs: Mapping[str, int],
    ballots: Sequence[tuple[int, Mapping[str, int]]],
    **meta: str,
) -> Election:
    """``ballots`` as (how many voters, the ballot) pairs."""
    return Election.build(
        budget=budget,
        costs=costs,
        ballots=[ballot for count, ballot in ballots for _ in range(count)],
        vote_type=VoteType.CUMULATIVE
        if any(p > 1 for _, b in ballots for p in b.values())
        else VoteType.APPROVAL,
        meta=meta,
    )


def reasons(rule: str, poll: Election) -> dict[str, Reason]:
    return {d.project_id: d.reason for d in compute(rule, poll)}


def approve(*keys: str) -> dict[str, int]:
    return dict.fromkeys(keys, 1)


# a: 3 votes, b: 2 votes, c: 1 vote, d: none
SKIPPING = election(
    10,
    {"a": 6, "b": 5, "c": 4, "d": 1},
    [(1, approve("a", "b", "c")), (1, approve("a", "b")), (1, approve("a"))],
)


def test_greedy_skips_what_does_not_fit_and_funds_what_still_does() -> None:
    decisions = compute("greedy", SKIPPING)

    assert winners(decisions) == ["a", "c"]
    assert reasons("greedy", SKIPPING) == {
        "a": Reason.SELECTED,
        "b": Reason.NOT_AFFORDABLE,
        "c": Reason.SELECTED,
        "d": Reason.NO_SUPPORT,
    }
    assert [(d.project_id, d.score, d.position) for d in decisions[:2]] == [
        ("a", 3, 1),
        ("c", 1, 2),
    ]


def test_greedy_without_skipping_stops_at_the_first_that_does_not_fit() -> None:
    assert winners(compute("greedy-no-skip", SKIPPING)) == ["a"]
    assert reasons("greedy-no-skip", SKIPPING) == {
        "a": Reason.SELECTED,
        "b": Reason.NOT_AFFORDABLE,
        "c": Reason.STOPPED,
        "d": Reason.NO_SUPPORT,
    }


def test_greedy_threshold_leaves_out_projects_below_the_minimum_score() -> None:
    poll = election(
        100,
        {"a": 10, "b": 10, "c": 10},
        [(2, approve("a", "b")), (1, approve("a", "c"))],
        min_project_score_threshold="2",
    )

    assert winners(compute("greedy-threshold", poll)) == ["a", "b"]
    assert reasons("greedy-threshold", poll)["c"] is Reason.BELOW_THRESHOLD
    assert winners(compute("greedy", poll)) == ["a", "b", "c"]


def test_greedy_threshold_needs_a_threshold() -> None:
    with pytest.raises(ValueError, match="min_project_score_threshold"):
        compute("greedy-threshold", SKIPPING)


def test_greedy_ties_go_to_the_cheaper_then_to_the_first_listed() -> None:
    poll = election(
        9,
        {"dear": 5, "cheap": 4, "first": 4, "second": 4},
        [(1, approve("dear", "cheap", "first", "second"))],
    )

    assert winners(compute("greedy", poll)) == ["cheap", "first"]


def test_cumulative_points_count_as_score() -> None:
    poll = election(5, {"a": 5, "b": 5}, [(1, {"a": 1, "b": 3}), (1, {"a": 2})])

    assert poll.totals == {"a": 3, "b": 3}
    assert winners(compute("greedy", poll)) == ["a"]  # tie: listed first


def test_money_is_exact() -> None:
    poll = Election.build(
        budget="0.3",
        costs={"a": "0.1", "b": "0.2", "c": "0.01"},
        ballots=[approve("a", "b", "c"), approve("a", "b")],
    )

    decisions = compute("greedy", poll)

    assert winners(decisions) == ["a", "b"]
    assert sum(d.cost for d in decisions if d.selected) == Fraction(3, 10)


# Six voters want x1..x3 (3 each), four want y1, y2 (2 each); budget 10.
PROPORTIONAL = election(
    10,
    {"x1": 3, "x2": 3, "x3": 3, "y1": 2, "y2": 2},
    [(6, approve("x1", "x2", "x3")), (4, approve("y1", "y2"))],
)


def test_equal_shares_gives_each_group_its_share() -> None:
    decisions = compute("equalshares/add1", PROPORTIONAL)

    assert winners(decisions) == ["x1", "x2", "y1", "y2"]
    assert reasons("equalshares/add1", PROPORTIONAL)["x3"] is Reason.SHARES_EXHAUSTED
    assert winners(compute("greedy", PROPORTIONAL)) == ["x1", "x2", "x3"]


def test_the_comparison_step_takes_greedy_when_more_voters_prefer_it() -> None:
    # the six get three projects under greedy and two under Equal Shares; the
    # four get none under greedy: six prefer greedy, four Equal Shares.
    decisions = compute("equalshares/add1-comparison", PROPORTIONAL)

    assert winners(decisions) == ["x1", "x2", "x3"]
    assert {d.reason for d in decisions if not d.selected} == {Reason.NOT_AFFORDABLE}


def test_add1_raises_shares_until_the_outcome_is_exhaustive() -> None:
    # with 1 a voter: y1, y2 (Y pays 1/3 each), x1 (X pays 3/4 each), spending 7
    # while x2 would fit; with 2 a voter x2 is funded too, spending exactly 10.
    poll = election(
        10,
        {"x1": 3, "x2": 3, "x3": 3, "y1": 2, "y2": 2},
        [(4, approve("x1", "x2", "x3")), (6, approve("y1", "y2"))],
    )

    assert winners(compute("equalshares/add1", poll)) == ["y1", "y2", "x1", "x2"]
    assert winners(compute("equalshares/add1-comparison", poll)) == [
        "y1",
        "y2",
        "x1",
        "x2",
    ]


def test_add1_keeps_the_last_outcome_that_fits_the_budget() -> None:
    # x1 (5) and x2 (4) by five voters, y (6) by five, budget 10. With 1 a
    # voter x1 and x2 tie at 5 effective votes and the cheaper x2 wins; then
    # nothing else is affordable, though x1 would fit. With 2 a voter x2, x1
    # and y all tie at 5: x2, then x1, then y are funded, 15 > 10: so {x2}.
    poll = election(
        10,
        {"x1": 5, "x2": 4, "y": 6},
        [(5, approve("x1", "x2")), (5, approve("y"))],
    )

    assert winners(compute("equalshares/add1", poll)) == ["x2"]
    assert reasons("equalshares/add1", poll) == {
        "x2": Reason.SELECTED,
        "x1": Reason.SHARES_EXHAUSTED,
        "y": Reason.SHARES_EXHAUSTED,
    }


def test_equal_shares_breaks_exact_ties_by_cost_then_listing() -> None:
    poll = election(
        4,
        {"late": 2, "early": 2, "dear": 4},
        [(2, approve("late", "early", "dear"))],
    )

    # each costs 2 or 4 and is paid by both voters: all tie at their cost
    # per point; the cheap ones come first, the first listed before the other.
    assert winners(compute("equalshares/add1", poll)) == ["late", "early"]


def test_equal_shares_weighs_cumulative_points() -> None:
    # "a" gets 3 points from one voter, "b" 1 point from the other: with cost
    # utilities and equal costs, both are paid by their supporter alone.
    poll = election(4, {"a": 2, "b": 2, "c": 3}, [(1, {"a": 3, "c": 1}), (1, {"b": 1})])

    assert sorted(winners(compute("equalshares/add1", poll))) == ["a", "b"]


def test_an_empty_election_selects_nothing() -> None:
    poll = election(10, {"a": 3}, [], min_project_score_threshold="1")

    for rule in RULES:
        assert winners(compute(rule, poll)) == []


def test_an_unknown_rule_is_named() -> None:
    with pytest.raises(UnknownRuleError, match="'phragmen'"):
        compute("phragmen", SKIPPING)
    with pytest.raises(UnknownRuleError, match="known: greedy"):
        compute(None, SKIPPING)


def test_the_elections_own_rule_is_used_when_none_is_given() -> None:
    poll = election(
        10,
        {"a": 6, "b": 5},
        [(2, approve("a")), (1, approve("b"))],
        rule="greedy-no-skip",
    )

    assert reasons(None, poll)["b"] is Reason.NOT_AFFORDABLE
