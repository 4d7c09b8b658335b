"""Small display helpers for the message pages."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def banner_class(banner: str) -> str:
    """A colour for the banner line, by its level (the text itself always says the level)."""
    if not banner:
        return "dc-banner--unmarked"
    if banner.startswith("CUI"):
        return "dc-banner--cui"
    if banner.startswith("SENSITIVE"):
        return "dc-banner--sbu"
    return "dc-banner--u"


@register.filter
def short_hash(value: str) -> str:
    return value[:12]


@register.filter
def get_item(mapping: dict[str, str] | None, key: str) -> str:
    return (mapping or {}).get(key, "")
