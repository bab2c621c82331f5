from kuangan.core.choices import Role
from kuangan.core.models import Region


def test_jilin_has_nine_prefectures_and_sixty_counties(db):
    assert Region.objects.filter(level="city").count() == 9
    assert Region.objects.filter(level="county").count() == 60


def test_meihekou_hangs_under_the_province(db):
    meihekou = Region.objects.get(code="220581")
    assert meihekou.province_direct
    assert meihekou.path == "/220000/220581/"


def test_inspector_home_page_renders(client, user_in):
    user = user_in("220605", role=Role.REGULATOR_INSPECTOR)
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
