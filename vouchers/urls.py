from django.urls import path

from . import views

urlpatterns = [
    path("", views.VouchersHomeView.as_view(), name="vouchers_home"),
    path("new/", views.VoucherOrderCreateView.as_view(), name="voucher_order_new"),
    path("new/prices/", views.VoucherPriceView.as_view(), name="voucher_order_prices"),
    path("<int:pk>/", views.VoucherOrderDetailView.as_view(), name="voucher_order"),
    path("<int:pk>/cancel/", views.VoucherOrderCancelView.as_view(), name="voucher_order_cancel"),
    path("<int:pk>/codes.csv", views.VoucherOrderCodesCsvView.as_view(), name="voucher_order_codes_csv"),
    path("<int:pk>/vouchers.pdf", views.VoucherOrderPdfView.as_view(), name="voucher_order_pdf"),
    path("codes/<int:pk>/voucher.pdf", views.VoucherCodePdfView.as_view(), name="voucher_code_pdf"),
    path("codes/<int:pk>/reissue/", views.VoucherCodeReissueView.as_view(), name="voucher_code_reissue"),
    path("exports/orders.csv", views.VoucherOrdersCsvView.as_view(), name="voucher_orders_csv"),
    path("exports/used-codes.csv", views.VoucherUsedCodesCsvView.as_view(), name="voucher_used_codes_csv"),
]
