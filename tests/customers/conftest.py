import pytest

from portal.tenancy.roles import Role
from tests.conftest import client_for, member, tenant_for
from tests.factories import LicenceProductFactory


@pytest.fixture
def manager_user(partner):
    return member(partner, Role.ACCOUNT_MANAGER)


@pytest.fixture
def manager(manager_user, partner):
    return tenant_for(manager_user, partner)


@pytest.fixture
def manager_client(manager_user):
    return client_for(manager_user)


@pytest.fixture
def team_product(db):
    return LicenceProductFactory(name="Creative Cloud for teams — All Apps")


@pytest.fixture
def excluded_product(db):
    return LicenceProductFactory(name="Acrobat Pro — device licence", not_available_through_pa=True)
