"""/api/v1/: every app's API routes are registered here."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from billing.api import BalanceView, InvoiceStatementPdfView, InvoiceViewSet, LedgerEntryListView
from billing.quotes.api import QuoteViewSet
from customers.api import (
    AuthorizationViewSet,
    ConsoleCustomerListView,
    ConsoleLicenceAssignView,
    ConsoleProductRequestView,
    CustomerViewSet,
)
from portal.catalogue.api import PriceTableView
from portal.jobs.api import TaskProgressViewSet
from renewals.api import CustomerRenewalView, PoolEntryListView, PoolViewSet, RenewalViewSet, SubscriptionViewSet
from vouchers.api import (
    VoucherCodeViewSet,
    VoucherOrderCodesCsvView,
    VoucherOrdersCsvView,
    VoucherOrderViewSet,
    VoucherUsedCodesCsvView,
)

from .views import ApiKeyViewSet, MeView

router = SimpleRouter()
router.register("api-keys", ApiKeyViewSet, basename="api-key")
router.register("tasks", TaskProgressViewSet, basename="task")
router.register("voucher-orders", VoucherOrderViewSet, basename="voucher-order")
router.register("voucher-codes", VoucherCodeViewSet, basename="voucher-code")
router.register("invoices", InvoiceViewSet, basename="invoice")
router.register("quotes", QuoteViewSet, basename="quote")
router.register("customers", CustomerViewSet, basename="customer")
router.register("authorizations", AuthorizationViewSet, basename="authorization")
router.register("subscriptions", SubscriptionViewSet, basename="subscription")
router.register("renewals", RenewalViewSet, basename="renewal")
router.register("pools", PoolViewSet, basename="pool")

urlpatterns = [
    path("me/", MeView.as_view(), name="api_me"),
    path("price-table/", PriceTableView.as_view(), name="api_price_table"),
    path("balance/", BalanceView.as_view(), name="api_balance"),
    path("balance/ledger/", LedgerEntryListView.as_view(), name="api_ledger"),
    # CSV downloads keep their file names (no trailing slash), so they are plain paths.
    path("voucher-orders/export.csv", VoucherOrdersCsvView.as_view(), name="api_voucher_orders_csv"),
    path("voucher-orders/<int:pk>/codes.csv", VoucherOrderCodesCsvView.as_view(),
         name="api_voucher_order_codes_csv"),
    path("voucher-codes/used.csv", VoucherUsedCodesCsvView.as_view(), name="api_voucher_used_codes_csv"),
    path("customers/<int:pk>/renewal/", CustomerRenewalView.as_view(), name="api_customer_renewal"),
    path("pools/ledger/", PoolEntryListView.as_view(), name="api_pool_ledger"),
    path("invoices/<int:pk>/statement.pdf", InvoiceStatementPdfView.as_view(), name="api_invoice_statement_pdf"),
    # The customer admin's console: session only, scoped by the signed-in person (not a tenant).
    path("console/customers/", ConsoleCustomerListView.as_view(), name="api_console_customers"),
    path("console/customers/<int:pk>/requests/", ConsoleProductRequestView.as_view(),
         name="api_console_customer_requests"),
    path("console/licences/<int:pk>/assign/", ConsoleLicenceAssignView.as_view(), name="api_console_licence_assign"),
    *router.urls,
]
