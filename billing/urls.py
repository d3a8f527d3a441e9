from django.urls import include, path

from .views import BalanceView

urlpatterns = [
    path("", BalanceView.as_view(), name="billing_home"),
    path("quotes/", include("billing.quote_urls")),
]
