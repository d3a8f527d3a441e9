from django.urls import include, path

from .views import BalanceView
from .views import invoices as invoice_views

urlpatterns = [
    path("", BalanceView.as_view(), name="billing_home"),
    path("invoices/", invoice_views.InvoiceListView.as_view(), name="invoices"),
    path("invoices/export.csv", invoice_views.InvoicesCsvView.as_view(), name="invoices_csv"),
    path("invoices/<int:pk>/", invoice_views.InvoiceDetailView.as_view(), name="invoice"),
    path("invoices/<int:pk>/invoice.pdf", invoice_views.InvoiceFileView.as_view(document="pdf"), name="invoice_pdf"),
    path("invoices/<int:pk>/statement.pdf", invoice_views.InvoiceFileView.as_view(document="statement_pdf"),
         name="invoice_statement_pdf"),
    path("quotes/", include("billing.quotes.urls")),
]
