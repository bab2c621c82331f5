from django.contrib import admin

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
    list_display = ["name", "kind", "region", "parent", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "credit_code"]
    readonly_fields = ["version"]

    def get_queryset(self, request):
        return Organization.objects.visible_to(request.user)

    def has_delete_permission(self, request, obj=None):
        return False


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
