"""The report API (included by config/api_urls.py under /api/v1/)."""

from django.urls import path

from dashboard.api import views

urlpatterns = [
    path("reports/summary/", views.SummaryView.as_view(), name="report-summary"),
    path("reports/key-figures/", views.KeyFiguresView.as_view(), name="report-key-figures"),
    path("reports/rectification/", views.RectificationReportView.as_view(), name="report-rectification"),
    path("reports/risk/", views.RiskReportView.as_view(), name="report-risk"),
    path("reports/cases/", views.CasesReportView.as_view(), name="report-cases"),
    path("reports/trends/", views.TrendsView.as_view(), name="report-trends"),
]
