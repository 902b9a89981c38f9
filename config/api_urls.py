from django.urls import include, path
from rest_framework.routers import DefaultRouter

from accounts.api import views as accounts_api
from audit.api import views as audit_api

router = DefaultRouter()
router.register("units", accounts_api.UnitViewSet, basename="unit")
router.register("party-organizations", accounts_api.PartyOrganizationViewSet, basename="party-organization")
router.register("posts", accounts_api.PostViewSet, basename="post")
router.register("persons", accounts_api.PersonViewSet, basename="person")
router.register("positions", accounts_api.PositionViewSet, basename="position")
router.register("audit-events", audit_api.AuditEventViewSet, basename="audit-event")

app_name = "api"
urlpatterns = [
    path("auth/token/", accounts_api.TokenView.as_view(), name="token"),
    path("me/", accounts_api.MeView.as_view(), name="me"),
    path("", include(router.urls)),
    path("", include("supervision.api.urls")),
    path("", include("rectification.api.urls")),
    path("", include("risk.api.urls")),
    path("", include("cases.api.urls")),
    path("", include("ratings.api.urls")),
    path("", include("archive.api.urls")),
    path("", include("dashboard.api.urls")),
    path("", include("reports.api.urls")),
    path("", include("public.api.urls")),
    path("", include("core.api.calendar")),
]
