"""The integrity archive (廉政档案): per unit and per person, a yearly file of findings, rectification,
alerts, circuit breaks, quarterly lists, cases, liability records and ratings.

A year that has ended is frozen into one `ArchiveSnapshot` per subject (archive.services.archive_freeze),
so later edits of the source rows never rewrite history. A snapshot is written once and never
changed: the model refuses to save an existing row or to delete one, its queryset refuses bulk
UPDATE and DELETE, and on PostgreSQL a trigger refuses both in the database itself (migration 0002).
The SHA-256 digest of the canonical JSON of `data` makes a change made behind the application's back
visible (archive.services.archive_for re-computes it).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Person, Unit


class SnapshotImmutable(Exception):
    """A frozen archive snapshot cannot be changed or deleted."""


class ArchiveSnapshotQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise SnapshotImmutable("archive snapshots are immutable")

    def delete(self):
        raise SnapshotImmutable("archive snapshots are immutable")


class ArchiveSnapshot(models.Model):
    """The frozen archive of one unit or one person for one year."""

    class Kind(models.TextChoices):
        UNIT = "unit", _("Unit")
        PERSON = "person", _("Person")

    kind = models.CharField(_("subject kind"), max_length=10, choices=Kind.choices)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="archive_snapshots",
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="archive_snapshots",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    data = models.JSONField(_("archive data"))
    # SHA-256 of the canonical JSON of `data` (sorted keys, no whitespace, UTF-8).
    digest = models.CharField(_("SHA-256 digest"), max_length=64)
    frozen_at = models.DateTimeField(_("frozen at"), db_index=True)
    # Empty when the year-end task froze it.
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("frozen by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = ArchiveSnapshotQuerySet.as_manager()

    class Meta:
        verbose_name = _("archive snapshot")
        verbose_name_plural = _("archive snapshots")
        ordering = ["-year", "kind", "id"]
        indexes = [models.Index(fields=["year", "kind"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="unit", unit__isnull=False, person__isnull=True)
                | Q(kind="person", unit__isnull=True, person__isnull=False),
                name="archive_snapshot_subject_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["unit", "year"], condition=Q(unit__isnull=False), name="archive_snapshot_unit_year_once"
            ),
            models.UniqueConstraint(
                fields=["person", "year"], condition=Q(person__isnull=False), name="archive_snapshot_person_year_once"
            ),
        ]

    def __str__(self) -> str:
        subject = self.data.get("subject", {}).get("name", "") if isinstance(self.data, dict) else ""
        return f"{self.year} · {self.get_kind_display()} · {subject}"

    def save(self, *args, **kwargs):
        # Only a new row may be written; one read from the database (or already saved) may not.
        if not self._state.adding:
            raise SnapshotImmutable("archive snapshots are immutable")
        # An INSERT, never Django's "UPDATE if the pk exists" (an explicit pk must not overwrite a row).
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise SnapshotImmutable("archive snapshots are immutable")

    @property
    def subject_id(self) -> int | None:
        return self.unit_id if self.kind == self.Kind.UNIT else self.person_id
