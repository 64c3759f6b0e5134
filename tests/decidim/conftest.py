"""Decidim exports as tests find them: the real ones and broken or extended copies."""

import shutil
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "decidim"
BARCELONA = DATA / "barcelona"
FORMAT = DATA / "format"
PREFIX = "www.decidim.barcelona-open-data-"
PROJECTS = BARCELONA / f"{PREFIX}projects.csv"
RESULT_COMMENTS = BARCELONA / f"{PREFIX}result_comments.csv"
MEETING_COMMENTS = BARCELONA / f"{PREFIX}meeting_comments.csv"


def broken_copy(folder: Path, source: Path, line: int, old: str, new: str) -> Path:
    """A copy of ``source`` in ``folder`` with ``old`` replaced on ``line``."""
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    assert old in lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / source.name
    path.write_text("".join(lines), encoding="utf-8")
    return path


def copy_of(folder: Path, *sources: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for source in sources:
        shutil.copyfile(source, folder / source.name)
    return folder


MEETINGS_HEADER = (
    "id;title/ca;title/es;description/ca;start_time;end_time;address;"
    "participatory_space/id;participatory_space/url;component/id;url"
)


def barcelona_meetings(folder: Path) -> Path:
    """A meetings export of the site Barcelona's meeting comments speak of."""
    space = "https://www.decidim.barcelona/processes/Repensem22a"
    rows = [
        f"{number};Repensem el 22@;Repensamos el 22@;<p>Sessió</p>;"
        f"2017-10-20 16:00:00 UTC;2017-10-20 18:00:00 UTC;Pujades 1;7;{space};120;"
        f"{space}/f/120/meetings/{number}"
        for number in (980, 3664)
    ]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "meetings.csv"
    path.write_text("\n".join([MEETINGS_HEADER, *rows]) + "\n", encoding="utf-8")
    return path


RESULTS_HEADER = (
    "id;parent/id;title/ca;title/es;description/ca;start_date;end_date;"
    "status/key;status/name/ca;progress;component/id;url"
)


def barcelona_results(folder: Path) -> Path:
    """A results export holding the result Barcelona's result comments speak of."""
    url = "https://www.decidim.barcelona/processes/pam/f/8/results/9544"
    row = f"9544;;Naus de Navas;Naves de Navas;<p>Ús cultural</p>;;;;;50;8;{url}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "results.csv"
    path.write_text(f"{RESULTS_HEADER}\n{row}\n", encoding="utf-8")
    return path
