from django.views.generic import TemplateView

from portal.tenancy.mixins import TenantRequiredMixin
from portal.tenancy.roles import Perm


class BillingHomeView(TenantRequiredMixin, TemplateView):
    permission = Perm.BALANCE_VIEW
    template_name = "billing/home.html"
