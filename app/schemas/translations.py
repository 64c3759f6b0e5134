"""Translatable text: a map from BCP 47 locale to text, resolved for a reader."""

import re
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import AfterValidator, Field

_LOCALE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def _check(
    max_length: int, required: bool
) -> Callable[[dict[str, str]], dict[str, str]]:
    """Locales are BCP 47 tags; lengths count code points; empty texts drop."""

    def check(value: dict[str, str]) -> dict[str, str]:
        cleaned = {}
        for locale, text in value.items():
            if not _LOCALE.match(locale):
                raise ValueError(f"{locale!r} is not a BCP 47 locale such as pt-BR")
            text = text.strip()
            if len(text) > max_length:
                raise ValueError(
                    f"the {locale} text is longer than {max_length} characters"
                )
            if text:
                cleaned[locale] = text
        if required and not cleaned:
            raise ValueError("give the text in at least one locale (pt-BR first)")
        return cleaned

    return check


def _field(max_length: int, required: bool) -> Any:
    return Field(
        description=(
            f"Text per BCP 47 locale, at most {max_length} characters "
            "(Unicode code points) each"
            + ("; at least one locale." if required else ".")
        ),
        examples=[{"pt-BR": "Texto em português", "en": "Text in English"}],
    )


Title = Annotated[dict[str, str], AfterValidator(_check(150, True)), _field(150, True)]
Name = Title
Subtitle = Annotated[
    dict[str, str], AfterValidator(_check(250, False)), _field(250, False)
]
ShortText = Annotated[
    dict[str, str], AfterValidator(_check(1_000, False)), _field(1_000, False)
]
LongText = Annotated[
    dict[str, str], AfterValidator(_check(50_000, False)), _field(50_000, False)
]


def resolve(texts: dict[str, str] | None, locale: str | None, default: str) -> str:
    """The text in ``locale``, else its language, else ``default``, else the first."""
    if not texts:
        return ""
    if locale and texts.get(locale):
        return texts[locale]
    if locale:
        language = locale.split("-")[0]
        for key, text in texts.items():
            if key.split("-")[0] == language and text:
                return text
    if texts.get(default):
        return texts[default]
    return next((text for text in texts.values() if text), "")
