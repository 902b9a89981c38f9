from django.contrib import admin

from core.admin import ReadOnlyAdmin
from dashboard.models import RollupState


@admin.register(RollupState)
class RollupStateAdmin(ReadOnlyAdmin):
    """When each rollup measure was last refreshed (derived data: nothing to edit here; refresh with
    `manage.py refresh_rollups` or wait for the beat)."""

    list_display = ["measure", "refreshed_at", "months_refreshed", "rows", "watermark"]
