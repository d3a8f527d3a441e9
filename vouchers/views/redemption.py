"""Public redemption pages (V-8), the end customer's requests, and the operator's review (V-9).

A redemption URL carries the code itself, so these pages are rate-limited per client; an
unknown code and a replaced one get the same page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from portal.downloads import no_store
from portal.errors import PortalError, add_to_form
from portal.ratelimit import rate_limited
from portal.tenancy.mixins import OperatorRequiredMixin

from .. import services
from ..forms import certificate_request_form
from ..models import CertificateRequest, RequestStatus
from ..services.redemption import redemption_refusal

__all__ = ["CertificateReviewView", "CertificateReviewActionView", "MyRequestsView", "RedeemView"]


@method_decorator(rate_limited("redeem", methods=("GET", "POST")), name="dispatch")
@no_store
class RedeemView(View):
    renewal = False
    template_name = "vouchers/redeem.html"

    def dispatch(self, request, value: str, *args, **kwargs):
        self.code = services.voucher_code_for_redemption(value)
        refusal = redemption_refusal(self.code)
        if refusal is not None:
            return render(request, "vouchers/redeem_refused.html", {"message": refusal.message,
                                                                     "reason": refusal.code}, status=refusal.status)
        return super().dispatch(request, value, *args, **kwargs)

    def get(self, request, value: str):
        return self._render(request, certificate_request_form(self.code.line))

    def post(self, request, value: str):
        if not request.user.is_authenticated:
            return redirect(f"{request.path}")
        form = certificate_request_form(self.code.line, request.POST)
        if form.is_valid():
            try:
                certificate_request = services.voucher_redeem(value=self.code.value, requester=request.user,
                                                              data=form.request_input(), renewal=self.renewal)
            except PortalError as error:
                if error.field is None or error.status != 400:
                    return render(request, "vouchers/redeem_refused.html",
                                  {"message": error.message, "reason": error.code}, status=error.status)
                add_to_form(form, error)
            else:  # redirect after the POST: a reload never submits the request again
                messages.success(request, _("Request received: your certificate request for %(name)s was received. "
                                            "We validate it and e-mail you when the certificate is issued.")
                                 % {"name": certificate_request.common_name or certificate_request.organisation})
                return redirect("my_requests")
        return self._render(request, form)

    def _render(self, request, form):
        return render(request, self.template_name, {"code": self.code, "line": self.code.line, "form": form,
                                                    "renewal": self.renewal})


class RedeemRenewalView(RedeemView):
    renewal = True


__all__.append("RedeemRenewalView")


class MyRequestsView(LoginRequiredMixin, TemplateView):
    """The end customer's own certificate requests (scoped by the signed-in person, not a partner)."""

    template_name = "vouchers/my_requests.html"

    def get_context_data(self, **kwargs):
        requests = CertificateRequest.unscoped.filter(requester=self.request.user).select_related("code__line__product")
        return super().get_context_data(requests=requests, **kwargs)


class CertificateReviewView(OperatorRequiredMixin, TemplateView):
    template_name = "vouchers/review.html"

    def get_context_data(self, **kwargs):
        status = self.request.GET.get("status", RequestStatus.PENDING)
        requests = CertificateRequest.unscoped.select_related("partner", "code__line__product", "requester")
        if status in RequestStatus.values:
            requests = requests.filter(status=status)
        page = Paginator(requests.order_by("requested_at"), 50).get_page(self.request.GET.get("page"))
        return super().get_context_data(page=page, status=status, statuses=RequestStatus.choices, **kwargs)


class CertificateReviewActionView(OperatorRequiredMixin, View):
    model = CertificateRequest

    def post(self, request, pk: int):
        certificate_request = get_object_or_404(CertificateRequest.unscoped, pk=pk)
        outcome = request.POST.get("outcome", "")
        try:
            if outcome == RequestStatus.ISSUED:
                services.certificate_request_approve(actor=request.user, certificate_request=certificate_request)
            else:
                services.certificate_request_withdraw(actor=request.user, certificate_request=certificate_request,
                                                      outcome=outcome)
        except PortalError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Request %(number)s updated.") % {"number": pk})
        return redirect("certificate_review")
