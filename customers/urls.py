from django.urls import path

from .views import CustomersHomeView

urlpatterns = [
    path("", CustomersHomeView.as_view(), name="customers_home"),
]
