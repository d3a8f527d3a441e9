from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.money import CURRENCY_CHOICES

from .roles import MEMBERSHIP_ROLES
from .scoping import TenantModel


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra):
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True, is_operator=True)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """A person; signs in with an e-mail address. Operator staff carry `is_operator`."""

    username = None
    email = models.EmailField(_("e-mail address"), unique=True)
    is_operator = models.BooleanField(_("operator staff"), default=False)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="en")
    # Pages outside a partner account (an end customer's requests and console) show times here;
    # blank: the usual zone of the person's language (viewer_time_zone).
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []
    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    @property
    def viewer_time_zone(self) -> str:
        return self.time_zone or LANGUAGE_TIME_ZONES.get(self.language, settings.TIME_ZONE)


LANGUAGE_TIME_ZONES = {"ja": "Asia/Tokyo", "fr": "Europe/Paris", "sv": "Europe/Stockholm"}


class ContractType(models.TextChoices):
    ONGOING = "ongoing", _("OnGoing")


class PaymentTerms(models.TextChoices):
    NET30 = "NET30", "NET30"
    NET45 = "NET45", "NET45"
    NET50 = "NET50", "NET50"
    NET60 = "NET60", "NET60"
    NET30EOM = "NET30EOM", "NET30EOM"
    NET60EOM = "NET60EOM", "NET60EOM"
    NET90EOM = "NET90EOM", "NET90EOM"


def default_time_zone() -> str:
    return settings.TIME_ZONE


class Partner(models.Model):
    """A tenant: a reseller company under contract with the operator (T-1, T-7)."""

    name = models.CharField(_("name"), max_length=200)
    account_number = models.CharField(_("account number"), max_length=20, unique=True)
    currency = models.CharField(_("account currency"), max_length=3, choices=CURRENCY_CHOICES, default="JPY")
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="en")
    time_zone = models.CharField(_("time zone"), max_length=64, default=default_time_zone)
    contract_type = models.CharField(
        _("contract type"), max_length=20, choices=ContractType.choices, default=ContractType.ONGOING
    )
    payment_terms = models.CharField(
        _("payment terms"), max_length=10, choices=PaymentTerms.choices, default=PaymentTerms.NET30
    )
    credit_limit = models.DecimalField(
        _("credit limit"), max_digits=14, decimal_places=2, default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    low_balance_threshold = models.DecimalField(
        _("low-balance notification threshold"), max_digits=14, decimal_places=2, default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    vouchers_enabled = models.BooleanField(_("vouchers feature enabled"), default=True)
    tax_rate = models.DecimalField(_("tax rate (overrides the standard rate)"), max_digits=5, decimal_places=4,
                                   null=True, blank=True, validators=[MinValueValidator(Decimal("0"))])
    # Set by the first order: from then on the account currency is fixed (T-7).
    currency_locked = models.BooleanField(_("currency fixed by orders"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(credit_limit__gte=0), name="partner_credit_limit_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class Reseller(TenantModel):
    """A sub-account of a partner (T-1)."""

    name = models.CharField(_("name"), max_length=200)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    reseller_path = "pk"

    class Meta:
        verbose_name = _("reseller")
        verbose_name_plural = _("resellers")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["partner", "name"], name="reseller_name_unique")]

    def __str__(self) -> str:
        return self.name


class Membership(TenantModel):
    """A user's role in one partner (T-3); reseller users also name their reseller."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    reseller = models.ForeignKey(
        Reseller, on_delete=models.PROTECT, null=True, blank=True, related_name="memberships",
        verbose_name=_("reseller"),
    )
    role = models.CharField(_("role"), max_length=32, choices=MEMBERSHIP_ROLES)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    reseller_path = "reseller"

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "partner"], name="membership_one_per_partner"),
            # A reseller user always names its reseller, and only reseller users do.
            models.CheckConstraint(
                condition=Q(role="reseller_user", reseller__isnull=False)
                | (~Q(role="reseller_user") & Q(reseller__isnull=True)),
                name="membership_reseller_matches_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.partner_id} ({self.role})"


class BillingContact(TenantModel):
    """Where invoices go (T-6). Organisation, state and postal code are needed to order."""

    contact_name = models.CharField(_("contact name"), max_length=200, blank=True)
    organisation = models.CharField(_("organisation name"), max_length=200, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    address_line1 = models.CharField(_("address line 1"), max_length=200, blank=True)
    address_line2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    state = models.CharField(_("state/province/region"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    emails = ArrayField(models.EmailField(), verbose_name=_("e-mail addresses"), default=list, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("billing contact")
        verbose_name_plural = _("billing contacts")
        constraints = [models.UniqueConstraint(fields=["partner"], name="billing_contact_one_per_partner")]

    def __str__(self) -> str:
        return self.organisation or self.contact_name


class DelegationConsent(TenantModel):
    """A partner's recorded, revocable consent to operator staff acting in its account (T-4).
    History: granted and revoked only through its services, never deleted (a trigger refuses)."""

    history_record: ClassVar[bool] = True

    granted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("granted by"))
    granted_at = models.DateTimeField(_("granted"), auto_now_add=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("revoked by")
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("delegated-access consent")
        verbose_name_plural = _("delegated-access consents")
        ordering = ["-granted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner"], condition=Q(revoked_at__isnull=True), name="consent_one_active_per_partner"
            ),
        ]

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def delete(self, *args, **kwargs):
        from portal.appendonly import AppendOnlyError

        raise AppendOnlyError("consents are never deleted; revoke instead")


class PartnerInvitation(TenantModel):
    """An e-mailed invitation to become a partner's admin (T-8): the link carries a signed,
    expiring token naming this row, and works once."""

    history_record: ClassVar[bool] = True

    email = models.EmailField(_("e-mail address"))
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("invited by"))
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                    verbose_name=_("accepted by"))

    class Meta:
        verbose_name = _("partner admin invitation")
        verbose_name_plural = _("partner admin invitations")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.email
