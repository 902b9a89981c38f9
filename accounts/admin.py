from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accounts import services
from accounts.models import (
    ApiToken,
    BusinessArea,
    LoginEvent,
    PartyOrganization,
    Person,
    Position,
    Post,
    RoleAssignment,
    Unit,
    User,
)
from audit.services import audit_record, model_snapshot
from core.admin import ReadOnlyAdmin, ServiceAdmin, audited_admin_save


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["unit"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin, SimpleHistoryAdmin):
    list_display = ["username", "person_name", "is_active", "is_staff", "is_demo", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser", "is_demo", "role_assignments__role"]
    search_fields = ["username", "person__name", "person__badge_number"]
    inlines = [RoleAssignmentInline]
    fieldsets = (*DjangoUserAdmin.fieldsets, (_("Preferences"), {"fields": ["preferred_language"]}))

    @admin.display(description=_("person"))
    def person_name(self, user):
        person = getattr(user, "person", None)
        return person.name if person else "—"

    def save_model(self, request, obj, form, change):
        audited_admin_save(request, obj)

    def save_formset(self, request, form, formset, change):
        with transaction.atomic():
            instances = formset.save(commit=False)
            for deleted in formset.deleted_objects:
                audit_record(
                    actor=request.user,
                    action="role_assignment.revoke",
                    target=deleted,
                    unit_id=deleted.unit_id,
                    changes={"deleted": model_snapshot(deleted)},
                )
                deleted.delete()
            for assignment in instances:
                services.role_assignment_save(actor=request.user, assignment=assignment)


@admin.register(Unit)
class UnitAdmin(ServiceAdmin):
    save_service = staticmethod(services.unit_save)
    list_display = ["indented_name", "code", "kind", "party_organization", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent", "party_organization"]
    ordering = ["path"]

    @admin.display(description=_("name"), ordering="path")
    def indented_name(self, unit):
        return "　" * max(unit.depth - 1, 0) + unit.name


@admin.register(PartyOrganization)
class PartyOrganizationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "unit", "secretary", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "unit__name"]
    autocomplete_fields = ["parent", "unit", "secretary"]

    def save_model(self, request, obj, form, change):
        audited_admin_save(request, obj, unit_id=obj.unit_id)


@admin.register(BusinessArea)
class BusinessAreaAdmin(SimpleHistoryAdmin):
    list_display = ["code", "__str__", "lead_department"]
    autocomplete_fields = ["lead_department"]

    def has_add_permission(self, request):
        return False  # The six areas are fixed by the domain; only their lead department changes.

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        audited_admin_save(request, obj, unit_id=obj.lead_department_id)


@admin.register(Post)
class PostAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "risk_level", "business_area"]
    list_filter = ["risk_level", "business_area"]
    search_fields = ["code", "name"]

    def save_model(self, request, obj, form, change):
        audited_admin_save(request, obj)


class PositionInline(admin.TabularInline):
    model = Position
    extra = 0
    fields = ["unit", "level", "title", "start_date", "end_date"]
    autocomplete_fields = ["unit"]
    show_change_link = True


@admin.register(Person)
class PersonAdmin(ServiceAdmin):
    save_service = staticmethod(services.person_save)
    list_display = ["badge_number", "name", "unit", "category", "rank", "post", "is_party_member", "is_active"]
    list_filter = ["category", "rank", "is_party_member", "is_active", "post__risk_level", "unit__kind"]
    search_fields = ["badge_number", "name", "unit__name"]
    autocomplete_fields = ["unit", "post", "user"]
    list_select_related = ["unit", "post"]
    inlines = [PositionInline]

    def save_formset(self, request, form, formset, change):
        with transaction.atomic():
            for deleted in formset.deleted_objects:
                audit_record(
                    actor=request.user,
                    action="position.delete",
                    target=deleted,
                    unit_id=deleted.unit_id,
                    changes={"deleted": model_snapshot(deleted)},
                )
                deleted.delete()
            for position in formset.save(commit=False):
                services.position_save(actor=request.user, position=position)


@admin.register(Position)
class PositionAdmin(ServiceAdmin):
    list_display = ["person", "unit", "level", "title", "start_date", "end_date"]
    list_filter = ["level", "unit__kind"]
    search_fields = ["person__name", "person__badge_number", "unit__name", "title"]
    autocomplete_fields = ["person", "unit", "in_charge_of"]
    list_select_related = ["person", "unit"]
    date_hierarchy = "start_date"

    def save_model(self, request, obj, form, change):
        services.position_save(actor=request.user, position=obj)


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ServiceAdmin):
    save_service = staticmethod(services.role_assignment_save)
    list_display = ["user", "role", "scope", "unit", "is_active", "created_at"]
    list_filter = ["role", "scope", "is_active"]
    search_fields = ["user__username", "user__person__name", "unit__name"]
    autocomplete_fields = ["user", "unit"]

    def save_model(self, request, obj, form, change):
        services.role_assignment_save(actor=request.user, assignment=obj)


@admin.register(LoginEvent)
class LoginEventAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "kind", "username", "ip_address", "user_agent"]
    list_filter = ["kind", "occurred_at"]
    search_fields = ["username", "ip_address"]
    date_hierarchy = "occurred_at"


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["user__username", "prefix"]
    readonly_fields = ["user", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # Tokens are issued through POST /api/v1/auth/token/ only.

    @admin.action(description=_("Revoke selected tokens"))
    def revoke(self, request, queryset):
        for token in queryset:
            services.api_token_revoke(actor=request.user, token=token)
