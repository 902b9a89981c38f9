"""Placeholder until the documents (print page, .docx, ledger .xlsx) are written."""

from django.http import Http404


def notice_print(request, pk):
    raise Http404


def notice_docx(request, pk):
    raise Http404


def item_ledger(request):
    raise Http404
