from django.core.management.base import CommandError
from django.db import transaction

from kuangan.core.choices import OrganizationKind, RegulatorAgency, Role
from kuangan.core.management.base import KuanganCommand
from kuangan.core.models import Organization, Region, User
from kuangan.core.services import user_create

ADMIN_ROLES = (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)


class Command(KuanganCommand):
    """Set up a new production database: the organisation that runs the system and its three
    separated administrators (system, security, audit). Each gets a random initial password,
    printed once, to be changed at first login. Refuses when administrators already exist."""

    def add_arguments(self, parser):
        parser.add_argument("--organization", default="吉林省应急管理厅")
        parser.add_argument("--region", default="220000", help="GB/T 2260 code of its region")
        parser.add_argument("--prefix", default="", help="prefix of the three usernames")

    def handle(self, *args, organization, region, prefix, **options):
        try:
            home = Region.objects.get(code=region)
        except Region.DoesNotExist as exc:
            raise CommandError(f"Unknown region code {region!r}.") from exc
        if User.objects.filter(groups__name__in=[str(r) for r in ADMIN_ROLES]).exists():
            raise CommandError("Administrators exist already; nothing was changed.")
        with transaction.atomic():
            org, _ = Organization.objects.get_or_create(
                name=organization,
                kind=OrganizationKind.REGULATOR,
                defaults={"region": home, "agency": RegulatorAgency.EMERGENCY},
            )
            if org.region_id != home.pk:
                raise CommandError(f"{organization} exists in another region; nothing was changed.")
            created = []
            for role in ADMIN_ROLES:
                user, password = user_create(
                    by=None,
                    username=f"{prefix}{role}",
                    organization=org,
                    roles={role},
                    real_name=str(Role(role).label),
                )
                created.append((user.username, password, Role(role).label))
        self.stdout.write(self.style.SUCCESS(f"Administrators of {org.name} created:"))
        for username, password, label in created:
            self.stdout.write(f"  {username:<20} {password}   ({label})")
        self.stdout.write("Each must change this initial password at first login.")
