"""The mine registry: enterprises, mines with every attribute the campaign rules read, the
history of those attributes (so the scope of a mine on a past date can be answered), watch
duty over unmanned long-shutdown mines, and the licence reminders already sent."""

from __future__ import annotations

import datetime as dt
import operator
from decimal import Decimal
from functools import reduce
from typing import ClassVar, cast

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuangan.core.choices import OrganizationKind, RegionLevel
from kuangan.core.models import (
    Organization,
    OrganizationQuerySet,
    Region,
    TimeStampedModel,
    VersionedModel,
    coordinate,
    reference,
    user_reference,
)
from kuangan.core.ownership import Ownership
from kuangan.core.scope import ScopedQuerySet
from kuangan.core.validators import validate_phone

from . import hooks
from .choices import (
    COAL_KINDS,
    MINE_KINDS_NOT_TAILINGS,
    OPEN_PIT_KINDS,
    UNDERGROUND_KINDS,
    ChangeRequestStatus,
    Conversion,
    GasClass,
    HydroClass,
    LicenceKind,
    MineKind,
    MineStatus,
    WatchMode,
)

# Jilin's bounding box (degrees); a mine's coordinates must fall inside it.
JILIN_LON = (Decimal("121.6"), Decimal("131.4"))
JILIN_LAT = (Decimal("40.8"), Decimal("46.4"))

# --- Enterprises ----------------------------------------------------------------------------


class EnterpriseQuerySet(OrganizationQuerySet):
    """Enterprises only. A regulator sees the enterprises registered in its area and those
    owning a mine in its area; an enterprise user its own enterprise (a group: also its
    subsidiaries)."""

    def visible_to(self, user):
        own = OrganizationQuerySet.visible_to(self, user)
        via_mines = Mine.objects.visible_to(user).values("enterprise_id")
        return self.filter(Q(pk__in=own.values("pk")) | Q(pk__in=via_mines))


_EnterpriseManagerBase = models.Manager.from_queryset(EnterpriseQuerySet)


class EnterpriseManager(_EnterpriseManagerBase):
    def get_queryset(self):
        return super().get_queryset().filter(kind=OrganizationKind.ENTERPRISE)


class Enterprise(Organization):
    """A mining enterprise (矿山企业): an ``Organization`` of kind ``enterprise``. Its
    ``parent`` is the group company (上级公司)."""

    objects: ClassVar[EnterpriseManager] = EnterpriseManager()
    # What decides its jurisdiction and its group (region, parent) and who it is (name, credit
    # code, whether it is active) are the regulator's facts; the contacts (address, legal
    # representative, principal, phone) either side keeps up to date.
    ownership = Ownership(
        regulator=("name", "credit_code", "parent", "region", "is_active"),
    )

    class Meta:
        proxy = True
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")

    def save(self, *args, **kwargs):
        self.kind = OrganizationKind.ENTERPRISE
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("registry:enterprise_detail", args=[self.pk])


# --- Mines ----------------------------------------------------------------------------------

# Which kinds each kind-specific attribute applies to. A value other than the "not applicable"
# one (False, None, "" or "none") on another kind is refused by clean() and the database.
KIND_FIELDS: dict[str, frozenset[str]] = {
    "slope_height_m": OPEN_PIT_KINDS,
    "dump_height_m": OPEN_PIT_KINDS | {MineKind.METAL_UNDERGROUND},
    "tailings_grade": frozenset({MineKind.TAILINGS_POND}),
    "head_top": frozenset({MineKind.TAILINGS_POND}),
    "ownerless": frozenset({MineKind.TAILINGS_POND}),
    "reserve_years": MINE_KINDS_NOT_TAILINGS,
    "tailings_into_open_pit": frozenset({MineKind.METAL_OPEN_PIT}),
    "gas_class": frozenset({MineKind.COAL_UNDERGROUND}),
    "hydro_class": MINE_KINDS_NOT_TAILINGS,
    "rockburst": UNDERGROUND_KINDS,
    "spontaneous_combustion": MINE_KINDS_NOT_TAILINGS,
    "design_capacity": MINE_KINDS_NOT_TAILINGS,
}
# 露天转井工 / 井工转露天 (special rectifications 四(一)6(3) and (4)) are states of a mine while
# it converts: recorded whichever way of mining the mine is registered under (an open pit
# becoming underground is still registered as an open pit until the conversion is done). A
# tailings pond has none.
CONVERSION_KINDS: dict[str, frozenset[str]] = {
    Conversion.UNDERGROUND_TO_OPEN_PIT: MINE_KINDS_NOT_TAILINGS,
    Conversion.OPEN_PIT_TO_UNDERGROUND: MINE_KINDS_NOT_TAILINGS,
}

# Fields the campaign rules read: every change of one of them is kept in MineHistory.
RULE_FIELDS = (
    "kind",
    "status",
    "resuming",
    "personnel_on_site",
    "electronic_seal",
    "physically_sealed",
    "slope_height_m",
    "dump_height_m",
    "tailings_grade",
    "head_top",
    "ownerless",
    "reserve_years",
    "conversion",
    "tailings_into_open_pit",
    "gas_class",
    "hydro_class",
    "rockburst",
    "spontaneous_combustion",
    "geohazard_exposed",
    "flood_threat",
    "regulator_concern",
)
# Also kept in the history: where the mine is and who owns it (its scope of visibility), and
# the basis of the water-threat flag (the reason of a rule input, not an input itself).
HISTORY_FIELDS = (*RULE_FIELDS, "flood_threat_basis", "region_id", "enterprise_id")
# The facts that decide a mine's jurisdiction, scope and rules are the regulator's: the
# enterprise asks for a change (``ChangeRequest``) and the county approves it. The contacts
# and the position (principal, phone, coordinates) either side keeps up to date.
MINE_OWNERSHIP = Ownership(
    regulator=(
        "name",
        "enterprise",
        "region",
        *RULE_FIELDS,
        "flood_threat_basis",
        "design_capacity",
        "mining_licence_no",
        "mining_licence_valid_until",
        "safety_licence_no",
        "safety_licence_valid_until",
    ),
)


class MineQuerySet(ScopedQuerySet):
    scope_region = "region"
    scope_enterprise = "enterprise"

    def with_related(self) -> MineQuerySet:
        return self.select_related("region", "region__parent", "enterprise").with_suspension()

    def with_suspension(self) -> MineQuerySet:
        """Annotate ``suspended``: a suspension order (责令停产整顿) is in force on the mine.
        The orders belong to an app above the registry, which names them through
        ``hooks.register_suspension_source``."""
        in_force = [
            Exists(source().filter(mine=OuterRef("pk"))) for source in hooks.suspension_sources
        ]
        if not in_force:
            return self.annotate(suspended=Value(False))
        if len(in_force) == 1:
            return self.annotate(suspended=in_force[0])
        either = ExpressionWrapper(reduce(operator.or_, in_force), output_field=BooleanField())
        return self.annotate(suspended=either)

    def suspended(self) -> MineQuerySet:
        return self.with_suspension().filter(suspended=True)

    def licence_expiring(self, today: dt.date, days: int = 90) -> MineQuerySet:
        """Mines whose mining or safety licence runs out within ``days`` (or has run out)."""
        until = today + dt.timedelta(days=days)
        return self.filter(
            Q(mining_licence_valid_until__lte=until) | Q(safety_licence_valid_until__lte=until)
        )

    def allocate_codes(self, region: Region, count: int = 1) -> list[str]:
        """The next ``count`` free mine codes of a county: "KA" + county code + 4-digit
        serial. Used by ``Mine.save`` and by bulk imports."""
        prefix = f"KA{region.code}"
        last = (
            Mine.objects.filter(code__startswith=prefix)
            .order_by("-code")
            .values_list("code", flat=True)
            .first()
        )
        start = int(last[len(prefix) :]) + 1 if last and last[len(prefix) :].isdigit() else 1
        return [f"{prefix}{n:04d}" for n in range(start, start + count)]


def _dec(max_digits: int, places: int, label, **kw) -> models.DecimalField:
    return models.DecimalField(
        label,
        max_digits=max_digits,
        decimal_places=places,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        **kw,
    )


class Mine(VersionedModel, TimeStampedModel):
    """A mine or tailings pond (矿山 / 尾矿库)."""

    code = models.CharField(
        _("mine code"),
        max_length=16,
        unique=True,
        editable=False,
        help_text=_("Generated: KA + county code + serial number."),
    )
    name = models.CharField(_("mine name"), max_length=128)
    enterprise = reference(Organization, _("enterprise"), related_name="mines")
    region = reference(Region, _("county"), related_name="mines")
    kind = models.CharField(_("mine kind"), max_length=20, choices=MineKind.choices)
    status = models.CharField(_("production status"), max_length=16, choices=MineStatus.choices)
    resuming = models.BooleanField(
        _("resuming production"),
        default=False,
        help_text=_("A long-shutdown mine that has started to resume production or building."),
    )
    personnel_on_site = models.BooleanField(_("personnel working on site"), default=False)
    electronic_seal = models.BooleanField(_("electronic seal"), default=False)
    physically_sealed = models.BooleanField(_("physically sealed"), default=False)
    slope_height_m = _dec(7, 1, _("slope height (m)"))
    dump_height_m = _dec(7, 1, _("dump height (m)"))
    tailings_grade = models.PositiveSmallIntegerField(
        _("tailings pond grade"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("1 to 5; grade 1 is the largest."),
    )
    head_top = models.BooleanField(_("head-top pond"), default=False)
    ownerless = models.BooleanField(_("ownerless pond"), default=False)
    reserve_years = _dec(6, 1, _("recoverable reserves (years)"))
    conversion = models.CharField(
        _("mining method conversion"),
        max_length=24,
        choices=Conversion.choices,
        default=Conversion.NONE,
    )
    tailings_into_open_pit = models.BooleanField(
        _("discharges tailings into the upper open pit"), default=False
    )
    gas_class = models.CharField(
        _("gas class"), max_length=10, choices=GasClass.choices, blank=True
    )
    hydro_class = models.CharField(
        _("hydrogeological type"), max_length=14, choices=HydroClass.choices, blank=True
    )
    rockburst = models.BooleanField(_("rockburst"), default=False)
    spontaneous_combustion = models.BooleanField(
        _("prone to spontaneous combustion"),
        default=False,
        help_text=_(
            "Coal seams or ores classed as prone to spontaneous combustion (容易自燃 or 自燃)."
        ),
    )
    geohazard_exposed = models.BooleanField(_("exposed to geological hazards"), default=False)
    flood_threat = models.BooleanField(
        _("seriously threatened by water"),
        default=False,
        help_text=_(
            "受水害威胁严重, judged by the regulator for any kind of mine (a tailings pond or an "
            "open pit too), whatever the hydrogeological type; give its basis."
        ),
    )
    flood_threat_basis = models.CharField(
        _("basis of the water threat"),
        max_length=500,
        blank=True,
        help_text=_(
            "Why the mine is seriously threatened by water (e.g. a river or reservoir above "
            "the workings, old flooded workings, the flood level of the catchment)."
        ),
    )
    regulator_concern = models.BooleanField(
        _("regulator concern"),
        default=False,
        help_text=_("Judged by the regulator as a mine it is not at ease with (研判不放心)."),
    )
    design_capacity = _dec(10, 2, _("design capacity (10,000 t/year)"))
    mining_licence_no = models.CharField(_("mining licence number"), max_length=64, blank=True)
    mining_licence_valid_until = models.DateField(
        _("mining licence valid until"), null=True, blank=True
    )
    safety_licence_no = models.CharField(
        _("safety production licence number"), max_length=64, blank=True
    )
    safety_licence_valid_until = models.DateField(
        _("safety production licence valid until"), null=True, blank=True
    )
    principal = models.CharField(_("principal"), max_length=64, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True, validators=[validate_phone])
    longitude = coordinate(_("longitude"))
    latitude = coordinate(_("latitude"))

    objects = MineQuerySet.as_manager()
    ownership = MINE_OWNERSHIP

    class Meta:
        verbose_name = _("mine")
        verbose_name_plural = _("mines")
        ordering = ["code"]
        indexes = [
            models.Index(fields=["kind", "status"]),
            models.Index(fields=["enterprise", "name"]),
        ]
        permissions = [
            ("set_regulator_concern", _("Can mark a mine as of regulator concern")),
            ("export_mine", _("Can export the mine registry")),
            ("import_mines", _("Can import the mine registry from a file")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(tailings_grade__isnull=True)
                | Q(tailings_grade__gte=1, tailings_grade__lte=5),
                name="mine_tailings_grade_1_to_5",
            ),
            models.CheckConstraint(
                condition=(Q(longitude__isnull=True) & Q(latitude__isnull=True))
                | Q(
                    longitude__gte=JILIN_LON[0],
                    longitude__lte=JILIN_LON[1],
                    latitude__gte=JILIN_LAT[0],
                    latitude__lte=JILIN_LAT[1],
                ),
                name="mine_coordinates_in_jilin",
            ),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{f}__isnull": True}) | Q(**{f"{f}__gte": 0}),
                    name=f"mine_{f}_not_negative",
                )
                for f in ("slope_height_m", "dump_height_m", "reserve_years", "design_capacity")
            ],
            models.CheckConstraint(
                condition=Q(conversion=Conversion.NONE) | ~Q(kind="tailings_pond"),
                name="mine_conversion_fits_kind",
            ),
            models.CheckConstraint(
                condition=Q(flood_threat=False) | ~Q(flood_threat_basis=""),
                name="mine_flood_threat_has_basis",
            ),
            # The kind-specific attributes (KIND_FIELDS), written out for the migration.
            models.CheckConstraint(
                condition=Q(slope_height_m__isnull=True)
                | Q(kind__in=["coal_open_pit", "metal_open_pit"]),
                name="mine_slope_height_kind",
            ),
            models.CheckConstraint(
                condition=Q(dump_height_m__isnull=True)
                | Q(kind__in=["coal_open_pit", "metal_open_pit", "metal_underground"]),
                name="mine_dump_height_kind",
            ),
            models.CheckConstraint(
                condition=Q(tailings_grade__isnull=True) | Q(kind="tailings_pond"),
                name="mine_tailings_grade_kind",
            ),
            models.CheckConstraint(
                condition=Q(head_top=False) | Q(kind="tailings_pond"),
                name="mine_head_top_kind",
            ),
            models.CheckConstraint(
                condition=Q(ownerless=False) | Q(kind="tailings_pond"),
                name="mine_ownerless_kind",
            ),
            models.CheckConstraint(
                condition=Q(reserve_years__isnull=True) | ~Q(kind="tailings_pond"),
                name="mine_reserve_years_kind",
            ),
            models.CheckConstraint(
                condition=Q(tailings_into_open_pit=False) | Q(kind="metal_open_pit"),
                name="mine_tailings_into_open_pit_kind",
            ),
            models.CheckConstraint(
                condition=Q(gas_class="") | Q(kind="coal_underground"),
                name="mine_gas_class_kind",
            ),
            models.CheckConstraint(
                condition=Q(hydro_class="") | ~Q(kind="tailings_pond"),
                name="mine_hydro_class_kind",
            ),
            models.CheckConstraint(
                condition=Q(rockburst=False)
                | Q(kind__in=["coal_underground", "metal_underground"]),
                name="mine_rockburst_kind",
            ),
            models.CheckConstraint(
                condition=Q(spontaneous_combustion=False) | ~Q(kind="tailings_pond"),
                name="mine_spontaneous_combustion_kind",
            ),
            models.CheckConstraint(
                condition=Q(design_capacity__isnull=True) | ~Q(kind="tailings_pond"),
                name="mine_design_capacity_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）" if self.code else self.name

    def get_absolute_url(self) -> str:
        return reverse("registry:mine_detail", args=[self.code])

    def audit_region(self) -> Region:
        return self.region

    @property
    def is_coal(self) -> bool:
        return self.kind in COAL_KINDS

    # --- invariants of one row ----------------------------------------------------------

    def clean(self) -> None:
        errors: dict[str, list] = {}

        def add(field: str, message) -> None:
            errors.setdefault(field, []).append(message)

        if self.region_id and self.region.level != RegionLevel.COUNTY:
            add(
                "region",
                _("A mine lies in a county-level region; %(name)s (%(code)s) is not one.")
                % {"name": self.region.name, "code": self.region.code},
            )
        if self.enterprise_id and self.enterprise.kind != OrganizationKind.ENTERPRISE:
            add("enterprise", _("The owner of a mine must be a mining enterprise."))
        if self.kind in MineKind.values:
            kind_label = MineKind(self.kind).label
            for field, kinds in KIND_FIELDS.items():
                if self.kind in kinds or not self._has_value(field):
                    continue
                add(
                    field,
                    _("“%(field)s” does not apply to this kind of mine (%(kind)s).")
                    % {
                        "field": cast(models.Field, self._meta.get_field(field)).verbose_name,
                        "kind": kind_label,
                    },
                )
            conv_kinds = CONVERSION_KINDS.get(self.conversion)
            if conv_kinds is not None and self.kind not in conv_kinds:
                add(
                    "conversion",
                    _("A %(kind)s cannot have the conversion “%(conversion)s”.")
                    % {"kind": kind_label, "conversion": Conversion(self.conversion).label},
                )
        if self.flood_threat and not (self.flood_threat_basis or "").strip():
            add(
                "flood_threat_basis",
                _("Give the basis on which the mine is judged seriously threatened by water."),
            )
        if (self.longitude is None) != (self.latitude is None):
            add(
                "latitude" if self.latitude is None else "longitude",
                _("Give both longitude and latitude, or neither."),
            )
        if self.longitude is not None and not (JILIN_LON[0] <= self.longitude <= JILIN_LON[1]):
            add(
                "longitude",
                _("Longitude %(value)s lies outside Jilin province (%(low)s–%(high)s° E).")
                % {"value": self.longitude, "low": JILIN_LON[0], "high": JILIN_LON[1]},
            )
        if self.latitude is not None and not (JILIN_LAT[0] <= self.latitude <= JILIN_LAT[1]):
            add(
                "latitude",
                _("Latitude %(value)s lies outside Jilin province (%(low)s–%(high)s° N).")
                % {"value": self.latitude, "low": JILIN_LAT[0], "high": JILIN_LAT[1]},
            )
        if errors:
            raise ValidationError(errors)

    def _has_value(self, field: str) -> bool:
        value = getattr(self, field)
        return value not in (None, False, "")

    def save(self, *args, **kwargs):
        if not self.code and self.region_id:
            self.code = Mine.objects.allocate_codes(self.region, 1)[0]
        super().save(*args, **kwargs)

    @property
    def is_suspended(self) -> bool:
        """A suspension order is in force (from the ``suspended`` annotation when present)."""
        if "suspended" in self.__dict__:
            return bool(self.__dict__["suspended"])
        if not self.pk:
            return False
        return Mine.objects.filter(pk=self.pk).suspended().exists()

    # --- rule inputs --------------------------------------------------------------------

    def rule_state(self) -> dict:
        """The rule inputs of this mine now, as plain data (see campaigns.rules)."""
        return {f: getattr(self, f) for f in RULE_FIELDS}

    def state_on(self, day: dt.date) -> dict | None:
        """The rule inputs as they stood at the end of ``day`` (None before the mine was
        registered)."""
        end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))
        row = self.history.filter(effective_at__lt=end).order_by("-effective_at", "-pk").first()
        return row.rule_state() if row else None


def unmanned_shutdown_q() -> Q:
    """The ORM form of ``campaigns.rules.unmanned_shutdown`` (a long shutdown neither resuming
    nor with people working: out of the campaign, under watch duty). Tested against the rule."""
    return Q(status=MineStatus.LONG_SHUTDOWN, resuming=False, personnel_on_site=False)


_MineManagerBase = models.Manager.from_queryset(MineQuerySet)


class UnmannedShutdownMineManager(_MineManagerBase):
    def get_queryset(self):
        return super().get_queryset().filter(unmanned_shutdown_q())


class UnmannedShutdownMine(Mine):
    """The mines that need a watch duty (驻矿盯守 / 联系盯守): unmanned long shutdowns."""

    objects: ClassVar[UnmannedShutdownMineManager] = UnmannedShutdownMineManager()

    class Meta:
        proxy = True
        verbose_name = _("unmanned long-shutdown mine")
        verbose_name_plural = _("unmanned long-shutdown mines")
        default_permissions = ()


# --- Rows of one mine -----------------------------------------------------------------------


class MineScopedQuerySet(ScopedQuerySet):
    """Rows of one mine each (its history, watch duties; in the apps above: inspections,
    hazards, orders …): visible where the mine is, to its region's regulators and its
    enterprise."""

    scope_region = "mine__region"
    scope_enterprise = "mine__enterprise"


class MineRow:
    """A model whose rows belong to one mine (a ``mine`` field): audited in the mine's
    region."""

    def audit_region(self) -> Region:
        return self.mine.region  # type: ignore[attr-defined]  # the model's ``mine`` field


class MineHistory(MineRow, models.Model):
    """One change of a mine's status or of a rule input, with the time it took effect and the
    state after it (so the state on any past day is the last row before that day's end)."""

    mine = models.ForeignKey(
        Mine, verbose_name=_("mine"), on_delete=models.CASCADE, related_name="history"
    )
    effective_at = models.DateTimeField(_("effective from"), db_index=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    recorded_by = user_reference(_("recorded by"), optional=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    state = models.JSONField(_("state after the change"), default=dict)

    objects = MineScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("mine history entry")
        verbose_name_plural = _("mine history")
        ordering = ["-effective_at", "-pk"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.mine_id}@{self.effective_at:%Y-%m-%d %H:%M}"

    def rule_state(self) -> dict:
        """The stored state, with decimals restored."""
        state = {f: self.state.get(f) for f in RULE_FIELDS}
        for f in ("slope_height_m", "dump_height_m", "reserve_years"):
            if state[f] is not None:
                state[f] = Decimal(str(state[f]))
        return state


# --- Watch duty -----------------------------------------------------------------------------


class WatchDutyQuerySet(MineScopedQuerySet):
    def current(self, today: dt.date | None = None) -> WatchDutyQuerySet:
        today = today or timezone.localdate()
        return self.filter(
            Q(valid_from__lte=today), Q(valid_until__isnull=True) | Q(valid_until__gte=today)
        )


class WatchDuty(MineRow, VersionedModel, TimeStampedModel):
    """驻矿盯守 / 联系盯守: the county bureau names a person who watches an unmanned
    long-shutdown mine."""

    mine = reference(Mine, _("mine"), related_name="watch_duties")
    mode = models.CharField(_("watch mode"), max_length=10, choices=WatchMode.choices)
    holder_name = models.CharField(_("duty holder"), max_length=64)
    holder_phone = models.CharField(
        _("duty holder's phone"), max_length=32, validators=[validate_phone]
    )
    assigned_by = user_reference(_("assigned by"))
    valid_from = models.DateField(_("from"))
    valid_until = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = WatchDutyQuerySet.as_manager()

    class Meta:
        verbose_name = _("watch duty")
        verbose_name_plural = _("watch duties")
        ordering = ["-valid_from", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="watchduty_until_after_from",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mine.name} · {self.get_mode_display()} · {self.holder_name}"

    def get_absolute_url(self) -> str:
        return reverse("registry:watchduty_detail", args=[self.pk])

    def clean(self) -> None:
        if self.valid_until and self.valid_from and self.valid_until < self.valid_from:
            raise ValidationError(
                {"valid_until": _("The end date must not be before the start date.")}
            )


# --- Licence reminders ----------------------------------------------------------------------


class LicenceReminder(models.Model):
    """A licence-expiry reminder already sent (so each is sent once)."""

    mine = models.ForeignKey(
        Mine, verbose_name=_("mine"), on_delete=models.CASCADE, related_name="licence_reminders"
    )
    licence = models.CharField(_("licence"), max_length=8, choices=LicenceKind.choices)
    valid_until = models.DateField(_("valid until"))
    days_before = models.PositiveSmallIntegerField(_("days before expiry"))
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)

    class Meta:
        verbose_name = _("licence reminder")
        verbose_name_plural = _("licence reminders")
        ordering = ["-sent_at"]
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(
                fields=["mine", "licence", "valid_until", "days_before"],
                name="licencereminder_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mine_id} {self.licence} {self.valid_until} -{self.days_before}"


# --- Requests to change the regulator's facts -------------------------------------------------


class ChangeRequestQuerySet(ScopedQuerySet):
    scope_region = "region"
    scope_enterprise = "enterprise"


class ChangeRequest(VersionedModel, TimeStampedModel):
    """An enterprise's request to change registry facts that are the regulator's (a mine's, or
    its own as an enterprise): region, kind, status, rule inputs, licences, group company.
    The regulator of the region approves (the change is then made, audited with before and
    after) or rejects it with a reason."""

    enterprise = reference(Organization, _("enterprise"), related_name="change_requests")
    mine = reference(Mine, _("mine"), optional=True, related_name="change_requests")
    region = reference(
        Region,
        _("decided in"),
        related_name="+",
        help_text=_("The region of the mine or enterprise when the request was made."),
    )
    changes = models.JSONField(
        _("requested changes"), help_text=_("{field: [value now, value requested]}")
    )
    reason = models.TextField(_("reason"), max_length=2000)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ChangeRequestStatus.choices,
        default=ChangeRequestStatus.PENDING,
    )
    requested_by = user_reference(_("requested by"))
    decided_by = user_reference(_("decided by"), optional=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision opinion"), max_length=2000, blank=True)

    objects = ChangeRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("registry change request")
        verbose_name_plural = _("registry change requests")
        ordering = ["-created_at", "-pk"]
        permissions = [("decide_changerequest", _("Can decide registry change requests"))]

    TRANSITIONS: ClassVar[dict[str, frozenset[str]]] = {
        ChangeRequestStatus.PENDING: frozenset(
            {
                ChangeRequestStatus.APPROVED,
                ChangeRequestStatus.REJECTED,
                ChangeRequestStatus.WITHDRAWN,
            }
        )
    }

    def __str__(self) -> str:
        return f"{self.target} · {self.get_status_display()}"

    def get_absolute_url(self) -> str:
        return reverse("registry:changerequest_detail", args=[self.pk])

    def audit_region(self) -> Region:
        return self.region

    @property
    def target(self) -> Mine | Organization:
        return self.mine if self.mine is not None else self.enterprise

    @property
    def is_pending(self) -> bool:
        return self.status == ChangeRequestStatus.PENDING

    def can_transition(self, to: str) -> bool:
        return to in self.TRANSITIONS.get(self.status, frozenset())
