"""Rich text is sanitised on the way in, to a small allowlist, with nh3."""

import nh3

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "strong",
        "em",
        "u",
        "s",
        "a",
        "ul",
        "ol",
        "li",
        "blockquote",
        "h2",
        "h3",
        "h4",
        "code",
        "pre",
        "hr",
    }
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    ).strip()


def sanitize_translations(texts: dict[str, str]) -> dict[str, str]:
    """Each locale's HTML sanitised; locales left empty by it are dropped."""
    cleaned = {locale: sanitize(html) for locale, html in texts.items()}
    return {locale: html for locale, html in cleaned.items() if html}
