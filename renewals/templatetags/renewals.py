"""`{{ subscription.colour|colour_badge }}`: R-2's colour with its text label (colour alone is not
accessible) and a check mark for renewed subscriptions."""

from django import template
from django.utils.html import format_html

from renewals.selectors import Colour

register = template.Library()

_MARKS = {Colour.GREEN: "✓", Colour.RED: "●", Colour.ORANGE: "●", Colour.BLUE: "●", Colour.NONE: "○"}


@register.filter
def colour_badge(colour: str) -> str:
    if not colour:
        return ""
    colour = Colour(colour)
    return format_html('<span class="colour colour-{}"><span class="colour-mark" aria-hidden="true">{}</span> '
                       '{}</span>', colour.value, _MARKS[colour], colour.label)
