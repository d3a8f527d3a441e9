"""Roles and what they may do (T-3): one declarative table shared by HTML views and the API."""

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OPERATOR = "operator", _("Operator")
    PARTNER_ADMIN = "partner_admin", _("Partner admin")
    PARTNER_FINANCE = "partner_finance", _("Partner finance")
    ACCOUNT_MANAGER = "account_manager", _("Account manager")
    RESELLER_USER = "reseller_user", _("Reseller user")
    READ_ONLY = "read_only", _("Read-only")


class Perm(StrEnum):
    DASHBOARD_VIEW = "dashboard.view"
    PRICES_VIEW = "prices.view"
    VOUCHERS_VIEW = "vouchers.view"
    VOUCHERS_MANAGE = "vouchers.manage"
    VOUCHER_CODES_REVEAL = "vouchers.reveal"
    BALANCE_VIEW = "balance.view"
    INVOICES_VIEW = "invoices.view"
    QUOTES_VIEW = "quotes.view"
    QUOTES_MANAGE = "quotes.manage"
    BILLING_CONTACT_MANAGE = "billing_contact.manage"
    CUSTOMERS_VIEW = "customers.view"
    CUSTOMERS_MANAGE = "customers.manage"
    RENEWALS_VIEW = "renewals.view"
    RENEWALS_MANAGE = "renewals.manage"
    POOLS_VIEW = "pools.view"
    POOLS_MANAGE = "pools.manage"  # buy licence-years, allocate them to resellers and take them back
    SETTINGS_VIEW = "settings.view"
    SETTINGS_MANAGE = "settings.manage"
    USERS_MANAGE = "users.manage"
    AUDIT_VIEW = "audit.view"
    API_KEYS_MANAGE = "api_keys.manage"
    CONSENT_MANAGE = "consent.manage"


_ALL = frozenset(Perm)
_READ = frozenset(p for p in Perm if p.value.endswith(".view"))
_FINANCE = frozenset(
    {
        Perm.DASHBOARD_VIEW, Perm.PRICES_VIEW, Perm.VOUCHERS_VIEW, Perm.VOUCHERS_MANAGE,
        Perm.VOUCHER_CODES_REVEAL, Perm.BALANCE_VIEW, Perm.INVOICES_VIEW, Perm.QUOTES_VIEW,
        Perm.QUOTES_MANAGE, Perm.BILLING_CONTACT_MANAGE, Perm.SETTINGS_VIEW, Perm.POOLS_VIEW,
        Perm.POOLS_MANAGE,
    }
)
_CUSTOMER_CARE = frozenset(
    {
        Perm.DASHBOARD_VIEW, Perm.PRICES_VIEW, Perm.CUSTOMERS_VIEW, Perm.CUSTOMERS_MANAGE,
        Perm.RENEWALS_VIEW, Perm.RENEWALS_MANAGE, Perm.POOLS_VIEW,
    }
)

ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    # Operator staff inside a partner (with consent, T-4): everything but the partner's own
    # decisions about who may act for it.
    Role.OPERATOR: _ALL - {Perm.CONSENT_MANAGE, Perm.API_KEYS_MANAGE},
    Role.PARTNER_ADMIN: _ALL,
    Role.PARTNER_FINANCE: _FINANCE,
    Role.ACCOUNT_MANAGER: _CUSTOMER_CARE,
    Role.RESELLER_USER: _CUSTOMER_CARE - {Perm.PRICES_VIEW},
    Role.READ_ONLY: _READ,
}

# Roles a partner admin may hand out (operator is never a membership role).
MEMBERSHIP_ROLES = [choice for choice in Role.choices if choice[0] != Role.OPERATOR]


def role_has_perm(role: str, perm: Perm) -> bool:
    return perm in ROLE_PERMISSIONS.get(role, frozenset())
