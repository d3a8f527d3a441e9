"""U-5: a refused permission (403) is logged as one line, without a traceback, once."""

import logging
import logging.config

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from portal.tenancy.roles import Role
from tests.conftest import member

pytestmark = pytest.mark.django_db


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record))


def test_u5_a_403_is_one_log_line(partner):
    logging.config.dictConfig(settings.LOGGING)
    collect = _Collect()
    collect.setFormatter(logging.Formatter("%(name)s %(message)s"))
    logging.getLogger().addHandler(collect)
    try:
        client = Client(raise_request_exception=False)
        client.force_login(member(partner, Role.READ_ONLY))
        assert client.get(reverse("customer_new")).status_code == 403
    finally:
        logging.getLogger().removeHandler(collect)
    forbidden = [line for line in collect.lines if "Forbidden" in line]
    assert len(forbidden) == 1 and "\n" not in forbidden[0] and "Traceback" not in forbidden[0]
