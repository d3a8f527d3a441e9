from django.views.generic import TemplateView

from portal.tenancy.mixins import TenantRequiredMixin
from portal.tenancy.roles import Perm


class VouchersHomeView(TenantRequiredMixin, TemplateView):
    permission = Perm.VOUCHERS_VIEW
    template_name = "vouchers/home.html"
