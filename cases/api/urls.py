"""The cases API (registered by its router here; included by config/api_urls.py)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from cases.api import views

router = SimpleRouter()
router.register("cases", views.CaseViewSet, basename="case")
router.register("liabilities", views.LiabilityViewSet, basename="liability")
router.register("liability-rules", views.LiabilityRuleViewSet, basename="liability-rule")

urlpatterns = [
    path("persons/<int:pk>/eligibility/", views.PersonEligibilityView.as_view(), name="person-eligibility"),
    *router.urls,
]
