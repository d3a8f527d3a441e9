"""factory-boy factories for every model. Tenant models get their partner from the factory that
made their parent, so `PriceEntryFactory(table=t)` belongs to t's partner."""

from datetime import date, timedelta
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from billing.models import BalanceAccount, Invoice, LedgerEntry, LedgerItem, Payment, Quote, QuoteLine
from customers.models import Customer, LicenceAssignment, PALine, PurchaseAuthorization
from portal.api.models import ApiKey, IdempotencyRecord
from portal.audit.models import AuditEntry
from portal.catalogue.models import (
    LicencePrice,
    LicenceProduct,
    MarketSegment,
    OfferType,
    PriceComponent,
    PriceEntry,
    PriceTable,
    Product,
    ProductKind,
)
from portal.dates import add_years
from portal.jobs.models import JobRun, TaskProgress
from portal.tenancy.models import (
    BillingContact,
    DelegationConsent,
    Membership,
    Partner,
    PartnerInvitation,
    Reseller,
    User,
)
from portal.tenancy.roles import Role
from renewals.models import (
    LicencePool,
    NoticeKind,
    PeriodKind,
    PoolEntry,
    PoolEntryKind,
    Renewal,
    RenewalNotice,
    Subscription,
    SubscriptionPeriod,
)
from vouchers.codes import new_code
from vouchers.models import CertificateRequest, VoucherCode, VoucherOrder, VoucherOrderLine


class TenantFactory(DjangoModelFactory):
    """Tenant models are created through `unscoped` (the factory is test set-up, not a view)."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return model_class.unscoped.create(*args, **kwargs)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")
    password = factory.PostGenerationMethodCall("set_password", "pw-test-123")

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OperatorFactory(UserFactory):
    is_operator = True
    is_staff = True


class PartnerFactory(DjangoModelFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"Partner {n}")
    account_number = factory.Sequence(lambda n: f"ACC-{n:05d}")
    currency = "JPY"
    language = "en"
    time_zone = "Asia/Tokyo"
    credit_limit = Decimal("1000000")


class ResellerFactory(TenantFactory):
    class Meta:
        model = Reseller

    partner = factory.SubFactory(PartnerFactory)
    name = factory.Sequence(lambda n: f"Reseller {n}")


class MembershipFactory(TenantFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    partner = factory.SubFactory(PartnerFactory)
    role = Role.PARTNER_ADMIN
    reseller = None


class BillingContactFactory(TenantFactory):
    class Meta:
        model = BillingContact

    partner = factory.SubFactory(PartnerFactory)
    contact_name = "Hanako Yamada"
    organisation = factory.LazyAttribute(lambda o: f"{o.partner.name} KK")
    country = "JP"
    address_line1 = "1-1-1 Marunouchi"
    city = "Chiyoda-ku"
    state = "Tokyo"
    postal_code = "100-0005"
    emails = factory.LazyFunction(lambda: ["billing@example.test"])


class DelegationConsentFactory(TenantFactory):
    class Meta:
        model = DelegationConsent

    partner = factory.SubFactory(PartnerFactory)
    granted_by = factory.SubFactory(UserFactory)


class PartnerInvitationFactory(TenantFactory):
    class Meta:
        model = PartnerInvitation

    partner = factory.SubFactory(PartnerFactory)
    email = factory.Sequence(lambda n: f"invited{n}@example.test")
    invited_by = factory.SubFactory(OperatorFactory)


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = Product

    code = factory.Sequence(lambda n: f"product-{n}")
    name = factory.Sequence(lambda n: f"Product {n}")
    kind = ProductKind.OV
    min_years = 1
    max_years = 3
    takes_fqdns = True
    takes_wildcards = True
    included_fqdns = 1


class LicenceProductFactory(DjangoModelFactory):
    class Meta:
        model = LicenceProduct

    sku = factory.Sequence(lambda n: f"SKU{n:08d}")
    name = factory.Sequence(lambda n: f"Licence {n}")
    offer_type = OfferType.TEAM
    market_segment = MarketSegment.COMMERCIAL


class PriceTableFactory(TenantFactory):
    class Meta:
        model = PriceTable

    partner = factory.SubFactory(PartnerFactory)
    currency = factory.LazyAttribute(lambda o: o.partner.currency)
    valid_from = date(2020, 1, 1)
    valid_until = date(2099, 12, 31)


class PriceEntryFactory(TenantFactory):
    class Meta:
        model = PriceEntry

    table = factory.SubFactory(PriceTableFactory)
    partner = factory.LazyAttribute(lambda o: o.table.partner)
    product = factory.SubFactory(ProductFactory)
    years = 1
    component = PriceComponent.BASE
    label = factory.LazyAttribute(lambda o: f"{o.product.name} {o.years}y {o.component}")
    list_price = Decimal("1000")
    discount_rate = Decimal("0")
    offered_price = Decimal("995")


class LicencePriceFactory(TenantFactory):
    class Meta:
        model = LicencePrice

    table = factory.SubFactory(PriceTableFactory)
    partner = factory.LazyAttribute(lambda o: o.table.partner)
    product = factory.SubFactory(LicenceProductFactory)
    list_price = Decimal("12000")
    discount_rate = Decimal("10")
    offered_price = Decimal("10800")


class ApiKeyFactory(TenantFactory):
    class Meta:
        model = ApiKey

    partner = factory.SubFactory(PartnerFactory)
    name = "integration"
    prefix = factory.Sequence(lambda n: f"k{n:011d}")
    hashed_secret = "0" * 64
    role = Role.PARTNER_ADMIN
    created_by = factory.SubFactory(UserFactory)


class AuditEntryFactory(TenantFactory):
    class Meta:
        model = AuditEntry

    partner = factory.SubFactory(PartnerFactory)
    action = "test.action"
    object_type = "tenancy.Partner"
    object_id = "1"
    object_repr = "object"


class JobRunFactory(DjangoModelFactory):
    class Meta:
        model = JobRun

    job = "test_job"
    period = "2026-11-21"


class IdempotencyRecordFactory(DjangoModelFactory):
    class Meta:
        model = IdempotencyRecord

    scope = "user:1"
    key = factory.Sequence(lambda n: f"key-{n}")
    request_hash = "0" * 64


class VoucherOrderFactory(TenantFactory):
    class Meta:
        model = VoucherOrder

    partner = factory.SubFactory(PartnerFactory)
    customer_name = "Acme"
    currency = factory.LazyAttribute(lambda o: o.partner.currency)
    total = Decimal("995")
    order_date = date(2026, 11, 1)
    expires_on = date(2027, 10, 31)
    created_by = factory.SubFactory(UserFactory)


class PricedLineFactory(TenantFactory):
    """Fields shared by order lines and quote lines: one SSL line at 995."""

    class Meta:
        abstract = True

    product = factory.SubFactory(ProductFactory)
    years = 1
    quantity = 1
    fqdns = 1
    unit_price = Decimal("995")
    line_price = Decimal("995")


class VoucherOrderLineFactory(PricedLineFactory):
    class Meta:
        model = VoucherOrderLine

    order = factory.SubFactory(VoucherOrderFactory)
    partner = factory.LazyAttribute(lambda o: o.order.partner)


class VoucherCodeFactory(TenantFactory):
    class Meta:
        model = VoucherCode

    line = factory.SubFactory(VoucherOrderLineFactory)
    order = factory.LazyAttribute(lambda o: o.line.order)
    partner = factory.LazyAttribute(lambda o: o.line.partner)
    value = factory.LazyFunction(new_code)
    expires_on = date(2027, 10, 31)


class CertificateRequestFactory(TenantFactory):
    class Meta:
        model = CertificateRequest

    code = factory.SubFactory(VoucherCodeFactory, status="used")
    partner = factory.LazyAttribute(lambda o: o.code.partner)
    requester = factory.SubFactory(UserFactory)
    common_name = "www.example.com"
    organisation = "Example KK"


class BalanceAccountFactory(TenantFactory):
    class Meta:
        model = BalanceAccount

    partner = factory.SubFactory(PartnerFactory)
    currency = factory.LazyAttribute(lambda o: o.partner.currency)


class LedgerEntryFactory(TenantFactory):
    class Meta:
        model = LedgerEntry

    partner = factory.SubFactory(PartnerFactory)
    entry_type = "adjustment"
    amount = Decimal("100")
    balance_after = Decimal("100")
    currency = factory.LazyAttribute(lambda o: o.partner.currency)
    reference = "ADJ-1"


class TaskProgressFactory(TenantFactory):
    class Meta:
        model = TaskProgress

    partner = factory.SubFactory(PartnerFactory)
    kind = "test"
    created_by = factory.SubFactory(UserFactory)


class LedgerItemFactory(TenantFactory):
    class Meta:
        model = LedgerItem

    entry = factory.SubFactory(LedgerEntryFactory)
    partner = factory.LazyAttribute(lambda o: o.entry.partner)
    description = "SSL OV (1Y)"
    quantity = 1
    amount = Decimal("995")


class InvoiceFactory(TenantFactory):
    class Meta:
        model = Invoice

    partner = factory.SubFactory(PartnerFactory)
    number = factory.Sequence(lambda n: f"TST{n:06d}")
    period_start = factory.Sequence(lambda n: date(2000 + n // 12, n % 12 + 1, 1))
    period_end = factory.LazyAttribute(lambda o: o.period_start.replace(day=28))
    issue_date = factory.LazyAttribute(lambda o: o.period_end)
    due_date = factory.LazyAttribute(lambda o: o.period_end)
    payment_terms = "NET30"
    currency = factory.LazyAttribute(lambda o: o.partner.currency)
    subtotal = Decimal("1000")
    tax_rate = Decimal("0.10")
    tax = Decimal("100")
    total = Decimal("1100")
    language = "en"


class PaymentFactory(TenantFactory):
    class Meta:
        model = Payment

    invoice = factory.SubFactory(InvoiceFactory)
    partner = factory.LazyAttribute(lambda o: o.invoice.partner)
    amount = Decimal("100")
    received_on = date(2026, 11, 1)
    recorded_by = factory.SubFactory(OperatorFactory)


class QuoteFactory(TenantFactory):
    class Meta:
        model = Quote

    partner = factory.SubFactory(PartnerFactory)
    kind = "account_credit"
    memo = "internal"
    currency = factory.LazyAttribute(lambda o: o.partner.currency)
    total = Decimal("50000")
    saved_on = date(2020, 12, 7)
    expires_on = date(2021, 1, 6)
    created_by = factory.SubFactory(UserFactory)


class QuoteLineFactory(PricedLineFactory):
    class Meta:
        model = QuoteLine

    quote = factory.SubFactory(QuoteFactory, kind="products")
    partner = factory.LazyAttribute(lambda o: o.quote.partner)


class CustomerFactory(TenantFactory):
    class Meta:
        model = Customer

    partner = factory.SubFactory(PartnerFactory)
    vip_id = factory.Sequence(lambda n: f"VIP{n:010d}")
    name = factory.Sequence(lambda n: f"Customer {n} Ltd")
    market_segment = MarketSegment.COMMERCIAL
    offer_type = OfferType.TEAM
    region = "Kanto"
    address = "1-1 Chiyoda"
    postal_code = "100-0001"
    contact_name = "Aiko Tanaka"
    contact_email = factory.Sequence(lambda n: f"admin{n}@customer.test")
    anniversary = date(2027, 11, 1)


class PurchaseAuthorizationFactory(TenantFactory):
    class Meta:
        model = PurchaseAuthorization

    customer = factory.SubFactory(CustomerFactory)
    partner = factory.LazyAttribute(lambda o: o.customer.partner)
    licence_type = OfferType.TEAM
    deployment_date = date(2026, 11, 21)
    created_on = date(2026, 11, 21)
    created_by = factory.SubFactory(UserFactory)


class PALineFactory(TenantFactory):
    class Meta:
        model = PALine

    authorization = factory.SubFactory(PurchaseAuthorizationFactory)
    partner = factory.LazyAttribute(lambda o: o.authorization.partner)
    product = factory.SubFactory(LicenceProductFactory)
    licences = 5


class LicenceAssignmentFactory(TenantFactory):
    class Meta:
        model = LicenceAssignment

    line = factory.SubFactory(PALineFactory)
    partner = factory.LazyAttribute(lambda o: o.line.partner)
    email = factory.Sequence(lambda n: f"user{n}@customer.test")


class SubscriptionFactory(TenantFactory):
    class Meta:
        model = Subscription

    customer = factory.SubFactory(CustomerFactory)
    partner = factory.LazyAttribute(lambda o: o.customer.partner)
    reseller = factory.LazyAttribute(lambda o: o.customer.reseller)
    product = factory.SubFactory(LicenceProductFactory)
    # Co-terminous with the customer's anniversary, after a one-year term.
    end_date = factory.LazyAttribute(lambda o: o.customer.anniversary)
    start_date = factory.LazyAttribute(lambda o: add_years(o.end_date, -1))
    licences = 5


class RenewalFactory(TenantFactory):
    class Meta:
        model = Renewal

    customer = factory.SubFactory(CustomerFactory)
    partner = factory.LazyAttribute(lambda o: o.customer.partner)
    years = 1
    previous_anniversary = factory.LazyAttribute(lambda o: add_years(o.customer.anniversary, -1))
    new_anniversary = factory.LazyAttribute(lambda o: o.customer.anniversary)
    renewed_on = factory.LazyAttribute(lambda o: o.previous_anniversary)
    created_by = factory.SubFactory(UserFactory)


class SubscriptionPeriodFactory(TenantFactory):
    class Meta:
        model = SubscriptionPeriod

    subscription = factory.SubFactory(SubscriptionFactory)
    partner = factory.LazyAttribute(lambda o: o.subscription.partner)
    kind = PeriodKind.INITIAL
    start_date = factory.LazyAttribute(lambda o: o.subscription.start_date)
    end_date = factory.LazyAttribute(lambda o: o.subscription.end_date)
    years = 1
    licences = factory.LazyAttribute(lambda o: o.subscription.licences)


class LicencePoolFactory(TenantFactory):
    class Meta:
        model = LicencePool

    partner = factory.SubFactory(PartnerFactory)
    product = factory.SubFactory(LicenceProductFactory)
    reseller = None
    balance = 0


class PoolEntryFactory(TenantFactory):
    """A pool credit as the operator would make it, with the pool's balance moved to match."""

    class Meta:
        model = PoolEntry

    pool = factory.SubFactory(LicencePoolFactory)
    partner = factory.LazyAttribute(lambda o: o.pool.partner)
    reseller = factory.LazyAttribute(lambda o: o.pool.reseller)
    product = factory.LazyAttribute(lambda o: o.pool.product)
    kind = PoolEntryKind.CORRECTION
    quantity = 10
    balance_after = factory.LazyAttribute(lambda o: o.pool.balance + o.quantity)
    reason = "opening balance"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        entry = super()._create(model_class, *args, **kwargs)
        LicencePool.unscoped.filter(pk=entry.pool_id).update(balance=entry.balance_after)
        return entry


class RenewalNoticeFactory(TenantFactory):
    class Meta:
        model = RenewalNotice

    customer = factory.SubFactory(CustomerFactory)
    partner = factory.LazyAttribute(lambda o: o.customer.partner)
    anniversary = factory.LazyAttribute(lambda o: o.customer.anniversary)
    kind = NoticeKind.READY


def price_table_for(partner, *, new: bool = False) -> PriceTable:
    """The partner's price table (a new one after its last period when `new`): a partner's
    validity periods never overlap (P-2)."""
    last = PriceTable.unscoped.filter(partner=partner).order_by("-valid_until").first()
    if last is None:
        return PriceTableFactory(partner=partner)
    if not new:
        return last
    start = last.valid_until + timedelta(days=1)
    return PriceTableFactory(partner=partner, valid_from=start, valid_until=start + timedelta(days=364))


def voucher_code_for(partner, **fields):
    return VoucherCodeFactory(line=VoucherOrderLineFactory(order=VoucherOrderFactory(partner=partner)), **fields)


# Which factory makes a row of each model for a given partner: the cross-tenant sweep builds the
# victim's objects with it, and test_every_tenant_model_has_a_factory keeps it complete.
def for_partner(model, partner):
    makers = {
        Partner: lambda: partner,
        Reseller: lambda: ResellerFactory(partner=partner),
        Membership: lambda: MembershipFactory(partner=partner, role=Role.READ_ONLY),
        BillingContact: lambda: BillingContact.unscoped.filter(partner=partner).first()
        or BillingContactFactory(partner=partner),
        DelegationConsent: lambda: DelegationConsentFactory(partner=partner),
        PartnerInvitation: lambda: PartnerInvitationFactory(partner=partner),
        PriceTable: lambda: price_table_for(partner, new=True),
        PriceEntry: lambda: PriceEntryFactory(table=price_table_for(partner)),
        LicencePrice: lambda: LicencePriceFactory(table=price_table_for(partner)),
        ApiKey: lambda: ApiKeyFactory(partner=partner),
        AuditEntry: lambda: AuditEntryFactory(partner=partner),
        VoucherOrder: lambda: VoucherOrderFactory(partner=partner),
        VoucherOrderLine: lambda: VoucherOrderLineFactory(order=VoucherOrderFactory(partner=partner)),
        VoucherCode: lambda: voucher_code_for(partner),
        CertificateRequest: lambda: CertificateRequestFactory(code=voucher_code_for(partner, status="used")),
        BalanceAccount: lambda: BalanceAccount.unscoped.filter(partner=partner).first()
        or BalanceAccountFactory(partner=partner),
        LedgerEntry: lambda: LedgerEntryFactory(partner=partner),
        TaskProgress: lambda: TaskProgressFactory(partner=partner),
        LedgerItem: lambda: LedgerItemFactory(entry=LedgerEntryFactory(partner=partner)),
        Invoice: lambda: InvoiceFactory(partner=partner),
        Payment: lambda: PaymentFactory(invoice=InvoiceFactory(partner=partner)),
        Quote: lambda: QuoteFactory(partner=partner),
        QuoteLine: lambda: QuoteLineFactory(quote=QuoteFactory(partner=partner, kind="products")),
        Customer: lambda: CustomerFactory(partner=partner),
        PurchaseAuthorization: lambda: PurchaseAuthorizationFactory(customer=CustomerFactory(partner=partner)),
        PALine: lambda: PALineFactory(authorization=PurchaseAuthorizationFactory(customer=CustomerFactory(
            partner=partner))),
        LicenceAssignment: lambda: LicenceAssignmentFactory(line=PALineFactory(
            authorization=PurchaseAuthorizationFactory(customer=CustomerFactory(partner=partner)))),
        Subscription: lambda: SubscriptionFactory(customer=CustomerFactory(partner=partner)),
        SubscriptionPeriod: lambda: SubscriptionPeriodFactory(subscription=SubscriptionFactory(
            customer=CustomerFactory(partner=partner))),
        Renewal: lambda: RenewalFactory(customer=CustomerFactory(partner=partner)),
        LicencePool: lambda: LicencePoolFactory(partner=partner),
        PoolEntry: lambda: PoolEntryFactory(pool=LicencePoolFactory(partner=partner)),
        RenewalNotice: lambda: RenewalNoticeFactory(customer=CustomerFactory(partner=partner)),
    }
    return makers[model]()


FACTORY_MODELS = {Partner, Reseller, Membership, BillingContact, DelegationConsent, PartnerInvitation, PriceTable,
                  PriceEntry,
                  LicencePrice, ApiKey, AuditEntry, VoucherOrder, VoucherOrderLine, VoucherCode, CertificateRequest,
                  BalanceAccount,
                  LedgerEntry, TaskProgress, LedgerItem, Invoice, Payment, Quote, QuoteLine, Customer,
                  PurchaseAuthorization, PALine, LicenceAssignment, Subscription, SubscriptionPeriod, Renewal,
                  LicencePool, PoolEntry, RenewalNotice}
