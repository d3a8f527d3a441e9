from pathlib import Path

from django import template
from django.contrib.staticfiles import finders
from django.utils import translation

from portal.money import Money, format_money

register = template.Library()


@register.filter
def money(amount, currency: str) -> str:
    """`{{ amount|money:"JPY" }}` in the active language: ¥1,270,680 / 1 270 680,00 €."""
    if amount is None or amount == "":
        return ""
    return format_money(Money(amount, currency), translation.get_language() or "en")


@register.simple_tag
def once_token() -> str:
    """`{% once_token %}` inside a money-moving form: the hidden one-time token (portal.onetime)."""
    from portal.onetime import token_input

    return token_input()


@register.simple_tag
def pdf_static(path: str) -> str:
    """A file: URL of a static file, for WeasyPrint's static-only URL fetcher (portal.pdf)."""
    found = finders.find(path)
    if not found:
        raise template.TemplateSyntaxError(f"static file {path!r} not found")
    return Path(found).resolve().as_uri()


@register.filter
def index(sequence, position):
    """`{{ rows|index:i }}`: the i-th item, or None (also for a non-numeric i such as a template's
    "__prefix__")."""
    try:
        return sequence[int(position)]
    except (TypeError, ValueError, IndexError, KeyError):
        return None


@register.simple_tag
def sort_header(sort, key: str, label, css_class: str = ""):
    """A sortable column's <th> (portal.listing): a link that sorts by it, then flips the direction."""
    from django.utils.html import format_html

    query, state = sort.header(key)
    arrow = {"ascending": "↑", "descending": "↓"}.get(state, "")
    return format_html('<th{} aria-sort="{}"><a href="?{}">{}<span aria-hidden="true">{}</span></a></th>',
                       format_html(' class="{}"', css_class) if css_class else "", state, query, label,
                       f" {arrow}" if arrow else "")
