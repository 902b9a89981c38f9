"""Generating the half-year and annual supervision reports.

`report_generate` writes a new version of the period's .docx every time it is called (by hand: the
page, the API, `manage.py generate_report`), and never overwrites an earlier one. The scheduled
task passes `only_if_missing=True`, so a re-run of the beat (or two beats) adds nothing.

The report covers the whole detachment (dashboard.figures with user=None), so only roles whose data
scope is all units read or generate it (reports.selectors). Every version is written in two editions
from the same figures, stored together in one transaction: the full one, and one without the case
figures (`without_case_figures`) for the readers who may not read them.
"""

import hashlib
from datetime import date

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.services import audit_record
from core.errors import DomainError, NotPermitted
from dashboard import figures as dashboard_figures
from dashboard.rollups import rollups_refresh
from reports.documents import report_docx
from reports.models import GeneratedReport
from reports.selectors import GENERATOR_ROLES, user_reads_all_of
from supervision.models import Inspection

Report = GeneratedReport
KIND_OF_PERIOD = {"half_year": Report.Kind.HALF_YEAR, "year": Report.Kind.ANNUAL}
_VERSION_ATTEMPTS = 5


def report_period(text) -> "dashboard_figures.Period":
    """A half year ("2026H1") or a year ("2026"); anything else is a DomainError on "period"."""
    period = dashboard_figures.parse_period(str(text or ""))
    if period.kind not in KIND_OF_PERIOD:
        raise DomainError(
            _("A report covers a half year (e.g. 2026H1) or a year (e.g. 2026), not %(period)s.")
            % {"period": period.label},
            field="period",
        )
    if period.start > timezone.localdate():
        raise DomainError(
            _("%(period)s has not started yet: there is nothing to report.") % {"period": period.label},
            field="period",
        )
    return period


def previous_half_year(today: date) -> str:
    """The half year that ended most recently before `today`: in July, H1 of the same year."""
    return f"{today.year}H1" if today.month >= 7 else f"{today.year - 1}H2"


def previous_year(today: date) -> str:
    return str(today.year - 1)


def inspections_by_kind(period) -> list[dict]:
    """Inspections held in the period by kind (one GROUP BY query): the one figure of the report that
    dashboard.figures does not hold."""
    counts = dict(
        Inspection.objects.filter(inspection_date__range=(period.start, period.end))
        .values_list("kind")
        .annotate(count=Count("id"))
        .order_by()
    )
    return [
        {"kind": value, "label": str(label), "count": counts.get(value, 0)} for value, label in Inspection.Kind.choices
    ]


def without_case_figures(figures: dict) -> dict:
    """The summary with every case figure taken out: the open cases, the case section (types, severity,
    status, the persons concerned, the liability records) and the trend of cases opened. What the
    supervisors' edition is written from (dashboard.roles: they read no case figure)."""
    key_figures = {**figures["key_figures"], "open_cases": {**figures["key_figures"]["open_cases"], "value": None}}
    series = {measure: values for measure, values in figures["trends"]["series"].items() if measure != "cases"}
    return {**figures, "key_figures": key_figures, "cases": None, "trends": {**figures["trends"], "series": series}}


def _documents(period, generated_at) -> tuple[bytes, bytes]:
    """The full edition and the edition without case figures, from one reading of the figures."""
    # An official document: Chinese labels whatever the language of whoever asked.
    with translation.override("zh-hans"):
        figures = dashboard_figures.summary(user=None, period=period)
        inspections = inspections_by_kind(period)
        return tuple(
            report_docx(period=period, figures=edition, inspections=inspections, generated_at=generated_at)
            for edition in (figures, without_case_figures(figures))
        )


def report_generate(*, period, actor=None, only_if_missing: bool = False) -> GeneratedReport:
    """Write the next version of the period's report. `actor` None is the scheduled task. With
    `only_if_missing`, an existing version is returned instead of writing another."""
    period = report_period(period)
    if actor is not None and not user_reads_all_of(actor, GENERATOR_ROLES):
        raise NotPermitted(_("Only a supervisor or an administrator responsible for all units generates reports."))
    if only_if_missing:
        existing = Report.objects.filter(period=period.label).order_by("version").first()
        if existing is not None:
            return existing
    # A report is written from the data as it stands: the dashboard's rollups are brought up to date
    # first (the same refresh as the 15-minute beat, idempotent), so no figure lags behind.
    rollups_refresh()
    generated_at = timezone.now()
    # The documents are built outside the transaction: it takes seconds and holds no lock.
    editions = _documents(period, generated_at)
    for _attempt in range(_VERSION_ATTEMPTS):
        try:
            return _store(period, editions, generated_at=generated_at, actor=actor)
        except IntegrityError:
            # A concurrent generation took this version number: take the next one (or, for the
            # scheduled task, the one it wrote).
            if only_if_missing:
                existing = Report.objects.filter(period=period.label).order_by("version").first()
                if existing is not None:
                    return existing
    raise DomainError(_("The report could not be numbered; try again."), field="period")


@transaction.atomic
def _store(period, editions: tuple[bytes, bytes], *, generated_at, actor) -> GeneratedReport:
    content, case_free = editions
    digest, case_free_digest = hashlib.sha256(content).hexdigest(), hashlib.sha256(case_free).hexdigest()
    version = (Report.objects.filter(period=period.label).aggregate(last=Max("version"))["last"] or 0) + 1
    report = Report(
        period=period.label,
        kind=KIND_OF_PERIOD[period.kind],
        period_start=period.start,
        period_end=period.end,
        version=version,
        sha256=digest,
        size=len(content),
        case_free_sha256=case_free_digest,
        case_free_size=len(case_free),
        generated_at=generated_at,
        generated_by=actor,
    )
    try:
        # Readable names; the storage adds a suffix should one ever exist already.
        report.file.save(f"{period.label}-v{version}-{digest[:12]}.docx", ContentFile(content), save=False)
        report.case_free_file.save(
            f"{period.label}-v{version}-nocases-{case_free_digest[:12]}.docx", ContentFile(case_free), save=False
        )
        with transaction.atomic():
            report.save()
            audit_record(
                actor=actor,
                action="report.generate",
                target=report,
                changes={
                    "period": period.label,
                    "version": version,
                    "sha256": digest,
                    "size": len(content),
                    "case_free_sha256": case_free_digest,
                    "case_free_size": len(case_free),
                },
                note="" if actor is not None else "scheduled",
            )
    except Exception:
        # The row is not written: the files must not stay behind either.
        for written in (report.file, report.case_free_file):
            if written:
                written.delete(save=False)
        raise
    return report
