"""Only the report API, so its schema can be generated (and must be warning-free) on its own."""

from django.urls import include, path

urlpatterns = [path("api/v1/", include("dashboard.api.urls"))]
