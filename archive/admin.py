from django.contrib import admin

from archive.models import ArchiveSnapshot
from core.admin import ReadOnlyAdmin


@admin.register(ArchiveSnapshot)
class ArchiveSnapshotAdmin(ReadOnlyAdmin):
    """Frozen archives: viewable, never added, changed or deleted here (archive_freeze writes them)."""

    list_display = ["year", "kind", "unit", "person", "frozen_at", "frozen_by", "digest"]
    list_filter = ["year", "kind"]
    search_fields = ["unit__name", "unit__code", "person__name", "person__badge_number", "digest"]
    list_select_related = ["unit", "person", "frozen_by"]
    readonly_fields = ["kind", "unit", "person", "year", "data", "digest", "frozen_at", "frozen_by"]
