"""The shape of a participatory-budgeting election and of its outcome.

Money is exact: budgets and costs are ``Fraction`` (``Fraction("1925834.77")``
is exactly that amount), so no rule ever compares rounded floats.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from functools import cached_property
from typing import TypeAlias

Amount: TypeAlias = Fraction | int | Decimal | str


class VoteType(StrEnum):
    """How a ballot is written, and so how it scores the projects it names."""

    APPROVAL = "approval"
    CUMULATIVE = "cumulative"
    SCORING = "scoring"
    ORDINAL = "ordinal"
    CHOOSE_ONE = "choose-1"

    @classmethod
    def parse(cls, text: str) -> "VoteType":
        """The vote type named ``text`` (``choose-one`` is read as ``choose-1``)."""
        name = text.strip().lower()
        return cls("choose-1" if name == "choose-one" else name)

    @property
    def has_points(self) -> bool:
        return self in (VoteType.CUMULATIVE, VoteType.SCORING)


def money(amount: Amount) -> Fraction:
    """``amount`` as an exact fraction; ``ValueError`` when it is not a number."""
    value = Fraction(amount.strip() if isinstance(amount, str) else amount)
    if value < 0:
        raise ValueError(f"negative amount {amount}")
    return value


@dataclass(frozen=True, slots=True)
class Project:
    """One project: its id, its exact cost, and the other columns as written."""

    id: str
    cost: Fraction
    fields: Mapping[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.fields.get("name", "")


@dataclass(frozen=True, slots=True)
class Voter:
    """One ballot: the projects in ballot order (best first when ordinal).

    ``points`` holds the points given to each project of ``vote`` for cumulative
    and scoring ballots, and is ``None`` for the others.
    """

    id: str
    vote: tuple[str, ...]
    points: tuple[int, ...] | None = None
    fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Election:
    """Everything a rule needs: the budget, the projects, the ballots.

    ``projects`` keeps its order (the file's, or the caller's): it is the last
    tie-break of every rule. ``meta`` holds the pabulib META keys as written.
    """

    budget: Fraction
    projects: Mapping[str, Project]
    voters: Sequence[Voter]
    vote_type: VoteType = VoteType.APPROVAL
    meta: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        *,
        budget: Amount,
        costs: Mapping[str, Amount],
        ballots: Iterable[Mapping[str, int]],
        vote_type: VoteType = VoteType.APPROVAL,
        meta: Mapping[str, str] | None = None,
    ) -> "Election":
        """An election from plain data, such as rows read from the database.

        ``costs`` maps project id to cost, in tie-break order; each ballot maps
        project id to its points (1 for approval and choose-one). Ordinal
        ballots need their order: build ``Voter`` rows for those instead.
        """
        if vote_type is VoteType.ORDINAL:
            raise ValueError("ordinal ballots need Voter rows with their order")
        projects = {key: Project(key, money(cost)) for key, cost in costs.items()}
        voters = [
            _voter_from_scores(str(index), scores, vote_type)
            for index, scores in enumerate(ballots, start=1)
        ]
        for voter in voters:
            _check_known(voter, projects)
        return cls(money(budget), projects, voters, vote_type, dict(meta or {}))

    @property
    def rule(self) -> str | None:
        """The rule the META names, if any."""
        return self.meta.get("rule") or None

    @property
    def threshold(self) -> Fraction | None:
        """META ``min_project_score_threshold``: the least score that may win."""
        text = self.meta.get("min_project_score_threshold", "").strip()
        return Fraction(text) if text else None

    @property
    def max_length(self) -> int:
        """Ordinal scores count down from this (META, else the longest ballot)."""
        text = self.meta.get("max_length", "").strip()
        if text:
            return int(text)
        return max((len(voter.vote) for voter in self.voters), default=0)

    @cached_property
    def scores(self) -> list[dict[str, int]]:
        """Each ballot as project id -> points it gives (all positive)."""
        return [self._ballot_scores(voter) for voter in self.voters]

    @cached_property
    def totals(self) -> dict[str, int]:
        """Each project's total score over all ballots (0 when unsupported)."""
        totals = dict.fromkeys(self.projects, 0)
        for ballot in self.scores:
            for key, points in ballot.items():
                totals[key] += points
        return totals

    def _ballot_scores(self, voter: Voter) -> dict[str, int]:
        if self.vote_type is VoteType.ORDINAL:
            top = self.max_length
            return {key: top - rank for rank, key in enumerate(voter.vote)}
        if voter.points is not None:
            return {k: p for k, p in zip(voter.vote, voter.points, strict=True) if p}
        return dict.fromkeys(voter.vote, 1)


def _voter_from_scores(
    voter_id: str, scores: Mapping[str, int], vote_type: VoteType
) -> Voter:
    ordered = sorted(scores.items(), key=lambda item: -item[1])
    if any(points <= 0 for _, points in ordered):
        raise ValueError(f"ballot {voter_id} gives a non-positive score")
    vote = tuple(key for key, _ in ordered)
    if vote_type.has_points:
        return Voter(voter_id, vote, tuple(points for _, points in ordered))
    return Voter(voter_id, vote)


def _check_known(voter: Voter, projects: Mapping[str, Project]) -> None:
    for key in voter.vote:
        if key not in projects:
            raise ValueError(f"ballot {voter.id} names unknown project {key}")


class Reason(StrEnum):
    """Why a project was or was not selected."""

    SELECTED = "selected"
    NOT_AFFORDABLE = "not_affordable"
    """Greedy: its cost exceeded what was left of the budget when its turn came."""
    STOPPED = "stopped"
    """Greedy without skipping: a better-scored project did not fit, so the
    selection stopped before this one."""
    BELOW_THRESHOLD = "below_threshold"
    """Its score is below the minimum score a winner needs."""
    NO_SUPPORT = "no_support"
    """No ballot scores it (or it costs nothing to fund)."""
    SHARES_EXHAUSTED = "shares_exhausted"
    """Equal Shares: its supporters' remaining shares could not pay for it (or
    funding it would overspend the budget)."""


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome for one project: selected or not, and why."""

    project_id: str
    reason: Reason
    score: int
    cost: Fraction
    position: int | None = None
    """1-based order in which the rule selected it; None when not selected."""

    @property
    def selected(self) -> bool:
        return self.reason is Reason.SELECTED


def winners(decisions: Iterable[Decision]) -> list[str]:
    """The selected project ids, in the order the rule selected them."""
    chosen = [d for d in decisions if d.selected]
    return [d.project_id for d in sorted(chosen, key=lambda d: d.position or 0)]
