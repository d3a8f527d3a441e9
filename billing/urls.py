from django.urls import path

from .views import BillingHomeView

urlpatterns = [
    path("", BillingHomeView.as_view(), name="billing_home"),
]
