"""Documents of a notice and the ledger: the red-header print page, the notice as .docx and the
rectification ledger as .xlsx. Access follows the data scope: outside it is 404."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from rectification import documents
from rectification.filters import ItemFilter
from rectification.permissions import access_notice
from rectification.selectors import item_visible_to


def _notice_detail_url(pk: int) -> str:
    """Back link to the notice page, if the pages are wired yet."""
    try:
        return reverse("rectification:notice_detail", args=[pk])
    except NoReverseMatch:
        return ""


@require_safe
@login_required
@never_cache
def notice_print(request, pk):
    notice = access_notice(request.user, pk)
    context = documents.notice_context(notice)
    context["back_url"] = _notice_detail_url(notice.pk)
    return render(request, "rectification/notice_print.html", context)


@require_safe
@login_required
def notice_docx(request, pk):
    notice = access_notice(request.user, pk)
    content = documents.notice_docx(notice)
    return documents.attachment_response(content, documents.notice_filename(notice), documents.DOCX_CONTENT_TYPE)


@require_safe
@login_required
def item_ledger(request):
    filterset = ItemFilter(request.GET, queryset=item_visible_to(request.user), request=request)
    if not filterset.is_valid():
        lines = [
            f"{field}: {' '.join(str(message) for message in messages)}" for field, messages in filterset.errors.items()
        ]
        response = HttpResponse("\n".join(lines), status=400, content_type="text/plain; charset=utf-8")
        response["X-Content-Type-Options"] = "nosniff"
        return response
    content = documents.ledger_xlsx(filterset.qs)
    return documents.attachment_response(content, documents.ledger_filename(), documents.XLSX_CONTENT_TYPE)
