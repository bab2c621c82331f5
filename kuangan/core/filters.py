"""FilterSets shared by the ledgers, the API and the exports."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import AuditAction, OrganizationKind, Role
from .models import AuditEvent, Organization, Region, User
from .scope import in_subtree

# The range of the database's integer columns (a bigint: ids, references).
DB_INT_MIN = -(2**63)
DB_INT_MAX = 2**63 - 1


class IdField(forms.IntegerField):
    """A whole number the database can compare with an id or a reference: a larger one is a
    form error (400 in the API), never an overflow in the database."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", DB_INT_MIN)
        kwargs.setdefault("max_value", DB_INT_MAX)
        kwargs.setdefault(
            "error_messages",
            {
                "invalid": _("Give the id as a whole number."),
                "max_value": _("No object has an id this large."),
                "min_value": _("No object has an id this small."),
            },
        )
        super().__init__(*args, **kwargs)


class IdFilter(django_filters.NumberFilter):
    """Rows referring to the object with this id (a reference's or the row's own): an id out
    of the database's range is refused, not an error of the server."""

    field_class = IdField


def region_choices():
    return Region.objects.exclude(level="county")


class RegionSubtreeFilter(django_filters.ModelChoiceFilter):
    """Rows whose region lies in the chosen region's subtree."""

    def __init__(self, *args, lookup: str = "region", **kwargs):
        self.lookup = lookup
        kwargs.setdefault("queryset", Region.objects.all())
        kwargs.setdefault("field_name", lookup)  # lets the OpenAPI schema type the parameter
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(in_subtree(self.lookup, value))


def date_range(
    field_name: str, from_label, until_label
) -> tuple[django_filters.DateFilter, django_filters.DateFilter]:
    """The two filters of a period on one date field: from (``gte``) and until (``lte``)::

    found_after, found_before = date_range("found_on", _("Found from"), _("Found until"))
    """
    return (
        django_filters.DateFilter(label=from_label, field_name=field_name, lookup_expr="gte"),
        django_filters.DateFilter(label=until_label, field_name=field_name, lookup_expr="lte"),
    )


class OrganizationFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=OrganizationKind.choices)
    region = RegionSubtreeFilter(label=_("Region"))
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = Organization
        fields = ["kind", "region", "is_active"]


class UserFilterSet(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(label=_("Role"), choices=Role.choices, method="filter_role")
    organization = django_filters.ModelChoiceFilter(
        label=_("Organisation"), queryset=Organization.objects.all()
    )
    region = RegionSubtreeFilter(label=_("Region"), lookup="organization__region")
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = User
        fields = ["role", "organization", "region", "is_active"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request is not None and request.user.is_authenticated:
            self.filters["organization"].queryset = Organization.objects.visible_to(request.user)

    def filter_role(self, qs, name, value):
        return qs.filter(groups__name=value) if value else qs


class AuditEventFilterSet(django_filters.FilterSet):
    action = django_filters.ChoiceFilter(label=_("Action"), choices=AuditAction.choices)
    success = django_filters.BooleanFilter(label=_("Success"))
    actor = django_filters.CharFilter(label=_("Actor"), method="filter_actor")
    object_type = django_filters.CharFilter(label=_("Object type"), lookup_expr="iexact")
    object_id = django_filters.CharFilter(label=_("Object id"))
    since = django_filters.DateFilter(
        label=_("From"), field_name="timestamp", lookup_expr="date__gte"
    )
    until = django_filters.DateFilter(
        label=_("Until"), field_name="timestamp", lookup_expr="date__lte"
    )
    region = RegionSubtreeFilter(label=_("Region"))

    class Meta:
        model = AuditEvent
        fields = [
            "action",
            "success",
            "actor",
            "object_type",
            "object_id",
            "since",
            "until",
            "region",
        ]

    def filter_actor(self, qs, name, value):
        return qs.filter(Q(actor_repr__icontains=value)) if value else qs
