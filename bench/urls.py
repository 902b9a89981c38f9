"""The product's URLs plus the bare views the HTTP benchmarks compare against (bench only)."""

from django.urls import include, path

from bench import views

urlpatterns = [
    path("bench/bare/business-records/", views.bare_business_records, name="bench-bare-business-records"),
    path("bench/bare/findings/", views.bare_findings, name="bench-bare-findings"),
    path("", include("config.urls")),
]
