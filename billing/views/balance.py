from django.views.generic import TemplateView

from portal.listing import UncountedPaginator
from portal.tenancy.mixins import TenantRequiredMixin
from portal.tenancy.roles import Perm

from ..forms import LedgerFilterForm
from ..selectors import ledger_entries, ledger_reference_links
from ..services import balance_funds


class BalanceView(TenantRequiredMixin, TemplateView):
    """Finance → Balance (B-7): balance, unpaid invoices, credit limit, funds available, ledger."""

    permission = Perm.BALANCE_VIEW
    template_name = "billing/balance.html"

    def get_context_data(self, **kwargs):
        form = LedgerFilterForm(self.request.GET or None)
        filters = form.cleaned_data if form.is_valid() else {}
        entries = ledger_entries(tenant=self.tenant, **filters).select_related("created_by")
        # A ledger grows to millions of lines: its pages are never counted.
        page = UncountedPaginator(entries, 50).get_page(self.request.GET.get("page"))
        ledger_reference_links(tenant=self.tenant, entries=page.object_list)
        return super().get_context_data(funds=balance_funds(partner=self.tenant.partner), form=form, page=page,
                                        **kwargs)
