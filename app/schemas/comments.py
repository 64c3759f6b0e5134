"""Bodies of the comments endpoints: threads on any commentable resource."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field

from app.models.comments import MAX_DEPTH, Alignment, Comment
from app.models.users import User
from app.schemas.base import Id, ReadModel, RequestModel

MAX_BODY = 1_000

ResourceType = Annotated[
    str,
    Field(
        pattern=r"^[a-z_]{1,40}$",
        description="A kind of resource (debate, proposal, post...).",
        examples=["debate"],
    ),
]
CommentBody = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_BODY,
        description=(
            f"At most {MAX_BODY:,} characters (Unicode code points), or fewer if "
            "the component sets a lower limit; sanitised to a small HTML allowlist."
        ),
    ),
]


class CommentOrder(StrEnum):
    OLDEST = "oldest"
    RECENT = "recent"
    BEST_RATED = "best_rated"


class CommentCreate(RequestModel):
    resource_type: ResourceType
    resource_id: Id
    body: CommentBody
    alignment: Alignment = Field(
        Alignment.NEUTRAL, description="Whether the comment is for or against."
    )


class ReplyCreate(RequestModel):
    body: CommentBody
    alignment: Alignment = Alignment.NEUTRAL


class CommentUpdate(RequestModel):
    body: CommentBody


class VoteDirection(StrEnum):
    UP = "up"
    DOWN = "down"


class VoteCast(RequestModel):
    direction: VoteDirection = Field(
        description="Up or down; casting again replaces the previous vote."
    )


class CommentAuthor(ReadModel):
    id: int
    name: str
    nickname: str


class CommentRead(ReadModel):
    """A comment; a deleted or hidden one keeps its place with no body and no
    author."""

    id: int
    resource_type: str
    resource_id: int
    parent_id: int | None
    depth: int = Field(
        ge=0, le=MAX_DEPTH, description=f"0 to {MAX_DEPTH}; replies go one deeper."
    )
    body: str | None
    alignment: Alignment
    author: CommentAuthor | None
    up_votes: int
    down_votes: int
    replies_count: int = Field(description="Direct replies, deleted ones included.")
    accepts_replies: bool = Field(
        description=f"False at depth {MAX_DEPTH} and for a deleted comment."
    )
    my_vote: Literal["up", "down"] | None = Field(
        None, description="The signed-in viewer's vote on it."
    )
    edited_at: datetime | None
    deleted_at: datetime | None
    hidden: bool = Field(
        False, description="Hidden by moderation: a placeholder keeps its place."
    )
    created_at: datetime

    @classmethod
    def of(cls, comment: Comment, author: User, my_vote: int | None) -> "CommentRead":
        """The comment as shown: a tombstone has neither body nor author."""
        hidden = comment.hidden_at is not None
        deleted = comment.deleted_at is not None or hidden
        return cls(
            id=comment.id,
            resource_type=comment.resource_type,
            resource_id=comment.resource_id,
            parent_id=comment.parent_id,
            depth=comment.depth,
            body=None if deleted else comment.body,
            alignment=comment.alignment,
            author=None if deleted else CommentAuthor.model_validate(author),
            up_votes=comment.up_votes,
            down_votes=comment.down_votes,
            replies_count=comment.replies_count,
            accepts_replies=not deleted and comment.depth < MAX_DEPTH,
            my_vote=None if my_vote is None else "up" if my_vote > 0 else "down",
            edited_at=comment.edited_at,
            deleted_at=comment.deleted_at,
            hidden=hidden,
            created_at=comment.created_at,
        )
