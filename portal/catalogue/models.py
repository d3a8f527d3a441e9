from decimal import Decimal

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import BigIntegerRangeField, DateRangeField, RangeBoundary, RangeOperators
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from portal.money import CURRENCY_CHOICES
from portal.tenancy.scoping import TenantModel


class ProductKind(models.TextChoices):
    DV = "dv", _("DV certificate")
    OV = "ov", _("OV certificate")
    EV = "ev", _("EV certificate")
    CODE_SIGNING = "code_signing", _("Code signing")
    EV_CODE_SIGNING = "ev_code_signing", _("EV code signing")
    HARDWARE_TOKEN = "hardware_token", _("Hardware token")


class TranslatedName(models.Model):
    """U-2: a product's name in the page's language. `name` is the catalogue's own name; `names`
    holds the other languages ({"fr": "Signature de code", …}); `display_name` picks the one for
    the active language and falls back to `name`."""

    names = models.JSONField(_("name in other languages"), default=dict, blank=True,
                             help_text=_('For example {"ja": "コードサイニング", "fr": "Signature de code"}.'))

    class Meta:
        abstract = True

    @property
    def display_name(self) -> str:
        language = (translation.get_language() or "en").split("-")[0]
        return (self.names or {}).get(language) or self.name


class Product(TranslatedName):
    """A certificate product of the operator's catalogue (P-1)."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=ProductKind.choices)
    min_years = models.PositiveSmallIntegerField(
        _("shortest validity (years)"), default=1, validators=[MinValueValidator(1), MaxValueValidator(6)]
    )
    max_years = models.PositiveSmallIntegerField(
        _("longest validity (years)"), default=1, validators=[MinValueValidator(1), MaxValueValidator(6)]
    )
    takes_fqdns = models.BooleanField(_("takes FQDNs"), default=True)
    takes_wildcards = models.BooleanField(_("takes wildcard names"), default=False)
    included_fqdns = models.PositiveSmallIntegerField(_("FQDNs included in the base price"), default=1)
    offers_code_signing_addon = models.BooleanField(_("offers the code-signing add-on"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_years__gte=1, max_years__lte=6, min_years__lte=F("max_years")),
                name="product_years_1_to_6",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def is_tls(self) -> bool:
        return self.takes_fqdns or self.takes_wildcards

    @property
    def requests_organisation(self) -> bool:
        """V-8: a code-signing, EV code-signing or token voucher is redeemed with the
        organisation's details (legal name, address, contact), never with domain names."""
        return self.kind in (ProductKind.CODE_SIGNING, ProductKind.EV_CODE_SIGNING, ProductKind.HARDWARE_TOKEN)

    @property
    def allowed_years(self) -> range:
        return range(self.min_years, self.max_years + 1)


class OfferType(models.TextChoices):
    TEAM = "team", _("Team")
    ENTERPRISE = "enterprise", _("Enterprise")


class MarketSegment(models.TextChoices):
    COMMERCIAL = "commercial", _("Commercial")
    EDUCATION = "education", _("Education")
    GOVERNMENT = "government", _("Government")


class LicenceProduct(TranslatedName):
    """A licence product for VIP customers (P-1); some cannot go on a purchase authorization."""

    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    offer_type = models.CharField(_("offer type"), max_length=20, choices=OfferType.choices)
    market_segment = models.CharField(_("market segment"), max_length=20, choices=MarketSegment.choices)
    not_available_through_pa = models.BooleanField(_("not available through purchase authorization"),
                                                   default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("licence product")
        verbose_name_plural = _("licence products")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.display_name


class DateRange(models.Func):
    """daterange(start, end, '[]'): both days included."""

    function = "DATERANGE"
    output_field = DateRangeField()


class SingleValueRange(models.Func):
    """int8range(v, v, '[]'): one value as a range, so an exclusion constraint can compare it with
    `&&` in a plain GiST index (no btree_gist extension, which not every PostgreSQL carries)."""

    function = "INT8RANGE"
    output_field = BigIntegerRangeField()

    def __init__(self, field: str):
        super().__init__(F(field), F(field), models.Value("[]"))


class PriceTable(TenantModel):
    """A partner's contract price table with its validity period (P-2), both days included, in the
    partner's calendar. A partner's periods never overlap, so one table at most is valid on a day."""

    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("contract price table")
        verbose_name_plural = _("contract price tables")
        ordering = ["-valid_from"]
        constraints = [
            models.CheckConstraint(condition=Q(valid_from__lte=F("valid_until")), name="price_table_period"),
            ExclusionConstraint(
                name="price_table_periods_do_not_overlap",
                expressions=[(DateRange("valid_from", "valid_until", RangeBoundary(inclusive_upper=True)),
                              RangeOperators.OVERLAPS), (SingleValueRange("partner"), RangeOperators.OVERLAPS)],
                violation_error_message=_("This validity period overlaps another price table of the partner."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} {self.valid_from}–{self.valid_until}"


class PriceComponent(models.TextChoices):
    BASE = "base", _("Base price")
    FQDN = "fqdn", _("Each additional FQDN")
    WILDCARD = "wildcard", _("Each wildcard name")
    CODE_SIGNING_ADDON = "addon", _("Code-signing add-on")


class PriceEntry(TenantModel):
    """One row of a contract price table: product × validity × component, with the list price,
    discount rate and offered price as agreed (the offered price is what the partner pays)."""

    table = models.ForeignKey(PriceTable, on_delete=models.CASCADE, related_name="entries")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("product"))
    years = models.PositiveSmallIntegerField(
        _("validity (years)"), validators=[MinValueValidator(1), MaxValueValidator(6)]
    )
    component = models.CharField(_("component"), max_length=10, choices=PriceComponent.choices,
                                 default=PriceComponent.BASE)
    label = models.CharField(_("product name"), max_length=200)
    list_price = models.DecimalField(_("list price"), max_digits=14, decimal_places=2)
    discount_rate = models.DecimalField(_("discount rate"), max_digits=5, decimal_places=2, default=Decimal("0"))
    offered_price = models.DecimalField(_("offered price"), max_digits=14, decimal_places=2)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["table", "product", "years", "component"], name="price_entry_unique"),
            models.CheckConstraint(condition=Q(list_price__gte=0, offered_price__gte=0), name="price_not_negative"),
            models.CheckConstraint(condition=Q(discount_rate__gte=0, discount_rate__lte=100),
                                   name="price_discount_0_100"),
        ]

    def __str__(self) -> str:
        return self.label


class LicencePrice(TenantModel):
    """A licence product in a contract price table (P-2, R-5): the price of one licence-year, at
    which the partner buys licence-years for its pool."""

    table = models.ForeignKey(PriceTable, on_delete=models.CASCADE, related_name="licence_prices")
    product = models.ForeignKey(LicenceProduct, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("licence product"))
    list_price = models.DecimalField(_("list price"), max_digits=14, decimal_places=2)
    discount_rate = models.DecimalField(_("discount rate"), max_digits=5, decimal_places=2, default=Decimal("0"))
    offered_price = models.DecimalField(_("offered price per licence-year"), max_digits=14, decimal_places=2)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("licence price")
        verbose_name_plural = _("licence prices")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["table", "product"], name="licence_price_unique"),
            models.CheckConstraint(condition=Q(list_price__gte=0, offered_price__gte=0),
                                   name="licence_price_not_negative"),
            models.CheckConstraint(condition=Q(discount_rate__gte=0, discount_rate__lte=100),
                                   name="licence_price_discount_0_100"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} @ {self.offered_price}"
