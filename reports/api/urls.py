from rest_framework.routers import SimpleRouter

from reports.api import views

router = SimpleRouter()
router.register("generated-reports", views.GeneratedReportViewSet, basename="generated-report")
urlpatterns = router.urls
