from rest_framework.routers import SimpleRouter

from public.api import views

router = SimpleRouter()
router.register("public-summaries", views.PublicSummaryViewSet, basename="public-summary")
router.register("public-feedback", views.PublicFeedbackViewSet, basename="public-feedback")
urlpatterns = router.urls
