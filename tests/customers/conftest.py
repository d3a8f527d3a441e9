import pytest

from tests.factories import LicenceProductFactory


@pytest.fixture
def team_product(db):
    return LicenceProductFactory(name="Creative Cloud for teams — All Apps")


@pytest.fixture
def excluded_product(db):
    return LicenceProductFactory(name="Acrobat Pro — device licence", not_available_through_pa=True)
