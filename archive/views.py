"""Pages of the integrity archive (廉政档案): an index to pick a unit or person and a year, the
archive page of one subject for one year (frozen or live), and its .xlsx and .docx exports.

Every subject is fetched through archive.selectors (outside the scope: 404) and every archive is
read through archive.services.archive_for, then cut to what the reader may see.
"""

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from accounts.selectors import person_visible_to
from archive import documents
from archive.forms import PersonSearchForm, UnitArchiveForm
from archive.models import ArchiveSnapshot
from archive.presentation import archive_sections, subject_facts, visibility_notes
from archive.selectors import (
    access_archive_subject,
    archive_persons_visible_to,
    archive_reader,
    archive_record_for_reader,
    archive_units_visible_to,
    snapshot_visible_to,
)
from archive.services import ARCHIVE_FIRST_YEAR, PERSON, UNIT, archive_for, archive_year_validate
from core.errors import DomainError

PERSON_RESULTS = 50


@require_safe
@login_required
def archive_index(request):
    user = request.user
    units = archive_units_visible_to(user).order_by("path")
    unit_form = UnitArchiveForm(request.GET if "unit" in request.GET else None, units=units)
    if unit_form.is_bound and unit_form.is_valid():
        data = unit_form.cleaned_data
        return redirect("archive:detail", UNIT, data["unit"].pk, data["year"])
    person_form = PersonSearchForm(request.GET if "q" in request.GET else None)
    persons = []
    if person_form.is_bound and person_form.is_valid():
        query = person_form.cleaned_data["q"]
        persons = list(
            archive_persons_visible_to(user)
            .filter(Q(name__icontains=query) | Q(badge_number__icontains=query))
            .order_by("unit__path", "badge_number")[:PERSON_RESULTS]
        )
    frozen_years = (
        snapshot_visible_to(user)
        .values("year")
        .annotate(
            units=Count("id", filter=Q(kind=UNIT)),
            persons=Count("id", filter=Q(kind=PERSON)),
        )
        .order_by("-year")
    )
    own = getattr(user, "person", None)
    return render(
        request,
        "archive/index.html",
        {
            "unit_form": unit_form,
            "person_form": person_form,
            "persons": persons,
            "searched": person_form.is_bound and not person_form.errors,
            "person_year": person_form.cleaned_data["year"] if persons else timezone.localdate().year,
            "frozen_years": frozen_years,
            "own_person": own,
            "this_year": timezone.localdate().year,
            "has_units": units.exists(),
        },
        status=400
        if (unit_form.is_bound and unit_form.errors) or (person_form.is_bound and person_form.errors)
        else 200,
    )


@require_safe
@login_required
def archive_current(request, kind, pk):
    """The subject's archive of the current year (the link from the unit and person pages)."""
    subject = access_archive_subject(request.user, kind, pk)
    return redirect("archive:detail", kind, subject.pk, timezone.localdate().year)


def _record(request, kind, pk, year):
    """The archive as the reader may see it, or a DomainError for a bad year."""
    subject = access_archive_subject(request.user, kind, pk)
    year = archive_year_validate(year)
    record = archive_record_for_reader(request.user, archive_for(subject, year), reader=archive_reader(request.user))
    return record


def _bad_year(request, kind, pk, error: DomainError):
    subject = access_archive_subject(request.user, kind, pk)
    return render(
        request,
        "archive/bad_year.html",
        {"subject": subject, "kind": kind, "error": error, "this_year": timezone.localdate().year},
        status=400,
    )


@require_safe
@login_required
def archive_detail(request, kind, pk, year):
    try:
        record = _record(request, kind, pk, year)
    except DomainError as error:
        return _bad_year(request, kind, pk, error)
    subject = record.subject
    lookup = {"unit": subject} if kind == UNIT else {"person": subject}
    frozen_years = list(
        ArchiveSnapshot.objects.filter(kind=kind, **lookup).order_by("-year").values_list("year", flat=True)
    )
    this_year = timezone.localdate().year
    profile_visible = kind == UNIT or person_visible_to(request.user).filter(pk=subject.pk).exists()
    return render(
        request,
        "archive/detail.html",
        {
            "record": record,
            "subject": subject,
            "kind": kind,
            "year": record.year,
            "facts": subject_facts(record.data),
            "sections": archive_sections(record.data),
            "notes": visibility_notes(record.data),
            "frozen_years": frozen_years,
            "previous_year": record.year - 1 if record.year > ARCHIVE_FIRST_YEAR else None,
            "next_year": record.year + 1 if record.year < this_year else None,
            "this_year": this_year,
            "profile_visible": profile_visible,
        },
    )


@require_safe
@login_required
def archive_xlsx(request, kind, pk, year):
    try:
        record = _record(request, kind, pk, year)
    except DomainError as error:
        return _bad_year(request, kind, pk, error)
    content = documents.archive_xlsx(record)
    return documents.attachment_response(
        content, documents.archive_filename(record, "xlsx"), documents.XLSX_CONTENT_TYPE
    )


@require_safe
@login_required
def archive_docx(request, kind, pk, year):
    try:
        record = _record(request, kind, pk, year)
    except DomainError as error:
        return _bad_year(request, kind, pk, error)
    content = documents.archive_docx(record)
    return documents.attachment_response(
        content, documents.archive_filename(record, "docx"), documents.DOCX_CONTENT_TYPE
    )
