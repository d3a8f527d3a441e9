"""SPEC A: API keys, session auth, error format, pagination, Idempotency-Key, OpenAPI."""

import json
import threading

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.urls import path
from rest_framework.response import Response

from portal.api.base import TenantAPIView
from portal.api.models import ApiKey
from portal.api.services import api_key_create
from portal.audit.models import AuditEntry
from portal.audit.services import audit_record
from portal.errors import PortalError
from portal.tenancy.roles import Perm, Role
from tests.conftest import member, tenant_for


def api_client(raw_key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")


@pytest.fixture
def api_key(admin_tenant):
    key, raw = api_key_create(tenant=admin_tenant, name="ERP", role=Role.PARTNER_FINANCE)
    return key, raw


def test_a_api_key_is_shown_once_and_stored_hashed(admin_client, partner):
    response = admin_client.post("/api/v1/api-keys/", {"name": "ERP", "role": "partner_finance"},
                                 content_type="application/json")
    assert response.status_code == 201
    raw = response.json()["key"]
    key = ApiKey.objects.for_partner(partner).get()
    assert raw.startswith(f"pp_{key.prefix}_")
    assert raw.split("_", 2)[2] not in key.hashed_secret and len(key.hashed_secret) == 64
    listing = admin_client.get("/api/v1/api-keys/").json()
    assert "key" not in listing["results"][0]
    assert AuditEntry.objects.for_partner(partner).get(action="api_key.created").after["role"] == "partner_finance"


def test_a_api_key_authenticates_as_its_partner_and_role(api_key, partner):
    me = api_client(api_key[1]).get("/api/v1/me/")
    assert me.status_code == 200
    body = me.json()
    assert (body["partner"]["id"], body["role"], body["api_key"]) == (partner.pk, "partner_finance", api_key[0].prefix)
    assert "prices.view" in body["permissions"] and "users.manage" not in body["permissions"]


def test_a_revoked_api_key_is_refused_with_401(api_key, admin_client):
    key, raw = api_key
    assert admin_client.post(f"/api/v1/api-keys/{key.pk}/revoke/").status_code == 200
    response = api_client(raw).get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "authentication_failed"


@pytest.mark.parametrize("header", ["Api-Key nonsense", "Api-Key pp_abc_def", "Bearer x"])
def test_a_bad_credentials_get_401_in_the_error_format(db, header):
    response = Client(HTTP_AUTHORIZATION=header).get("/api/v1/me/")
    assert response.status_code == 401
    assert set(response.json()["errors"][0]) == {"field", "code", "message"}


def test_a_session_auth_works_for_the_browser(admin_client, partner):
    assert admin_client.get("/api/v1/me/").json()["partner"]["name"] == partner.name


def test_a_role_without_permission_gets_403(partner):
    from tests.conftest import client_for

    client = client_for(member(partner, Role.ACCOUNT_MANAGER))
    response = client.get("/api/v1/api-keys/")
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "permission_denied"


def test_a_validation_errors_name_the_field(admin_client, partner):
    response = admin_client.post("/api/v1/api-keys/", {"name": "", "role": "emperor"},
                                 content_type="application/json")
    assert response.status_code == 400
    fields = {e["field"]: e["code"] for e in response.json()["errors"]}
    assert fields == {"name": "blank", "role": "invalid_choice"}
    assert ApiKey.objects.for_partner(partner).count() == 0


def test_a_malformed_json_is_a_400_not_a_500(admin_client):
    response = admin_client.post("/api/v1/api-keys/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "parse_error"


def test_a_missing_and_foreign_ids_answer_the_same_404(admin_client, other_admin, other_partner):
    foreign, _raw = api_key_create(tenant=tenant_for(other_admin, other_partner), name="x", role=Role.READ_ONLY)
    missing = admin_client.get(f"/api/v1/api-keys/{foreign.pk + 1000}/")
    theirs = admin_client.get(f"/api/v1/api-keys/{foreign.pk}/")
    assert missing.status_code == theirs.status_code == 404
    assert missing.json() == theirs.json()


def test_a_lists_are_paginated(admin_tenant, admin_client):
    for i in range(3):
        api_key_create(tenant=admin_tenant, name=f"k{i}", role=Role.READ_ONLY)
    page = admin_client.get("/api/v1/api-keys/", {"page_size": 2}).json()
    assert (page["count"], len(page["results"])) == (3, 2)
    assert page["next"].endswith("page=2&page_size=2")


def test_a_price_table_endpoint(price_table, api_key):
    body = api_client(api_key[1]).get("/api/v1/price-table/").json()
    assert (body["currency"], body["is_valid_today"], len(body["entries"])) == ("JPY", True, 6)
    assert {e["offered_price"] for e in body["entries"]} >= {"995.00", "5000.00"}


def test_a_openapi_schema_and_docs(db):
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    doc = json.loads(schema.content)
    assert {"/api/v1/me/", "/api/v1/price-table/", "/api/v1/api-keys/"} <= set(doc["paths"])
    assert doc["components"]["securitySchemes"]["ApiKeyAuth"]["type"] == "apiKey"
    assert Client().get("/api/docs/").status_code == 200


# --- Idempotency-Key, on a small mutating view defined here ---------------------------------

class RecordView(TenantAPIView):
    required_perm = Perm.SETTINGS_VIEW

    def post(self, request):
        if request.data.get("fail"):
            raise PortalError("refused", "Refused on purpose.", field="fail")
        entry = audit_record(action="test.recorded", obj=request.tenant.partner, tenant=request.tenant)
        return Response({"entry": entry.pk}, status=201)


urlpatterns = [path("record/", RecordView.as_view())]


def _post(client, body, key):
    return client.post("/record/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


@override_settings(ROOT_URLCONF=__name__)
def test_a_same_idempotency_key_and_body_replays_the_first_response(api_key, partner):
    client = api_client(api_key[1])
    first, second = _post(client, {"n": 1}, "k-1"), _post(client, {"n": 1}, "k-1")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replay"] == "true"
    assert AuditEntry.objects.for_partner(partner).filter(action="test.recorded").count() == 1
    assert _post(client, {"n": 1}, "k-2").json() != first.json()


@override_settings(ROOT_URLCONF=__name__)
def test_a_same_idempotency_key_with_another_body_answers_409(api_key, partner):
    """SPEC A's statuses are 400/401/403/404/409: a key reused with another body is a conflict."""
    client = api_client(api_key[1])
    _post(client, {"n": 1}, "k-1")
    response = _post(client, {"n": 2}, "k-1")
    assert response.status_code == 409
    assert response.json()["errors"][0] == {"field": "Idempotency-Key", "code": "idempotency_key_reused",
                                            "message": "This Idempotency-Key was used with another request."}
    assert AuditEntry.objects.for_partner(partner).filter(action="test.recorded").count() == 1


def test_a_idempotency_key_reuse_is_documented_in_the_schema(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "409 `idempotency_key_reused`" in schema
    assert "422" not in schema


@override_settings(ROOT_URLCONF=__name__)
def test_a_idempotent_error_responses_replay_too(api_key):
    client = api_client(api_key[1])
    first, second = _post(client, {"fail": True}, "k-9"), _post(client, {"fail": True}, "k-9")
    assert first.status_code == second.status_code == 400
    assert first.json() == second.json()


@pytest.mark.django_db(transaction=True)
@override_settings(ROOT_URLCONF=__name__)
def test_a_concurrent_requests_with_one_idempotency_key_act_once(api_key_factory_tx):
    raw, partner = api_key_factory_tx
    barrier, results = threading.Barrier(4), []

    def call():
        barrier.wait()
        try:
            results.append(_post(api_client(raw), {"n": 1}, "same-key").json())
        finally:
            connection.close()

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert AuditEntry.objects.for_partner(partner).filter(action="test.recorded").count() == 1
    assert len({json.dumps(r, sort_keys=True) for r in results}) == 1


@pytest.fixture
def api_key_factory_tx(transactional_db):
    from tests.factories import BillingContactFactory, PartnerFactory

    partner = PartnerFactory()
    BillingContactFactory(partner=partner)
    admin = member(partner, Role.PARTNER_ADMIN)
    _key, raw = api_key_create(tenant=tenant_for(admin, partner), name="tx", role=Role.PARTNER_ADMIN)
    return raw, partner


def test_a_nested_errors_name_the_item_and_field():
    from rest_framework.exceptions import ValidationError

    from portal.api.exceptions import _flatten

    detail = ValidationError({"lines": {1: {"quantity": ["Too many."]}, "non_field_errors": ["Bad list."]},
                              "notes": ["Too long."]}).detail
    assert {(e["field"], e["message"]) for e in _flatten(detail)} == {
        ("lines[1].quantity", "Too many."), ("lines", "Bad list."), ("notes", "Too long.")}
    listed = ValidationError({"lines": [{}, {"years": ["Bad."]}]}).detail
    assert [e["field"] for e in _flatten(listed)] == ["lines[1].years"]


def test_a_api_times_are_utc_for_keys_and_sessions_alike(admin_tenant, admin_client):
    _key, raw = api_key_create(tenant=admin_tenant, name="admin", role=Role.PARTNER_ADMIN)
    by_key = api_client(raw).get("/api/v1/api-keys/").json()["results"][0]["created_at"]
    by_session = admin_client.get("/api/v1/api-keys/").json()["results"][0]["created_at"]
    assert by_key == by_session and by_key.endswith("Z")


def test_a_idempotency_records_are_kept_a_day(db):
    from datetime import timedelta

    from django.utils import timezone

    from portal.api.models import IdempotencyRecord
    from portal.api.tasks import purge_idempotency_keys
    from tests.factories import IdempotencyRecordFactory

    old, recent = IdempotencyRecordFactory(), IdempotencyRecordFactory()
    IdempotencyRecord.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
    assert purge_idempotency_keys() == 1
    assert list(IdempotencyRecord.objects.values_list("pk", flat=True)) == [recent.pk]
