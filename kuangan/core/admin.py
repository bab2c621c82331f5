from django.contrib import admin

from . import services
from .models import Organization, Region, User


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "path", "province_direct"]
    search_fields = ["code", "name"]
    list_filter = ["level"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    """Organisations in the system administrator's scope. Saving goes through the audited
    services, like the application's own pages."""

    list_display = ["name", "kind", "region", "parent", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "credit_code"]
    readonly_fields = ["version"]

    def get_queryset(self, request):
        return Organization.objects.visible_to(request.user)

    def get_readonly_fields(self, request, obj=None):
        # The jurisdiction is the security administrator's (三员分立), never the admin's.
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm("core.change_jurisdiction"):
            fields.append("jurisdiction")
        return fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            kwargs["queryset"] = Organization.objects.visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = {
            name: form.cleaned_data[name]
            for name in services.ORGANIZATION_FIELDS
            if name in form.cleaned_data
        }
        jurisdiction = (
            list(form.cleaned_data["jurisdiction"]) if "jurisdiction" in form.cleaned_data else None
        )
        if change:
            saved = services.organization_update(
                by=request.user,
                organization=Organization.objects.get(pk=obj.pk),
                version=obj.version,
                jurisdiction=jurisdiction,
                **{k: v for k, v in data.items() if k in form.changed_data},
            )
        else:
            saved = services.organization_create(by=request.user, jurisdiction=jurisdiction, **data)
        obj.pk = saved.pk
        obj.version = saved.version

    def save_related(self, request, form, formsets, change):
        # The jurisdiction was saved (and audited) by the service in save_model.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    """Read-only view of accounts; accounts are changed through the application's pages, which
    go through the audited services."""

    list_display = ["username", "real_name", "organization", "is_active", "last_login"]
    search_fields = ["username", "real_name"]
    list_filter = ["is_active"]
    exclude = ["password", "user_permissions", "is_superuser"]

    def get_queryset(self, request):
        return User.objects.visible_to(request.user)

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
