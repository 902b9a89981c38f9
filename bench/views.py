"""The limit of B4: bare Django views returning `.values()` of the same rows as the list endpoints.

No DRF, no authentication, no serializer, no COUNT: the query of the same page (same filters,
same order, 50 rows) and JsonResponse. Mounted only by bench/urls.py (bench.settings), never by
the product.
"""

from datetime import date, datetime, time

from django.http import JsonResponse
from django.utils import timezone

from accounts.models import Unit
from risk.models import BusinessRecord
from supervision.models import Finding

PAGE = 50


def _path(request) -> str | None:
    within = request.GET.get("within")
    if not within:
        return None
    return Unit.objects.filter(pk=int(within)).values_list("path", flat=True).first() or "/none/"


def bare_business_records(request):
    """?within=&area=&accepted_from=YYYY-MM-DD&cursor_before=<id>: the page of business records."""
    records = BusinessRecord.objects.all()
    path = _path(request)
    if path:
        records = records.filter(unit__path__startswith=path)
    if area := request.GET.get("area"):
        records = records.filter(area=area)
    if since := request.GET.get("accepted_from"):
        records = records.filter(
            accepted_at__gte=timezone.make_aware(datetime.combine(date.fromisoformat(since), time.min))
        )
    if before := request.GET.get("before"):
        records = records.filter(pk__lt=int(before))
    rows = list(records.order_by("-pk").values()[:PAGE])
    return JsonResponse({"results": rows})


def bare_findings(request):
    """?within=&severity=&found_from=YYYY-MM-DD: the first page of findings, newest first."""
    findings = Finding.objects.all()
    path = _path(request)
    if path:
        findings = findings.filter(unit__path__startswith=path)
    if severity := request.GET.get("severity"):
        findings = findings.filter(severity=severity)
    if since := request.GET.get("found_from"):
        findings = findings.filter(found_on__gte=date.fromisoformat(since))
    rows = list(findings.order_by("-found_on", "-id").values()[:PAGE])
    return JsonResponse({"results": rows})
