from django.urls import path

from .views import VouchersHomeView

urlpatterns = [
    path("", VouchersHomeView.as_view(), name="vouchers_home"),
]
