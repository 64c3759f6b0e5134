"""Response classes shared by both APIs."""

from typing import Any

import orjson
from fastapi.responses import JSONResponse


class JSON(JSONResponse):
    """JSON through orjson: aware datetimes keep their offset."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)


class ProblemResponse(JSON):
    media_type = "application/problem+json"
