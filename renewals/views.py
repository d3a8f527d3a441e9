from django.views.generic import TemplateView

from portal.tenancy.mixins import TenantRequiredMixin
from portal.tenancy.roles import Perm


class RenewalsHomeView(TenantRequiredMixin, TemplateView):
    permission = Perm.RENEWALS_VIEW
    template_name = "renewals/home.html"
