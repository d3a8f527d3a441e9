"""Renewals writes (R-1…R-6) and the cores of its scheduled jobs (plain functions taking the date).
`grep -E "def (subscription|pool|customer_renew|renewal)_"` lists them."""

from ..selectors import access_ends_on, renewal_opens_on
from .notices import renewal_send_notices
from .pools import pool_allocate, pool_correct, pool_purchase, pool_take_back
from .renewals import RenewalLineInput, customer_renew, renewal_check_input
from .subscriptions import subscription_add_licences, subscription_deactivate_lapsed

__all__ = [
    "RenewalLineInput", "access_ends_on", "customer_renew", "pool_allocate", "pool_correct", "pool_purchase",
    "pool_take_back", "renewal_check_input", "renewal_opens_on", "renewal_send_notices",
    "subscription_add_licences", "subscription_deactivate_lapsed",
]
