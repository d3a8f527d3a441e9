from django import template

from vouchers import selectors

register = template.Library()


@register.filter
def redemption_url(code) -> str:
    return selectors.redemption_url(code)
