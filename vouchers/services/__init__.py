"""Voucher writes. `grep "def voucher_"` lists every voucher operation."""

from .codes import voucher_code_reissue, voucher_expire_due
from .orders import LineRequest, voucher_expiry, voucher_order_cancel, voucher_order_create
from .pdf import voucher_order_pdf_start
from .redemption import (
    CertificateRequestInput,
    certificate_request_approve,
    certificate_request_withdraw,
    voucher_code_for_redemption,
    voucher_redeem,
)

__all__ = [
    "CertificateRequestInput", "LineRequest", "certificate_request_approve", "certificate_request_withdraw",
    "voucher_code_for_redemption", "voucher_code_reissue", "voucher_expire_due", "voucher_expiry",
    "voucher_order_cancel", "voucher_order_create", "voucher_order_pdf_start", "voucher_redeem",
]
