"""Participatory-budgeting outcomes and the pabulib format: pure computation.

Nothing here touches the database or FastAPI; callers bring the data.

What to call::

    from app.pb import Election, compute, winners, load, parse, dump

    election = load("Poland_Swiecie_2023.pb")        # or parse(text_or_stream)
    decisions = compute("equalshares/add1", election)  # or compute(None, e): META rule
    winners(decisions)                                  # ["c1", ...] in selection order
    text = dump(election)                               # pabulib text; write(e, path)

From database rows (approval: 1 point a project; cumulative: the points)::

    election = Election.build(
        budget=Decimal("1000000"),
        costs={"12": 250000, "13": Decimal("99999.50")},   # id -> cost, tie-break order
        ballots=[{"12": 1, "13": 1}, {"13": 1}],          # one mapping per ballot
        vote_type=VoteType.APPROVAL,
        meta={"rule": "greedy-threshold", "min_project_score_threshold": "50"},
    )

To write a file with names and other columns, build the rows yourself:
``Election(budget, {id: Project(id, cost, {"name": ...})}, [Voter(id, vote,
points)], vote_type, meta)``; ``write(election, path)`` writes it.
``election.totals`` gives each project's score, ``election.scores`` each
ballot's points per project.

``compute(rule, election)`` returns one ``Decision`` per project: winners first,
in the order the rule selected them (``position`` 1, 2, ...), then the others
in the election's project order; each has a ``reason`` (``Reason.SELECTED``,
``NOT_AFFORDABLE``, ``STOPPED``, ``BELOW_THRESHOLD``, ``NO_SUPPORT``,
``SHARES_EXHAUSTED``), its total ``score`` and its exact ``cost``. ``RULES``
names the rules; any other name raises ``UnknownRuleError`` (a ``ValueError``).
A malformed file raises ``PabulibError`` (a ``ValueError`` with ``.line``).
Money is ``fractions.Fraction`` throughout; ``format_amount`` prints it.
The rules and their tie-break are described in ``app.pb.rules``.
"""

from app.pb.election import (
    Decision,
    Election,
    Project,
    Reason,
    Voter,
    VoteType,
    money,
    winners,
)
from app.pb.pabulib import PabulibError, dump, format_amount, load, parse, write
from app.pb.rules import RULES, UnknownRuleError, compute

__all__ = [
    "RULES",
    "Decision",
    "Election",
    "PabulibError",
    "Project",
    "Reason",
    "UnknownRuleError",
    "VoteType",
    "Voter",
    "compute",
    "dump",
    "format_amount",
    "load",
    "money",
    "parse",
    "winners",
    "write",
]
