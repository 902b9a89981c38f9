from django.urls import path  # noqa: F401

app_name = "supervision"
# Pages: inspections, findings, evidence download, clues.
urlpatterns: list = []
