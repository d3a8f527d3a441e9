"""B-2: the issuer's qualified-invoice registration number is checked at start-up."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import checks

ROOT = Path(__file__).resolve().parents[2]


def _errors(settings, number):
    settings.PORTAL_ISSUER = {**settings.PORTAL_ISSUER, "registration_number": number}
    return [message.id for message in checks.run_checks(tags=["portal"]) if message.is_serious()]


@pytest.mark.parametrize("number", ["T8010001078219", "T801000107821", "8010001078218", ""])
def test_b2_system_check_refuses_a_wrong_registration_number(settings, number):
    assert _errors(settings, number) == ["billing.E001"]


def test_b2_system_check_passes_a_valid_registration_number(settings):
    assert _errors(settings, "T8010001078218") == []


def _run(*args, number: str):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test",
           "PORTAL_ISSUER_REGISTRATION_NUMBER": number}
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("command", [["manage.py", "check"], ["manage.py", "migrate", "--noinput"],
                                     ["-m", "portal.serve", "web"]])
def test_b2_check_migrate_and_the_servers_refuse_to_start_with_a_wrong_number(command):
    result = _run(*command, number="T8010001078219")
    assert result.returncode != 0
    assert "billing.E001" in result.stderr and "T8010001078219" in result.stderr


def test_b2_manage_check_is_clean_with_the_valid_number():
    result = _run("manage.py", "check", number="T8010001078218")
    assert result.returncode == 0, result.stderr
