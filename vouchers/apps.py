from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VouchersConfig(AppConfig):
    name = "vouchers"
    verbose_name = _("Vouchers")

    def ready(self) -> None:
        from portal.jobs.progress import progress_kind
        from portal.tenancy.roles import Perm

        # A whole-order PDF holds every code of the order.
        progress_kind("voucher_order_pdf", perm=Perm.VOUCHER_CODES_REVEAL, subject_url="voucher_order",
                      retry_url="voucher_order_pdf")
