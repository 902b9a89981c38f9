"""The archive pages (included by config/urls.py under /archive/)."""

from django.urls import path

from archive import views

app_name = "archive"
urlpatterns = [
    path("", views.archive_index, name="index"),
    path("<str:kind>/<int:pk>/", views.archive_current, name="subject"),
    path("<str:kind>/<int:pk>/<int:year>/", views.archive_detail, name="detail"),
    path("<str:kind>/<int:pk>/<int:year>/archive.xlsx", views.archive_xlsx, name="xlsx"),
    path("<str:kind>/<int:pk>/<int:year>/archive.docx", views.archive_docx, name="docx"),
]
