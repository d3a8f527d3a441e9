from django.urls import path

from .views import RenewalsHomeView

urlpatterns = [
    path("", RenewalsHomeView.as_view(), name="renewals_home"),
]
