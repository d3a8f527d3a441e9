from django.core.paginator import Paginator
from django.views.generic import DetailView, TemplateView

from portal.tenancy.mixins import TenantObjectMixin, TenantRequiredMixin
from portal.tenancy.roles import Perm

from .display import action_label, change_rows, object_label
from .forms import AuditFilterForm
from .models import AuditEntry
from .selectors import audit_actions, audit_entries


class AuditLogView(TenantRequiredMixin, TemplateView):
    permission = Perm.AUDIT_VIEW
    template_name = "audit/log.html"

    def get_context_data(self, **kwargs):
        form = AuditFilterForm(self.request.GET or None, actions=audit_actions(tenant=self.tenant))
        filters = form.cleaned_data if form.is_valid() else {}
        entries = audit_entries(tenant=self.tenant, action=filters.get("action", ""),
                                date_from=filters.get("date_from"), date_to=filters.get("date_to"))
        page = Paginator(entries, 50).get_page(self.request.GET.get("page"))
        page.object_list = list(page.object_list)
        for entry in page.object_list:
            entry.action_label, entry.object_label = action_label(entry.action), object_label(entry)
        return super().get_context_data(form=form, page=page, **kwargs)


class AuditEntryView(TenantObjectMixin, DetailView):
    model = AuditEntry
    permission = Perm.AUDIT_VIEW
    template_name = "audit/entry.html"
    context_object_name = "entry"

    def get_context_data(self, **kwargs):
        entry = self.object
        return super().get_context_data(action=action_label(entry.action), object_label=object_label(entry),
                                        changes=change_rows(entry), **kwargs)
