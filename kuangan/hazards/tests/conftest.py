import pytest

from kuangan.core.choices import Role
from kuangan.core.tests.factories import make_organization, make_user
from kuangan.registry.tests.factories import make_enterprise, make_mine


class People:
    """One mine in 白山市江源区 (220605) with the people around it."""

    def __init__(self):
        self.enterprise = make_enterprise("220605")
        self.mine = make_mine("220605", enterprise=self.enterprise)
        self.principal = make_user(organization=self.enterprise, role=Role.ENTERPRISE_PRINCIPAL)
        self.officer = make_user(organization=self.enterprise, role=Role.ENTERPRISE_SAFETY_OFFICER)
        self.officer2 = make_user(organization=self.enterprise, role=Role.ENTERPRISE_SAFETY_OFFICER)
        self.county_org = make_organization("220605")
        self.county = make_user(organization=self.county_org, role=Role.REGULATOR_INSPECTOR)
        self.city_org = make_organization("220600")
        self.city = make_user(organization=self.city_org, role=Role.REGULATOR_INSPECTOR)
        self.city_leader = make_user(organization=self.city_org, role=Role.REGULATOR_LEADER)
        self.province_org = make_organization("220000")
        self.province = make_user(organization=self.province_org, role=Role.REGULATOR_LEADER)
        self.other_county = make_user("220102", role=Role.REGULATOR_INSPECTOR)
        self.other_enterprise = make_user("220605", role=Role.ENTERPRISE_PRINCIPAL)
        self.government = make_user("220605", role=Role.GOVERNMENT_USER)


@pytest.fixture
def people(db):
    return People()
