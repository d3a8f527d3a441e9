"""Demo data for `make run` (manage.py seed_demo). Idempotent: running it again changes nothing.

The Japanese partner's contract price table is the vendor manual's table, loaded verbatim from
price_table_ja.tsv (product names, list prices, discount rates, offered prices as printed).
"""

from __future__ import annotations

import csv
import importlib
import importlib.util
import os
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.apps import apps
from django.db import transaction
from django.db.models import Q

from portal.catalogue.models import (
    LicenceProduct,
    MarketSegment,
    OfferType,
    PriceComponent,
    PriceEntry,
    PriceTable,
    Product,
    ProductKind,
)
from portal.dates import add_years, local_today
from portal.tenancy.models import BillingContact, DelegationConsent, Membership, Partner, Reseller, User
from portal.tenancy.roles import Role

PRICE_TABLE_JA = Path(__file__).with_name("price_table_ja.tsv")
# The published password of the demo logins (README). Never accepted under production settings.
KNOWN_DEMO_PASSWORD = "portal-demo-2026"
DEMO_PASSWORD = os.environ.get("PORTAL_DEMO_PASSWORD", KNOWN_DEMO_PASSWORD)

# Product names of the Japanese table → catalogue products.
JA_PRODUCTS = {
    "デジサート グローバル・サーバID EV": ("global-server-id-ev", ProductKind.EV, False),
    "デジサート セキュア・サーバID EV": ("secure-server-id-ev", ProductKind.EV, False),
    "デジサート スタンダード・サーバID EV": ("standard-server-id-ev", ProductKind.EV, False),
    "デジサート グローバル・サーバID": ("global-server-id", ProductKind.OV, True),
}
_ROW_NAME = re.compile(
    r"^(?P<product>.+?)(?P<component> 追加FQDN| ワイルドカード)?\((?:1年間有効|複数年プラン(?P<years>\d)年間)\)$"
)
_COMPONENTS = {None: PriceComponent.BASE, " 追加FQDN": PriceComponent.FQDN, " ワイルドカード": PriceComponent.WILDCARD}

# EUR products for the French partner: (code, name, kind, years, fqdns?, wildcards?, base, per FQDN, per wildcard)
EU_PRODUCTS = [
    ("code-signing", "Code Signing", ProductKind.CODE_SIGNING, 3, False, False, "480.00", None, None),
    ("ev-code-signing", "EV Code Signing", ProductKind.EV_CODE_SIGNING, 3, False, False, "710.00", None, None),
    ("basic-ov", "Basic OV", ProductKind.OV, 2, True, True, "117.00", "175.00", "617.00"),
    ("geotrust-dv-ssl", "GeoTrust DV SSL", ProductKind.DV, 2, True, True, "62.50", "103.00", "552.00"),
]

# U-2: product names in the other languages (brand names stay as they are).
PRODUCT_NAMES = {
    "global-server-id-ev": {"en": "DigiCert Global Server ID EV", "fr": "DigiCert Global Server ID EV",
                            "sv": "DigiCert Global Server ID EV"},
    "secure-server-id-ev": {"en": "DigiCert Secure Server ID EV", "fr": "DigiCert Secure Server ID EV",
                            "sv": "DigiCert Secure Server ID EV"},
    "standard-server-id-ev": {"en": "DigiCert Standard Server ID EV", "fr": "DigiCert Standard Server ID EV",
                              "sv": "DigiCert Standard Server ID EV"},
    "global-server-id": {"en": "DigiCert Global Server ID", "fr": "DigiCert Global Server ID",
                         "sv": "DigiCert Global Server ID"},
    "code-signing": {"ja": "コードサイニング証明書", "fr": "Signature de code", "sv": "Kodsignering"},
    "ev-code-signing": {"ja": "EVコードサイニング証明書", "fr": "Signature de code EV", "sv": "EV-kodsignering"},
    "65271311BA01A12": {"ja": "Acrobat Pro — デバイスライセンス", "fr": "Acrobat Pro — licence par appareil",
                        "sv": "Acrobat Pro — enhetslicens"},
    "65276817BA01A12": {"ja": "Creative Cloud Enterprise — デバイスライセンス",
                        "fr": "Creative Cloud Enterprise — licence par appareil",
                        "sv": "Creative Cloud Enterprise — enhetslicens"},
    "65276818BA14A12": {"ja": "Creative Cloud — 教育機関向けデバイスライセンス",
                        "fr": "Creative Cloud — licence par appareil pour l'éducation",
                        "sv": "Creative Cloud — enhetslicens för utbildning"},
}

LICENCE_PRODUCTS = [
    ("65304520CA01A12", "Creative Cloud for teams — All Apps", OfferType.TEAM, MarketSegment.COMMERCIAL, False),
    ("65304522CA01A12", "Acrobat Pro for teams", OfferType.TEAM, MarketSegment.COMMERCIAL, False),
    ("65297750BA01A12", "Creative Cloud for enterprise — All Apps", OfferType.ENTERPRISE, MarketSegment.COMMERCIAL,
     False),
    ("65271311BA01A12", "Acrobat Pro — device licence", OfferType.ENTERPRISE, MarketSegment.COMMERCIAL, True),
    ("65276817BA01A12", "Creative Cloud Enterprise — device licence", OfferType.ENTERPRISE,
     MarketSegment.COMMERCIAL, True),
    ("65276818BA14A12", "Creative Cloud — education device licence", OfferType.ENTERPRISE,
     MarketSegment.EDUCATION, True),
]


@dataclass(frozen=True)
class DemoContext:
    partners: dict[str, Partner]
    operator: User
    customer: User

    def user(self, email: str) -> User:
        return User.objects.get(email=email)


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str
    account: str


def parse_price_table(path: Path = PRICE_TABLE_JA) -> list[dict]:
    """Rows of the vendor's table: label, product, years, component, list price, discount, offered."""
    rows = []
    with path.open(encoding="utf-8") as handle:
        reader = csv.reader(handle, delimiter="\t")
        next(reader)  # header: 製品名 定価 割引率 提供価格
        for label, list_price, discount, offered in reader:
            match = _ROW_NAME.match(label)
            if match is None:
                raise ValueError(f"unrecognised price row {label!r}")
            rows.append({
                "label": label,
                "product": match["product"],
                "years": int(match["years"] or 1),
                "component": _COMPONENTS[match["component"]],
                "list_price": Decimal(list_price.replace(",", "")),
                "discount_rate": Decimal(discount),
                "offered_price": Decimal(offered.replace(",", "")),
            })
    return rows


class _Passwords:
    """The password new demo users get, and whether any user was created in this run (so the
    password is printed only when it is new)."""

    def __init__(self, password: str):
        self.password = password
        self.created: list[str] = []


_passwords = _Passwords(DEMO_PASSWORD)


def _user(email: str, first: str, last: str, language: str, **extra) -> User:
    user, created = User.objects.get_or_create(email=email, defaults={
        "first_name": first, "last_name": last, "language": language, **extra})
    if created:
        user.set_password(_passwords.password)
        user.save(update_fields=["password"])
        _passwords.created.append(email)
    return user


def _member(user: User, partner: Partner, role: str, reseller: Reseller | None = None) -> None:
    Membership.objects.for_partner(partner).get_or_create(
        user=user, partner=partner, defaults={"role": role, "reseller": reseller}
    )


def _partner(account_number: str, **fields) -> Partner:
    partner, _ = Partner.objects.get_or_create(account_number=account_number, defaults=fields)
    return partner


def _contract(partner: Partner, currency: str) -> PriceTable:
    today = local_today(partner.time_zone)
    start = date(today.year, 1, 1)
    table = PriceTable.objects.for_partner(partner).first()
    if table is None:
        table = PriceTable.objects.create(partner=partner, currency=currency, valid_from=start,
                                          valid_until=add_years(start, 1).replace(month=6, day=16))
    return table


def _load_ja_prices(partner: Partner) -> None:
    table = _contract(partner, "JPY")
    products = {}
    for name, (code, kind, wildcards) in JA_PRODUCTS.items():
        products[name], _ = Product.objects.get_or_create(code=code, defaults={
            "name": name, "kind": kind, "min_years": 1, "max_years": 6, "takes_fqdns": True,
            "takes_wildcards": wildcards, "names": PRODUCT_NAMES.get(code, {})})
    for position, row in enumerate(parse_price_table()):
        PriceEntry.objects.for_partner(partner).get_or_create(
            table=table, product=products[row["product"]], years=row["years"], component=row["component"],
            defaults={"partner": partner, "label": row["label"], "list_price": row["list_price"],
                      "discount_rate": row["discount_rate"], "offered_price": row["offered_price"],
                      "position": position})


def _load_eu_prices(partner: Partner) -> None:
    table = _contract(partner, "EUR")
    position = 0
    for code, name, kind, max_years, fqdns, wildcards, base, per_fqdn, per_wildcard in EU_PRODUCTS:
        product, _ = Product.objects.get_or_create(code=code, defaults={
            "name": name, "kind": kind, "min_years": 1, "max_years": max_years, "takes_fqdns": fqdns,
            "takes_wildcards": wildcards, "names": PRODUCT_NAMES.get(code, {})})
        for years in range(1, max_years + 1):
            for component, price in ((PriceComponent.BASE, base), (PriceComponent.FQDN, per_fqdn),
                                     (PriceComponent.WILDCARD, per_wildcard)):
                if price is None:
                    continue
                amount = Decimal(price) * years * Decimal("0.95") ** (years - 1)
                PriceEntry.objects.for_partner(partner).get_or_create(
                    table=table, product=product, years=years, component=component,
                    defaults={"partner": partner, "label": f"{name} ({years} y, {component.label})",
                              "list_price": round(amount * Decimal("1.25"), 2), "discount_rate": Decimal("20.00"),
                              "offered_price": round(amount, 2), "position": position})
                position += 1


def _product_names() -> None:
    """Translated names also for products an older demo database made without them (idempotent)."""
    for code, names in PRODUCT_NAMES.items():
        Product.objects.filter(code=code, names={}).update(names=names)
        LicenceProduct.objects.filter(sku=code, names={}).update(names=names)
def demo_emails() -> list[str]:
    """Every demo login's e-mail address (the README's table)."""
    return ["operator@portal.example", "customer@portal.example"] + [
        f"{role}.{country}@portal.example" for country in ("ja", "fr")
        for role in ("admin", "finance", "manager", "readonly")] + ["reseller.fr@portal.example",
                                                                     "multi@portal.example"]


def accounts_with_known_demo_password() -> list[str]:
    """Active demo logins and operator accounts whose password is the published demo password:
    production refuses to start while any is left (a public password on a public port)."""
    candidates = User.objects.filter(is_active=True).filter(
        Q(email__in=demo_emails()) | Q(is_operator=True) | Q(is_superuser=True)).order_by("email")
    return [user.email for user in candidates if user.check_password(KNOWN_DEMO_PASSWORD)]


@transaction.atomic
def seed_demo(*, password: str | None = None) -> tuple[list[DemoLogin], list[str]]:
    """Load the demo data; new users get `password` (default DEMO_PASSWORD). Returns the logins
    and the e-mails of the users created by this run."""
    global _passwords
    _passwords = _Passwords(password or DEMO_PASSWORD)
    operator = _user("operator@portal.example", "Olivia", "Operator", "en", is_operator=True, is_staff=True,
                     is_superuser=True)

    ja = _partner("JP-0001", name="株式会社サンプル販売", currency="JPY", language="ja", time_zone="Asia/Tokyo",
                  credit_limit=Decimal("5000000"), low_balance_threshold=Decimal("500000"))
    BillingContact.objects.for_partner(ja).get_or_create(partner=ja, defaults={
        "contact_name": "山田 花子", "organisation": "株式会社サンプル販売", "country": "JP",
        "address_line1": "千代田区丸の内1-1-1", "city": "千代田区", "state": "東京都", "postal_code": "100-0005",
        "emails": ["billing@sample-hanbai.example"], "phone": "+81 3-0000-0000"})
    _load_ja_prices(ja)

    fr = _partner("FR-0001", name="Revendeur Exemple SAS", currency="EUR", language="fr", time_zone="Europe/Paris",
                  credit_limit=Decimal("20000"), low_balance_threshold=Decimal("2000"))
    lyon, _ = Reseller.objects.for_partner(fr).get_or_create(partner=fr, name="Sous-revendeur Lyon")
    BillingContact.objects.for_partner(fr).get_or_create(partner=fr, defaults={
        "contact_name": "Claire Martin", "organisation": "Revendeur Exemple SAS", "country": "FR",
        "address_line1": "12 rue de la Paix", "city": "Paris", "state": "Île-de-France", "postal_code": "75002",
        "emails": ["facturation@revendeur.example", "compta@revendeur.example"], "phone": "+33 1 00 00 00 00"})
    _load_eu_prices(fr)
    admin_fr = _user("admin.fr@portal.example", "Camille", "Durand", "fr")
    if not DelegationConsent.objects.for_partner(fr).exists():
        DelegationConsent.objects.create(partner=fr, granted_by=admin_fr)

    for sku, name, offer, segment, excluded in LICENCE_PRODUCTS:
        LicenceProduct.objects.get_or_create(sku=sku, defaults={
            "name": name, "offer_type": offer, "market_segment": segment, "not_available_through_pa": excluded,
            "names": PRODUCT_NAMES.get(sku, {})})
    _product_names()

    people = [
        (ja, "admin.ja@portal.example", "太郎", "佐藤", "ja", Role.PARTNER_ADMIN, None),
        (ja, "finance.ja@portal.example", "花子", "山田", "ja", Role.PARTNER_FINANCE, None),
        (ja, "manager.ja@portal.example", "健", "鈴木", "ja", Role.ACCOUNT_MANAGER, None),
        (ja, "readonly.ja@portal.example", "愛", "高橋", "ja", Role.READ_ONLY, None),
        (fr, "admin.fr@portal.example", "Camille", "Durand", "fr", Role.PARTNER_ADMIN, None),
        (fr, "finance.fr@portal.example", "Louis", "Bernard", "fr", Role.PARTNER_FINANCE, None),
        (fr, "manager.fr@portal.example", "Léa", "Petit", "fr", Role.ACCOUNT_MANAGER, None),
        (fr, "reseller.fr@portal.example", "Hugo", "Moreau", "fr", Role.RESELLER_USER, lyon),
        (fr, "readonly.fr@portal.example", "Emma", "Roux", "fr", Role.READ_ONLY, None),
        (ja, "multi@portal.example", "Sam", "Lind", "sv", Role.PARTNER_FINANCE, None),
        (fr, "multi@portal.example", "Sam", "Lind", "sv", Role.ACCOUNT_MANAGER, None),
    ]
    logins = [DemoLogin(operator.email, Role.OPERATOR.label, "—")]
    for partner, email, first, last, language, role, reseller in people:
        _member(_user(email, first, last, language), partner, role, reseller)
        logins.append(DemoLogin(email, Role(role).label, partner.name))
    customer = _user("customer@portal.example", "Erika", "Kunde", "en")
    logins.append(DemoLogin(customer.email, "End customer", "—"))
    context = DemoContext(partners={"ja": ja, "fr": fr}, operator=operator, customer=customer)
    for app in apps.get_app_configs():  # each domain app adds its own rooms (app/demo.py: seed(context))
        if importlib.util.find_spec(f"{app.name}.demo") is not None and app.name != "portal":
            importlib.import_module(f"{app.name}.demo").seed(context)
    return logins, _passwords.created
