from django.urls import path

from . import views

urlpatterns = [
    path("", views.RenewalsHomeView.as_view(), name="renewals_home"),
    path("export.csv", views.RenewalsCsvView.as_view(), name="renewals_csv"),
    path("customers/<int:pk>/renew/", views.RenewView.as_view(), name="customer_renew"),
    path("pools/", views.PoolsView.as_view(), name="pools"),
    path("pools/buy/", views.PoolPurchaseView.as_view(), name="pool_buy"),
    path("pools/transfer/", views.PoolTransferView.as_view(), name="pool_transfer"),
]
