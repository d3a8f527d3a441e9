from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from billing.views import invoices as invoice_views
from customers import views as customer_views
from portal import mailbox_views
from portal.audit import views as audit_views
from portal.catalogue import views_operator as price_table_views
from portal.catalogue.views import AccountPricesView
from portal.jobs.views import TaskProgressDownloadView, TaskProgressView
from portal.tenancy import views as tenancy_views
from portal.tenancy import views_operator as partner_views
from portal.views import DashboardView, LoginView, PasswordResetView, favicon
from renewals import views as renewal_views
from vouchers import views as voucher_views

# Swagger UI sets styles inline; the page may do that (never scripts).
api_docs_view = csp_update({"style-src": ["'unsafe-inline'"]})(
    SpectacularSwaggerSplitView.as_view(url_name="api_schema", permission_classes=[AllowAny]))

account_patterns = [
    path("settings/", tenancy_views.PartnerSettingsView.as_view(), name="partner_settings"),
    path("billing-contact/", tenancy_views.BillingContactView.as_view(), name="billing_contact"),
    path("users/", tenancy_views.MembershipListView.as_view(), name="users"),
    path("users/<int:pk>/", tenancy_views.MembershipDetailView.as_view(), name="user_detail"),
    path("users/<int:pk>/remove/", tenancy_views.MembershipRemoveView.as_view(), name="user_remove"),
    path("api-keys/", tenancy_views.ApiKeyListView.as_view(), name="api_keys"),
    path("api-keys/<int:pk>/revoke/", tenancy_views.ApiKeyRevokeView.as_view(), name="api_key_revoke"),
    path("consent/", tenancy_views.ConsentView.as_view(), name="consent"),
    path("switch/", tenancy_views.SwitchPartnerView.as_view(), name="switch_partner"),
]

auth_patterns = [
    path("login/", LoginView.as_view(), name="login"),
    path("signup/", tenancy_views.SignUpView.as_view(), name="signup"),
    path("signup/confirm/<str:token>/", tenancy_views.SignUpConfirmView.as_view(), name="signup_confirm"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]

operator_patterns = [
    path("", tenancy_views.OperatorHomeView.as_view(), name="operator_home"),
    path("partners/new/", partner_views.PartnerCreateView.as_view(), name="operator_partner_new"),
    path("partners/<int:pk>/", partner_views.PartnerDetailView.as_view(), name="operator_partner"),
    path("partners/<int:pk>/commercial/", partner_views.PartnerCommercialView.as_view(),
         name="operator_partner_commercial"),
    path("partners/<int:pk>/billing-contact/", partner_views.PartnerBillingContactView.as_view(),
         name="operator_partner_billing_contact"),
    path("partners/<int:pk>/invite/", partner_views.PartnerInviteView.as_view(), name="operator_partner_invite"),
    path("partners/<int:pk>/price-tables/new/", price_table_views.PriceTableCreateView.as_view(),
         name="operator_price_table_new"),
    path("price-tables/<int:pk>/", price_table_views.PriceTableView.as_view(), name="operator_price_table"),
    path("price-tables/<int:pk>/import/", price_table_views.PriceTableImportView.as_view(),
         name="operator_price_table_import"),
    path("price-tables/<int:pk>/export.csv", price_table_views.PriceTableExportView.as_view(),
         name="operator_price_table_export"),
    path("partners/<int:pk>/enter/", tenancy_views.EnterPartnerView.as_view(), name="enter_partner"),
    path("leave/", tenancy_views.LeavePartnerView.as_view(), name="leave_partner"),
    path("sign-in-lockouts/", tenancy_views.OperatorLockoutsView.as_view(), name="operator_lockouts"),
    path("certificate-requests/", voucher_views.CertificateReviewView.as_view(), name="certificate_review"),
    path("invoices/", invoice_views.OperatorInvoicesView.as_view(), name="operator_invoices"),
    path("invoices/export.csv", invoice_views.OperatorInvoicesCsvView.as_view(), name="operator_invoices_csv"),
    path("invoices/<int:pk>/payments/", invoice_views.OperatorPaymentView.as_view(), name="operator_invoice_payment"),
    path("authorizations/<int:pk>/returned/", customer_views.PAReturnedView.as_view(), name="pa_returned"),
    path("pools/", renewal_views.OperatorPoolsView.as_view(), name="operator_pools"),
    path("certificate-requests/<int:pk>/", voucher_views.CertificateReviewActionView.as_view(),
         name="certificate_review_action"),
]

urlpatterns = [
    path("", DashboardView.as_view(), name="dashboard"),
    path("accounts/", include(auth_patterns)),
    path("account/", include(account_patterns)),
    path("audit/", audit_views.AuditLogView.as_view(), name="audit_log"),
    path("audit/<int:pk>/", audit_views.AuditEntryView.as_view(), name="audit_entry"),
    path("finance/prices/", AccountPricesView.as_view(), name="account_prices"),
    path("tasks/<int:pk>/", TaskProgressView.as_view(), name="task_progress"),
    path("tasks/<int:pk>/download/", TaskProgressDownloadView.as_view(), name="task_download"),
    path("operator/", include(operator_patterns)),
    path("vouchers/", include("vouchers.urls")),
    path("redeem/<str:value>/", voucher_views.RedeemView.as_view(), name="redeem"),
    path("redeem/<str:value>/renew/", voucher_views.RedeemRenewalView.as_view(), name="redeem_renewal"),
    path("my/requests/", voucher_views.MyRequestsView.as_view(), name="my_requests"),
    path("invitation/partner/<str:token>/", partner_views.PartnerInvitationView.as_view(), name="partner_invitation"),
    path("invitation/<str:token>/", customer_views.InvitationView.as_view(), name="customer_invitation"),
    path("console/", customer_views.ConsoleHomeView.as_view(), name="console"),
    path("console/<int:pk>/", customer_views.ConsoleCustomerView.as_view(), name="console_customer"),
    path("console/licences/<int:pk>/assign/", customer_views.ConsoleAssignView.as_view(), name="console_assign"),
    path("console/assignments/<int:pk>/unassign/", customer_views.ConsoleUnassignView.as_view(),
         name="console_unassign"),
    path("customers/", include("customers.urls")),
    path("renewals/", include("renewals.urls")),
    path("billing/", include("billing.urls")),
    path("i18n/setlang/", tenancy_views.set_language, name="set_language"),
    path("dev/mail/", mailbox_views.MailboxView.as_view(), name="dev_mailbox"),
    path("dev/mail/<str:name>/", mailbox_views.MailboxMessageView.as_view(), name="dev_mail"),
    path("dev/mail/<str:name>/<int:index>/", mailbox_views.MailboxAttachmentView.as_view(),
         name="dev_mail_attachment"),
    path("favicon.ico", favicon),
    path("admin/", admin.site.urls),
    path("api/v1/", include("portal.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="api_schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script (CSP).
    path("api/docs/", api_docs_view, name="api_docs"),
]

handler404 = "portal.views.page_not_found"
