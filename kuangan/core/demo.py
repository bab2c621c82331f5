"""Deterministic demo data for Jilin province (demo only: fictitious enterprises and people).

``load(ctx)`` of each app's ``demo`` module runs in app order; this one creates the regulators,
governments, enterprises, agencies and one user per role, and puts them into ``ctx`` for the
apps after it (the registry adds the mines)."""

from __future__ import annotations

import random

from django.conf import settings

from .choices import OrganizationKind, RegulatorAgency, Role
from .credit_code import make_credit_code
from .models import Organization, Region, User
from .services import user_create

# Enforcement offices of the national bureau's Jilin office and the cities each one governs.
ENFORCEMENT_OFFICES = {
    "国家矿山安全监察局吉林局监察执法一处": ["220100", "220200", "220300", "220400"],
    "国家矿山安全监察局吉林局监察执法二处": ["220500", "220600", "220581"],
    "国家矿山安全监察局吉林局监察执法三处": ["220700", "220800", "222400"],
}

GROUP_NAME = "吉源能源集团有限公司（演示）"

# (enterprise name stem, county code). Fictitious names, in real counties with mining.
ENTERPRISES = [
    ("白山市江源区松树镇煤业有限公司", "220605"),
    ("白山市江源区大阳岔煤矿有限公司", "220605"),
    ("白山市浑江区六道江煤业有限公司", "220602"),
    ("临江市苇沙河矿业有限公司", "220681"),
    ("靖宇县龙泉铁矿有限公司", "220622"),
    ("抚松县仙人桥硅藻土矿业有限公司", "220621"),
    ("长白朝鲜族自治县金华矿业有限公司", "220623"),
    ("通化县快大茂铁矿有限公司", "220521"),
    ("集安市清河金矿有限公司", "220582"),
    ("辉南县石道河子煤业有限公司", "220523"),
    ("柳河县圣水河子矿业有限公司", "220524"),
    ("梅河口市海龙煤矿有限公司", "220581"),
    ("磐石市红旗岭镍矿有限公司", "220284"),
    ("桦甸市夹皮沟黄金矿业有限公司", "220282"),
    ("舒兰市丰广煤业有限公司", "220283"),
    ("蛟河市奶子山煤业有限公司", "220281"),
    ("永吉县岔路河石灰石矿有限公司", "220221"),
    ("九台区营城煤业有限公司", "220113"),
    ("双阳区石溪石灰石矿有限公司", "220112"),
    ("辽源市西安区富国煤业有限公司", "220403"),
    ("东辽县安恕矿业有限公司", "220422"),
    ("东丰县小四平石材矿业有限公司", "220421"),
    ("伊通满族自治县大孤山矿业有限公司", "220323"),
    ("珲春市八连城煤业有限公司", "222404"),
    ("汪清县天桥岭钼矿有限公司", "222424"),
    ("和龙市官地铁矿有限公司", "222406"),
    ("敦化市塔拉站矿业有限公司", "222403"),
    ("龙井市开山屯矿业有限公司", "222405"),
    ("安图县两江镇矿业有限公司", "222426"),
    ("图们市石岘矿业有限公司", "222402"),
    ("洮南市万宝矿业有限公司", "220881"),
    ("前郭尔罗斯蒙古族自治县查干花矿业有限公司", "220721"),
    ("扶余市弓棚子砂石有限公司", "220781"),
    ("大安市安广矿业有限公司", "220882"),
]

# Subsidiaries of the group company: the first five enterprises above.
GROUP_SUBSIDIARIES = 5

AGENCIES = [
    ("吉林省安科安全技术咨询有限公司（演示）", "220102"),
    ("长春华安安全评价有限公司（演示）", "220104"),
    ("白山市金安矿山安全检测检验有限公司（演示）", "220602"),
]

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志强海波红梅立新玉兰文东春雨晓东永胜宏伟德明"


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))


def phone(rng: random.Random) -> str:
    return f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}"


def demo_password() -> str:
    import os

    return os.environ.get("KUANGAN_DEMO_PASSWORD") or settings.DEMO_PASSWORD_DEFAULT


# username: (role, organisation key in ctx["orgs"], real name)
DEMO_USERS = {
    "province_admin": (Role.PROVINCE_ADMIN, "province", "省厅管理员"),
    "province_leader": (Role.REGULATOR_LEADER, "province", "省厅分管领导"),
    "changchun_inspector": (Role.REGULATOR_INSPECTOR, "city:220100", "长春市执法人员"),
    "jilin_city_inspector": (Role.REGULATOR_INSPECTOR, "city:220200", "吉林市执法人员"),
    "baishan_inspector": (Role.REGULATOR_INSPECTOR, "city:220600", "白山市执法人员"),
    "baishan_leader": (Role.REGULATOR_LEADER, "city:220600", "白山市局分管领导"),
    "jiangyuan_inspector": (Role.REGULATOR_INSPECTOR, "county:220605", "江源区执法人员"),
    "meihekou_inspector": (Role.REGULATOR_INSPECTOR, "county:220581", "梅河口市执法人员"),
    "msa_office2_inspector": (Role.REGULATOR_INSPECTOR, "msa:2", "监察执法二处监察员"),
    "enterprise_principal": (Role.ENTERPRISE_PRINCIPAL, "enterprise:0", "企业主要负责人"),
    "enterprise_safety_officer": (Role.ENTERPRISE_SAFETY_OFFICER, "enterprise:0", "企业安全员"),
    "group_inspector": (Role.GROUP_INSPECTOR, "group", "集团安全检查员"),
    "agency_user": (Role.AGENCY_USER, "agency:0", "服务机构人员"),
    "government_user": (Role.GOVERNMENT_USER, "government:220600", "白山市政府工作人员"),
    "system_admin": (Role.SYSTEM_ADMIN, "province", "系统管理员"),
    "security_admin": (Role.SECURITY_ADMIN, "province", "安全管理员"),
    "audit_admin": (Role.AUDIT_ADMIN, "province", "审计管理员"),
}


def _org(**fields) -> Organization:
    org, _ = Organization.objects.get_or_create(
        name=fields.pop("name"), kind=fields.pop("kind"), defaults=fields
    )
    return org


def _regulator(agency: str, name: str, region: Region, **fields) -> Organization:
    return _org(name=name, kind=OrganizationKind.REGULATOR, agency=agency, region=region, **fields)


def load(ctx: dict) -> None:
    rng = random.Random(2023)
    regions = {r.code: r for r in Region.objects.all()}
    orgs: dict[str, Organization] = {}
    province = regions["220000"]
    emergency, mine_safety = RegulatorAgency.EMERGENCY, RegulatorAgency.MINE_SAFETY_ADMIN
    orgs["province"] = _regulator(emergency, "吉林省应急管理厅", province, address="长春市")
    for code, region in regions.items():
        if region.level == "city":
            orgs[f"city:{code}"] = _regulator(
                emergency, f"{region.name}应急管理局", region, parent=orgs["province"]
            )
    for code, region in regions.items():
        if region.level == "county":
            parent = (
                orgs["province"] if region.province_direct else orgs[f"city:{region.parent.code}"]
            )
            orgs[f"county:{code}"] = _regulator(
                emergency, f"{region.name}应急管理局", region, parent=parent
            )
    msa = _regulator(mine_safety, "国家矿山安全监察局吉林局", province)
    orgs["msa"] = msa
    for i, (name, codes) in enumerate(ENFORCEMENT_OFFICES.items(), start=1):
        office = _regulator(mine_safety, name, province, parent=msa)
        office.jurisdiction.set([regions[c] for c in codes])
        orgs[f"msa:{i}"] = office
    for code in ("220600", "220605", "220581"):
        region = regions[code]
        orgs[f"government:{code}"] = _org(
            name=f"{region.name}人民政府", kind=OrganizationKind.GOVERNMENT, region=region
        )
    group = _org(
        name=GROUP_NAME,
        kind=OrganizationKind.ENTERPRISE,
        region=regions["220102"],
        credit_code=make_credit_code("220102", 90000001),
        address="长春市南关区（演示地址）",
        legal_representative=person(rng),
        principal=person(rng),
        phone=phone(rng),
    )
    orgs["group"] = group
    enterprises = []
    for i, (name, county) in enumerate(ENTERPRISES):
        ent = _org(
            name=name,
            kind=OrganizationKind.ENTERPRISE,
            region=regions[county],
            parent=group if i < GROUP_SUBSIDIARIES else None,
            credit_code=make_credit_code(county, 10000000 + i * 7919),
            address=f"{regions[county].name}（演示地址）",
            legal_representative=person(rng),
            principal=person(rng),
            phone=phone(rng),
        )
        orgs[f"enterprise:{i}"] = ent
        enterprises.append(ent)
    for i, (name, county) in enumerate(AGENCIES):
        orgs[f"agency:{i}"] = _org(
            name=name,
            kind=OrganizationKind.AGENCY,
            region=regions[county],
            credit_code=make_credit_code(county, 20000000 + i * 104729),
            principal=person(rng),
            phone=phone(rng),
        )
    password = demo_password()
    for username, (role, org_key, real_name) in DEMO_USERS.items():
        if User.objects.filter(username=username).exists():
            continue
        user_create(
            by=None,
            username=username,
            organization=orgs[org_key],
            roles={role},
            real_name=real_name,
            phone=phone(rng),
            # A password reset's one-time link goes here (printed on the demo's console).
            email=f"{username}@demo.kuangan.invalid",
            password=password,
            must_change_password=False,
        )
    ctx.update(rng=rng, regions=regions, orgs=orgs, enterprises=enterprises, group=group)
