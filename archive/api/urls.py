"""The archive API (included by config/api_urls.py under /api/v1/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from archive.api import views

router = SimpleRouter()
router.register("archives", views.ArchiveSnapshotViewSet, basename="archive")

urlpatterns = [
    *router.urls,
    path("archives/<str:kind>/<str:id>/<str:year>/", views.ArchiveDetailView.as_view(), name="archive-detail"),
]
