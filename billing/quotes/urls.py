"""Finance → Quotes (B-9), mounted under /billing/quotes/."""

from django.urls import path

from .views import (
    QuoteCreateView,
    QuoteDeleteView,
    QuoteDetailView,
    QuoteEmailView,
    QuoteListView,
    QuotePdfView,
    QuotePreviewView,
    QuotePriceView,
)

urlpatterns = [
    path("", QuoteListView.as_view(), name="quotes"),
    path("new/", QuoteCreateView.as_view(), name="quote_new"),
    path("new/prices/", QuotePriceView.as_view(), name="quote_prices"),
    path("<int:pk>/", QuoteDetailView.as_view(), name="quote"),
    path("<int:pk>/pdf/", QuotePdfView.as_view(), name="quote_pdf"),
    path("<int:pk>/preview/", QuotePreviewView.as_view(), name="quote_preview"),
    path("<int:pk>/email/", QuoteEmailView.as_view(), name="quote_email"),
    path("<int:pk>/delete/", QuoteDeleteView.as_view(), name="quote_delete"),
]
