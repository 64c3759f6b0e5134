"""Pabulib files: reading them and computing outcomes, beside pabutools.

Pure computation: no database. For each file, times reading it (``app.pb.load``)
and computing each rule, and measures the peak memory that allocated (tracemalloc,
in a separate untimed run so that tracing does not slow the timings). The
baseline is pabutools, the academic reference (install the ``bench`` extra),
computing the same outcome on the same file; it is skipped when not installed.
"""

import argparse
import gc
import resource
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from app.pb import Election, compute, load, winners

DATA = Path("/work/shared/data/pabulib")
DEFAULT_FILES = ["Poland_Lodz_2022.pb", "Poland_Swiecie_2023.pb"]
EQUAL_SHARES = "equalshares/add1"


@dataclass(frozen=True)
class Figure:
    seconds: float
    cpu_seconds: float
    peak_mib: float

    def cells(self, digits: int = 2) -> list[str]:
        return [
            f"{self.seconds:.{digits}f}",
            f"{self.cpu_seconds:.{digits}f}",
            f"{self.peak_mib:.1f}",
        ]


def measure(run: Callable[[], object], repeat: int) -> Figure:
    """Median wall and CPU time of ``repeat`` runs, then one traced run's peak."""
    samples, cpu = [], []
    for _ in range(repeat):
        gc.collect()
        started, started_cpu = time.perf_counter(), time.process_time()
        run()
        samples.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    gc.collect()
    tracemalloc.start()
    run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return Figure(statistics.median(samples), statistics.median(cpu), peak / 2**20)


def ours(path: Path, rule: str | None, repeat: int) -> tuple[Figure, Figure, set[str]]:
    parsing = measure(lambda: load(path), repeat)
    election = load(path)
    # a copy has no cached scores: tallying the ballots is part of the outcome
    outcome = measure(lambda: compute(rule, replace(election)), repeat)
    return parsing, outcome, set(winners(compute(rule, election)))


def pabutools_outcome(
    path: Path, rule: str, repeat: int
) -> tuple[Figure, Figure, set[str]] | None:
    try:
        from pabutools.election import Cost_Sat, parse_pabulib
    except ImportError:
        return None
    parsing = measure(lambda: parse_pabulib(str(path)), repeat)
    instance, profile = parse_pabulib(str(path))
    multiprofile = profile.as_multiprofile()

    def run() -> Any:
        return _pabutools_rule(rule, instance, profile, multiprofile, Cost_Sat)

    outcome = measure(run, repeat)
    return parsing, outcome, {project.name for project in run()}


def _pabutools_rule(
    rule: str, instance: Any, profile: Any, multiprofile: Any, cost_sat: Any
) -> Any:
    from pabutools.election import Instance
    from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares

    if rule.startswith("equalshares"):
        return method_of_equal_shares(
            instance, multiprofile, sat_class=cost_sat, voter_budget_increment=1
        )
    if rule == "greedy-threshold":
        threshold = float(instance.meta["min_project_score_threshold"])
        kept = Instance(
            (p for p in instance if profile.approval_score(p) >= threshold),
            budget_limit=instance.budget_limit,
        )
        return greedy_utilitarian_welfare(kept, multiprofile, sat_class=cost_sat)
    return greedy_utilitarian_welfare(instance, multiprofile, sat_class=cost_sat)


def describe(path: Path, election: Election) -> str:
    return (
        f"{path.stem}: {len(election.voters):,} ballots, "
        f"{len(election.projects)} projects, {election.vote_type.value}, "
        f"META rule {election.rule}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "files", nargs="*", help="pabulib files (default: Łódź, Świecie)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of ours")
    parser.add_argument(
        "--baseline-repeat", type=int, default=1, help="timed runs of pabutools"
    )
    parser.add_argument(
        "--no-baseline", action="store_true", help="skip pabutools even if installed"
    )
    options = parser.parse_args()
    paths = [Path(f) for f in options.files] or [DATA / f for f in DEFAULT_FILES]
    rows = []
    for path in paths:
        election = load(path)
        print(describe(path, election))
        rules = [election.rule or EQUAL_SHARES]
        if EQUAL_SHARES not in rules and election.vote_type.value == "approval":
            rules.append(EQUAL_SHARES)
        for rule in rules:
            rows.append(_row(path, rule, options))
    _report(rows)
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak resident memory of the whole run: {peak_rss:.0f} MiB")


def _row(path: Path, rule: str, options: argparse.Namespace) -> list[str]:
    parsing, outcome, mine = ours(path, rule, options.repeat)
    base = None
    if not options.no_baseline:
        base = pabutools_outcome(path, rule, options.baseline_repeat)
    cells = [path.stem, rule, *parsing.cells(), *outcome.cells()]
    if base is None:
        return [*cells, *["-"] * 7]
    base_parsing, base_outcome, theirs = base
    same = "yes" if theirs == mine else f"no: {sorted(theirs ^ mine)}"
    return [*cells, *base_parsing.cells(), *base_outcome.cells(), same]


def _report(rows: list[list[str]]) -> None:
    print("\n### Pabulib: read and compute\n")
    measures = ["s", "CPU s", "peak MiB"]
    heads = [
        f"{who}{what} {measure}"
        for who in ("", "pabutools ")
        for what in ("read", "outcome")
        for measure in measures
    ]
    print("| file | rule | " + " | ".join(heads) + " | same winners |")
    print("| --- | --- |" + " ---: |" * len(heads) + " --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
