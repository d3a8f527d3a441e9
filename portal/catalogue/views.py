from django.views.generic import TemplateView

from portal.dates import local_today
from portal.tenancy.mixins import TenantRequiredMixin
from portal.tenancy.roles import Perm

from .selectors import price_table_for_display


class AccountPricesView(TenantRequiredMixin, TemplateView):
    """Finance → Account prices (P-2): the contract, its validity and every price."""

    permission = Perm.PRICES_VIEW
    template_name = "catalogue/account_prices.html"

    def get_context_data(self, **kwargs):
        today = local_today(self.tenant.partner.time_zone)
        view = price_table_for_display(tenant=self.tenant, on=today)
        valid = bool(view.table and view.table.valid_from <= today <= view.table.valid_until)
        return super().get_context_data(table=view.table, entries=view.entries, valid=valid, **kwargs)
