"""Search results: hits with their highlighted extract, and counts per type."""

from pydantic import BaseModel, Field

from app.schemas.base import Timestamp


class SearchHit(BaseModel):
    type: str = Field(description="The kind of resource: proposal, meeting, ...")
    id: int
    space_id: int | None
    title: dict[str, str] = Field(
        description="The title per locale; comments have none."
    )
    snippet: str = Field(
        description=(
            "An extract of the text, HTML-escaped, the matched words in `<mark>`."
        )
    )
    rank: float = Field(description="Relevance; hits come best first.")
    date: Timestamp | None = Field(
        description="Publication time, or a meeting's start: what `since` and "
        "`until` filter on."
    )


class SearchPage(BaseModel):
    items: list[SearchHit]
    next_cursor: str | None
    counts: dict[str, int] = Field(
        description="Hits per type for this query and filters, the type filter "
        "aside; on the first page only (empty on the next ones)."
    )
