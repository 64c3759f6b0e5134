"""Reading and writing pabulib text: scores per vote type, and clear errors."""

from fractions import Fraction

import pytest

from app.pb import Election, PabulibError, VoteType, dump, parse

PROJECTS = "PROJECTS\nproject_id;cost;name\na;100;Park\nb;250.50;School\nc;50;Bus\n"


def text(vote_type: str, votes: str, *meta: str) -> str:
    head = "\n".join(
        ["META", "key;value", "budget;300", f"vote_type;{vote_type}", *meta]
    )
    return f"{head}\n{PROJECTS}{votes}"


def test_approval_gives_one_point_a_project() -> None:
    poll = parse(text("approval", "VOTES\nvoter_id;vote;age\n1;a,b;30\n2;b;41\n"))

    assert poll.totals == {"a": 1, "b": 2, "c": 0}
    assert poll.projects["b"].cost == Fraction(501, 2)
    assert poll.projects["b"].name == "School"
    assert poll.voters[0].fields == {"age": "30"}


def test_cumulative_gives_the_points() -> None:
    votes = "VOTES\nvoter_id;vote;points\n1;a,b;2,1\n2;c;3\n"

    poll = parse(text("cumulative", votes))

    assert poll.vote_type is VoteType.CUMULATIVE
    assert poll.totals == {"a": 2, "b": 1, "c": 3}


def test_ordinal_gives_max_length_minus_rank_plus_one() -> None:
    votes = "VOTES\nvoter_id;vote\n1;c,a,b\n2;a\n"

    poll = parse(text("ordinal", votes, "max_length;3"))

    assert poll.scores == [{"c": 3, "a": 2, "b": 1}, {"a": 3}]
    assert poll.totals == {"a": 5, "b": 1, "c": 3}


def test_choose_one_gives_a_vote() -> None:
    poll = parse(text("choose-1", "VOTES\nvoter_id;vote\n1;a\n2;a\n3;c\n"))

    assert poll.vote_type is VoteType.CHOOSE_ONE
    assert poll.totals == {"a": 2, "b": 0, "c": 1}


def test_a_semicolon_inside_quotes_is_text() -> None:
    source = text("approval", "VOTES\nvoter_id;vote\n1;a\n").replace(
        "Park", '"Park; with trees"'
    )

    poll = parse(source)

    assert poll.projects["a"].name == "Park; with trees"
    assert parse(dump(poll)).projects == poll.projects


def test_an_election_built_from_rows_writes_a_file_that_reads_back() -> None:
    poll = Election.build(
        budget="1000.25",
        costs={"7": 400, "9": "600.25"},
        ballots=[{"7": 2, "9": 1}, {"9": 3}],
        vote_type=VoteType.CUMULATIVE,
        meta={"rule": "greedy"},
    )

    written = dump(poll)

    assert "budget;1000.25" in written
    assert "9;600.25" in written
    assert "1;7,9;2,1" in written
    assert parse(written) == Election(
        poll.budget,
        poll.projects,
        poll.voters,
        poll.vote_type,
        {
            "rule": "greedy",
            "budget": "1000.25",
            "vote_type": "cumulative",
            "num_projects": "2",
            "num_votes": "2",
        },
    )


@pytest.mark.parametrize(
    ("source", "line", "message"),
    [
        ("budget;3\nMETA\nkey;value\n", 1, "expected a section name"),
        (
            text("approval", "VOTES\nvoter_id;vote\n1;a\n").replace(
                "budget;300", "currency;PLN"
            ),
            3,
            "no budget",
        ),
        (
            text("approval", "VOTES\nvoter_id;vote\n1;a\n").replace(
                "budget;300", "budget;lots"
            ),
            3,
            "budget",
        ),
        (text("rankings", "VOTES\nvoter_id;vote\n1;a\n"), 4, "unknown vote_type"),
        (
            text("approval", "VOTES\nvoter_id;vote\n1;a\n").replace("250.50", "-3"),
            8,
            "cost of b",
        ),
        (
            text("approval", "VOTES\nvoter_id;vote\n1;a\n").replace("c;50", "a;50"),
            9,
            "repeated",
        ),
        (
            text("approval", "VOTES\nvoter_id;vote\n1;a\n2;z\n"),
            13,
            "unknown project 'z'",
        ),
        (
            text("approval", "VOTES\nvoter_id;vote\n1;a;extra\n"),
            12,
            "expected 2 fields",
        ),
        (text("approval", "VOTES\nvoter_id;vote\n1;a\n1;b\n"), 13, "voter id '1'"),
        (text("approval", "VOTES\nvoter_id;vote\n1;a,a\n"), 12, "twice"),
        (text("choose-1", "VOTES\nvoter_id;vote\n1;a,b\n"), 12, "more than one"),
        (text("cumulative", "VOTES\nvoter_id;vote\n1;a\n"), 11, "no points column"),
        (
            text("cumulative", "VOTES\nvoter_id;vote;points\n1;a,b;2\n"),
            12,
            "one non-negative",
        ),
        (
            text("cumulative", "VOTES\nvoter_id;vote;points\n1;a;x\n"),
            12,
            "whole numbers",
        ),
        (text("approval", ""), 9, "without a VOTES section"),
        (text("approval", "VOTES\n"), 10, "VOTES has no header"),
        (text("approval", "VOTES\nvoter_id;ballot\n"), 11, "no vote column"),
        (
            text("approval", "VOTES\nvoter_id;vote\n1;a\n").replace(
                "PROJECTS", "VOTES"
            ),
            10,
            "repeated",
        ),
    ],
)
def test_a_broken_file_names_its_line(source: str, line: int, message: str) -> None:
    with pytest.raises(PabulibError, match=message) as caught:
        parse(source)

    assert caught.value.line == line
    assert str(caught.value).startswith(f"line {line}: ")
