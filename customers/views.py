from django.views.generic import TemplateView

from portal.tenancy.mixins import TenantRequiredMixin
from portal.tenancy.roles import Perm


class CustomersHomeView(TenantRequiredMixin, TemplateView):
    permission = Perm.CUSTOMERS_VIEW
    template_name = "customers/home.html"
