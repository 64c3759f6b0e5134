"""The rules that turn ballots into funded projects, with exact arithmetic.

Rules (the names pabulib's META ``rule`` uses):

- ``greedy``: projects by score, highest first; each is funded when its cost
  fits what is left of the budget, and skipped otherwise.
- ``greedy-no-skip``: the same, but the first project that does not fit ends
  the selection.
- ``greedy-threshold``: ``greedy`` among the projects whose score reaches the
  threshold (META ``min_project_score_threshold``).
- ``equalshares/add1``: the Method of Equal Shares with cost utilities (a
  voter's utility for a project is its cost times the score the voter gave
  it; for approval, its cost), completed by "add one": the per-voter budget
  rises by one currency unit at a time while the outcome is not exhaustive and
  the raised budget's outcome still fits the real budget (equalshares.net).
- ``equalshares/add1-comparison``: ``equalshares/add1``, then compared with
  ``greedy``: when more voters prefer the greedy outcome (it funds more of the
  projects on their ballot) than prefer Equal Shares', greedy's is used
  (equalshares.net's comparison step).

Ties are broken deterministically. Greedy rules: the higher score first, then
the lower cost, then the project's position in the election (file order). Equal
Shares: the more effective votes first, then the lower cost, then the higher
score, then the position (equalshares.net's order, made total).

Equal Shares runs on ballots grouped by their content, with budgets held as
levels: voters with equal remaining budgets are interchangeable, so a project's
supporters are tallied by (budget level, weight) instead of one by one, all in
integers (money scaled, the unit refined when a price needs it). Effective vote
counts only fall as budgets are spent, so they are re-evaluated lazily: a
project whose last count is below the best found this round is not looked at.
"""

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import lcm

from app.pb.election import Decision, Election, Reason


class UnknownRuleError(ValueError):
    """The rule name is not one Decide computes."""

    def __init__(self, rule: str | None) -> None:
        known = ", ".join(RULES)
        super().__init__(f"unknown rule {rule!r} (known: {known})")
        self.rule = rule


def compute(rule: str | None, election: Election) -> list[Decision]:
    """One decision per project, winners first in the order they were selected.

    ``rule`` is one of ``RULES``; ``None`` means the election's META ``rule``.
    """
    name = (rule or election.rule or "").strip()
    if name not in RULES:
        raise UnknownRuleError(rule or election.rule)
    return RULES[name](election)


def greedy(election: Election) -> list[Decision]:
    """Fund by score, skipping what does not fit."""
    return _greedy(election, skip=True, threshold=None)


def greedy_no_skip(election: Election) -> list[Decision]:
    """Fund by score until the first project that does not fit."""
    return _greedy(election, skip=False, threshold=None)


def greedy_threshold(election: Election) -> list[Decision]:
    """Fund by score among projects that reach META's threshold, skipping."""
    threshold = election.threshold
    if threshold is None:
        raise ValueError("greedy-threshold needs META min_project_score_threshold")
    return _greedy(election, skip=True, threshold=threshold)


def _greedy(
    election: Election, *, skip: bool, threshold: Fraction | None
) -> list[Decision]:
    totals = election.totals
    left = election.budget
    stopped = False
    selected: list[str] = []
    reasons: dict[str, Reason] = {}
    for key in _by_score(election):
        cost = election.projects[key].cost
        if totals[key] <= 0:
            reasons[key] = Reason.NO_SUPPORT
        elif threshold is not None and totals[key] < threshold:
            reasons[key] = Reason.BELOW_THRESHOLD
        elif stopped:
            reasons[key] = Reason.STOPPED
        elif cost > left:
            reasons[key] = Reason.NOT_AFFORDABLE
            stopped = not skip
        else:
            left -= cost
            selected.append(key)
    return _decisions(election, selected, reasons)


def _by_score(election: Election) -> list[str]:
    totals = election.totals
    order = {key: index for index, key in enumerate(election.projects)}
    projects = election.projects
    return sorted(projects, key=lambda k: (-totals[k], projects[k].cost, order[k]))


def _decisions(
    election: Election, selected: Sequence[str], reasons: Mapping[str, Reason]
) -> list[Decision]:
    totals = election.totals
    projects = election.projects
    decisions = [
        Decision(key, Reason.SELECTED, totals[key], projects[key].cost, position)
        for position, key in enumerate(selected, start=1)
    ]
    chosen = set(selected)
    decisions.extend(
        Decision(key, reasons[key], totals[key], projects[key].cost)
        for key in projects
        if key not in chosen
    )
    return decisions


# The Method of Equal Shares ---------------------------------------------------


Money = Fraction | int


@dataclass(frozen=True)
class _Prepared:
    """An election reduced to what Equal Shares reads, money scaled to ints."""

    voters: int
    scale: int
    costs: list[int]
    totals: list[int]
    groups: list[tuple[int, tuple[tuple[int, int], ...]]]
    """Distinct ballots: (how many voters cast it, ((project, weight), ...))."""
    supporters: list[list[tuple[int, int]]]
    """Per project: (group, weight) of every group that scores it."""
    width: int
    """Tally keys are ``level * width + weight``: one more than the top weight."""
    tallies: list[dict[int, int]]
    """Per project, voters by weight, all still at the first level."""
    counts: list[int]
    members: list[tuple[int, ...]]
    groups_of: list[list[int]]
    """``groups`` and ``supporters`` without the weights (for approval)."""

    @property
    def eligible(self) -> dict[int, int]:
        """Projects Equal Shares may fund (supported, not free) -> total score."""
        return {
            project: total
            for project, total in enumerate(self.totals)
            if total > 0 and self.costs[project] > 0
        }


def _prepare(election: Election, keys: Sequence[str]) -> _Prepared:
    index = {key: position for position, key in enumerate(keys)}
    projects = election.projects
    scale = lcm(
        election.budget.denominator, *(p.cost.denominator for p in projects.values())
    )
    costs = [int(projects[key].cost * scale) for key in keys]
    counted = Counter(
        tuple(sorted((index[k], w) for k, w in ballot.items() if costs[index[k]] > 0))
        for ballot in election.scores
    )
    groups = [(count, items) for items, count in counted.items() if items]
    supporters: list[list[tuple[int, int]]] = [[] for _ in keys]
    tallies: list[dict[int, int]] = [defaultdict(int) for _ in keys]
    totals = [0] * len(keys)
    for number, (count, items) in enumerate(groups):
        for project, weight in items:
            supporters[project].append((number, weight))
            tallies[project][weight] += count
            totals[project] += weight * count
    width = 1 + max((w for _, items in groups for _, w in items), default=1)
    return _Prepared(
        len(election.voters),
        scale,
        costs,
        totals,
        groups,
        supporters,
        width,
        [dict(tally) for tally in tallies],
        [count for count, _ in groups],
        [tuple(project for project, _ in items) for _, items in groups],
        [[group for group, _ in pairs] for pairs in supporters],
    )


def _fixed_budget(prepared: _Prepared, share: Money) -> list[int]:
    """Equal Shares with ``share`` (scaled money) for each voter: the winners."""
    return _EqualShares(prepared, share).run()


class _EqualShares:
    """One run of Equal Shares for a fixed share per voter, in integers.

    Voters with the same remaining budget are interchangeable, so budgets are
    levels: ``level[n]`` is a budget, each ballot group sits at one level (-1
    once it has nothing left), and a project's tally counts its supporters by
    (level, weight). Levels are integers in units of ``1/unit`` of the scaled
    money; when a price needs a finer unit, every level is multiplied up.
    """

    def __init__(self, prepared: _Prepared, share: Money) -> None:
        share = Fraction(share)
        self.p = prepared
        self.unit = share.denominator
        self.level: list[int] = [share.numerator]
        self.level_of: dict[int, int] = {share.numerator: 0}
        self.at = [0] * len(prepared.groups)
        self.tallies = [dict(tally) for tally in prepared.tallies]
        self.bound: dict[int, Money] = dict(prepared.eligible)

    def run(self) -> list[int]:
        winners: list[int] = []
        while (best := self._best()) is not None:
            project, effective = best
            winners.append(project)
            del self.bound[project]
            price = self.p.costs[project] * self.unit / Fraction(effective)
            self._refine(price.denominator)
            self._charge(project, price.numerator)
        return winners

    def _best(self) -> tuple[int, Money] | None:
        """The project with the most effective votes, after the tie-break."""
        bound = self.bound
        best: list[int] = []
        best_value: Money = 0
        for project in sorted(bound, key=bound.__getitem__, reverse=True):
            if bound[project] < best_value:
                break
            value = self._effective_votes(project)
            if value is None:
                del bound[project]
                continue
            bound[project] = value
            if value > best_value:
                best, best_value = [project], value
            elif value == best_value:
                best.append(project)
        if not best:
            return None
        costs, totals = self.p.costs, self.p.totals
        return min(best, key=lambda p: (costs[p], -totals[p], p)), best_value

    def _effective_votes(self, project: int) -> Money | None:
        """cost / rho, rho the price per point that pays it; None if unaffordable."""
        cost = self.p.costs[project] * self.unit
        width, level = self.p.width, self.level
        rows = [
            (level[key // width], key % width, n)
            for key, n in self.tallies[project].items()
        ]
        if sum(budget * n for budget, _, n in rows) < cost:
            return None
        rows.sort(key=_budget_per_point)
        paid = 0
        points = sum(weight * n for _, weight, n in rows)
        for budget, weight, n in rows:
            if (cost - paid) * weight <= budget * points:
                return Fraction(cost * points, cost - paid)
            paid += budget * n
            points -= weight * n
        raise AssertionError("an affordable project is always paid")

    def _refine(self, factor: int) -> None:
        """Make the unit ``factor`` times finer (all levels stay integers)."""
        if factor == 1:
            return
        self.unit *= factor
        self.level = [budget * factor for budget in self.level]
        self.level_of = {budget: number for number, budget in enumerate(self.level)}

    def _charge(self, winner: int, price: int) -> None:
        """Each supporter pays ``price`` per point, or all that is left."""
        if self.p.width == 2:
            self._charge_approval(winner, price)
            return
        groups, at, bound, tallies = self.p.groups, self.at, self.bound, self.tallies
        width = self.p.width
        moved: dict[int, int] = {}
        for group, weight in self.p.supporters[winner]:
            old = at[group]
            if old < 0:
                continue
            new = moved.get(old * width + weight)
            if new is None:
                new = moved[old * width + weight] = self._pay(old, price * weight)
            at[group] = new
            count, items = groups[group]
            for other, other_weight in items:
                if other in bound:
                    tally = tallies[other]
                    key = old * width + other_weight
                    left = tally[key] - count
                    if left:
                        tally[key] = left
                    else:
                        del tally[key]
                    if new >= 0:
                        key = new * width + other_weight
                        tally[key] = tally.get(key, 0) + count

    def _charge_approval(self, winner: int, price: int) -> None:
        """``_charge`` when every weight is 1: tally keys are ``2 * level + 1``."""
        at, bound, tallies = self.at, self.bound, self.tallies
        counts, members = self.p.counts, self.p.members
        moved: dict[int, int] = {}
        for group in self.p.groups_of[winner]:
            old = at[group]
            if old < 0:
                continue
            new = moved.get(old)
            if new is None:
                new = moved[old] = self._pay(old, price)
            at[group] = new
            count = counts[group]
            old_key, new_key = 2 * old + 1, 2 * new + 1
            for other in members[group]:
                if other in bound:
                    tally = tallies[other]
                    left = tally[old_key] - count
                    if left:
                        tally[old_key] = left
                    else:
                        del tally[old_key]
                    if new_key > 0:
                        tally[new_key] = tally.get(new_key, 0) + count

    def _pay(self, old: int, payment: int) -> int:
        """The level left after paying ``payment`` from level ``old``; -1 if none."""
        budget = self.level[old] - payment
        if budget <= 0:
            return -1
        number = self.level_of.get(budget)
        if number is None:
            number = self.level_of[budget] = len(self.level)
            self.level.append(budget)
        return number


def _budget_per_point(row: tuple[int, int, int]) -> Money:
    budget, weight, _ = row
    return budget if weight == 1 else Fraction(budget, weight)


def equal_shares_add1(election: Election) -> list[Decision]:
    """Equal Shares with cost utilities, completed by raising shares by 1."""
    keys = list(election.projects)
    prepared = _prepare(election, keys)
    chosen = _add1(election, prepared, keys)
    return _equal_shares_decisions(election, prepared, keys, chosen)


def equal_shares_add1_comparison(election: Election) -> list[Decision]:
    """Equal Shares (add1), unless more voters prefer the greedy outcome."""
    keys = list(election.projects)
    prepared = _prepare(election, keys)
    chosen = _add1(election, prepared, keys)
    greedy_outcome = greedy(election)
    greedy_winners = {d.project_id for d in greedy_outcome if d.selected}
    if _prefer_greedy(election, {keys[p] for p in chosen}, greedy_winners):
        return greedy_outcome
    return _equal_shares_decisions(election, prepared, keys, chosen)


def _add1(election: Election, prepared: _Prepared, keys: Sequence[str]) -> list[int]:
    costs = [election.projects[key].cost for key in keys]
    budget, voters = election.budget, prepared.voters
    if voters == 0:
        return []
    eligible = len(prepared.eligible)
    chosen = _fixed_budget(prepared, budget * prepared.scale / voters)
    share = int(budget / voters)
    while len(chosen) < eligible and not _exhaustive(costs, chosen, budget):
        share += 1
        raised = _fixed_budget(prepared, share * prepared.scale)
        if sum(costs[p] for p in raised) > budget:
            break
        chosen = raised
    return chosen


def _exhaustive(
    costs: Sequence[Fraction], chosen: Sequence[int], budget: Fraction
) -> bool:
    """No project left out would still fit what is left of the budget."""
    left = budget - sum(costs[p] for p in chosen)
    taken = set(chosen)
    return all(cost > left for p, cost in enumerate(costs) if p not in taken)


def _equal_shares_decisions(
    election: Election, prepared: _Prepared, keys: Sequence[str], chosen: Sequence[int]
) -> list[Decision]:
    reasons = {
        key: Reason.SHARES_EXHAUSTED
        if prepared.totals[p] and prepared.costs[p]
        else Reason.NO_SUPPORT
        for p, key in enumerate(keys)
    }
    return _decisions(election, [keys[p] for p in chosen], reasons)


def _prefer_greedy(election: Election, mes: set[str], greedy_set: set[str]) -> bool:
    """More voters fund more of their ballot under greedy than under Equal Shares."""
    margin = 0
    for ballot in election.scores:
        under_mes = sum(1 for key in ballot if key in mes)
        under_greedy = sum(1 for key in ballot if key in greedy_set)
        margin += (under_greedy > under_mes) - (under_mes > under_greedy)
    return margin > 0


RULES: dict[str, Callable[[Election], list[Decision]]] = {
    "greedy": greedy,
    "greedy-no-skip": greedy_no_skip,
    "greedy-threshold": greedy_threshold,
    "equalshares/add1": equal_shares_add1,
    "equalshares/add1-comparison": equal_shares_add1_comparison,
}
"""Rule name (as pabulib's META ``rule`` writes it) -> the rule."""
