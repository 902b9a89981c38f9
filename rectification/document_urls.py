"""Printable and downloadable documents: the red-header notice (print page and .docx) and the
rectification ledger (.xlsx). Included by rectification/urls.py."""

from django.urls import path

from rectification import document_views

urlpatterns = [
    path("notices/<int:pk>/print/", document_views.notice_print, name="notice_print"),
    path("notices/<int:pk>/notice.docx", document_views.notice_docx, name="notice_docx"),
    path("items/ledger.xlsx", document_views.item_ledger, name="item_ledger"),
]
