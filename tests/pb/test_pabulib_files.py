"""Real elections from pabulib.org: the computed winners are the funded ones."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.pb import compute, dump, load, parse, winners

DATA = Path(__file__).resolve().parent.parent / "data" / "pabulib"
FILES = sorted(DATA.glob("*.pb"))


def _funded(path: Path) -> set[str]:
    election = load(path)
    return {
        key
        for key, project in election.projects.items()
        if project.fields["selected"].strip() == "1"
    }


def test_every_copied_file_records_what_was_funded() -> None:
    assert len(FILES) == 4
    for path in FILES:
        assert "selected" in next(iter(load(path).projects.values())).fields


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.stem)
def test_the_files_own_rule_selects_the_funded_projects(path: Path) -> None:
    election = load(path)

    decisions = compute(None, election)

    assert set(winners(decisions)) == _funded(path)
    spent = sum(d.cost for d in decisions if d.selected)
    assert spent <= election.budget


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.stem)
def test_a_written_file_reads_back_the_same(path: Path) -> None:
    election = load(path)

    again = parse(dump(election))

    assert again == election
    assert dump(again) == dump(election)


def test_the_winners_command_prints_one_id_a_line() -> None:
    path = DATA / "Poland_Swiecie_2023.pb"

    result = CliRunner().invoke(cli, ["pabulib", "winners", str(path)])

    assert result.exit_code == 0, result.output
    printed = result.output.split()
    assert set(printed) == _funded(path)
    assert len(printed) == len(set(printed))


def test_the_winners_command_names_the_broken_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.pb"
    path.write_text(
        "META\nkey;value\nbudget;100\nPROJECTS\nproject_id;cost\n"
        "a;ten\nVOTES\nvoter_id;vote\n1;a\n",
        encoding="utf-8",
    )

    result = CliRunner().invoke(cli, ["pabulib", "winners", str(path)])

    assert result.exit_code == 2
    assert "line 6" in result.output
