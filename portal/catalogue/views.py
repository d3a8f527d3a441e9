from django.http import JsonResponse
from django.views import View
from django.views.generic import TemplateView

from portal.dates import local_today
from portal.errors import PortalError
from portal.tenancy.mixins import TenantRequiredMixin
from portal.tenancy.roles import Perm

from .lines import BaseProductLineFormSet, line_prices_live
from .selectors import contract_products_today, price_table_for_display


class AccountPricesView(TenantRequiredMixin, TemplateView):
    """Finance → Account prices (P-2): the contract, its validity and every price."""

    permission = Perm.PRICES_VIEW
    template_name = "catalogue/account_prices.html"

    def get_context_data(self, **kwargs):
        today = local_today(self.tenant.partner.time_zone)
        view = price_table_for_display(tenant=self.tenant, on=today)
        valid = bool(view.table and view.table.valid_from <= today <= view.table.valid_until)
        return super().get_context_data(table=view.table, entries=view.entries, licence_prices=view.licence_prices,
                                        valid=valid, **kwargs)


class LinePricesView(TenantRequiredMixin, View):
    """Live line prices and total for a product-lines form (POST the form as it is; JSON back).
    The form works without it. Subclasses set `permission` and `formset_class`.

    200 `{"lines": [{"unit", "total"} | {"error"} | {}, …], "total"}` (money formatted in the
    request's language); 400 `{"errors": [{field, code, message}]}` when no contract is valid today.
    """

    formset_class: type[BaseProductLineFormSet]

    def post(self, request):
        try:
            products, table = contract_products_today(tenant=self.tenant)
        except PortalError as error:
            return JsonResponse({"errors": [error.as_dict()]}, status=400)
        formset = self.formset_class(request.POST, products=products)
        return JsonResponse(line_prices_live(table=table, formset=formset, language=request.LANGUAGE_CODE))
