from rest_framework.routers import SimpleRouter

from supervision.api import views

router = SimpleRouter()
router.register("inspections", views.InspectionViewSet, basename="inspection")
router.register("findings", views.FindingViewSet, basename="finding")
router.register("evidence", views.EvidenceViewSet, basename="evidence")
router.register("clues", views.ClueViewSet, basename="clue")
urlpatterns = router.urls
