"""The reports page (included by config/urls.py under /reports/)."""

from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("", views.report_list, name="report_list"),
    path("generate/", views.report_create, name="report_create"),
    path("<int:pk>/download/", views.report_download, name="report_download"),
]
