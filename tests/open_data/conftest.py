"""Download helpers: the zip read into files, CSV parsed by header, JSON Lines."""

import csv
import io
import json
import zipfile
from typing import Any

import httpx

API = "/api/v1"


class Export:
    """The open data zip as a visitor reads it."""

    def __init__(self, content: bytes) -> None:
        self.archive = zipfile.ZipFile(io.BytesIO(content))

    def names(self) -> set[str]:
        return set(self.archive.namelist())

    def text(self, name: str) -> str:
        return self.archive.read(name).decode("utf-8")

    def rows(self, entity: str) -> list[dict[str, str]]:
        return list(
            csv.DictReader(io.StringIO(self.text(f"{entity}.csv")), delimiter=";")
        )

    def header(self, entity: str) -> list[str]:
        return self.text(f"{entity}.csv").splitlines()[0].split(";")

    def records(self, entity: str) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text(f"{entity}.jsonl").splitlines()]

    def everything(self) -> str:
        return "".join(self.text(name) for name in sorted(self.names()))


async def download(client: httpx.AsyncClient) -> Export:
    response = await client.get(f"{API}/open-data")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    return Export(response.content)
