"""The ratings API (registered by its router here; included by config/api_urls.py)."""

from rest_framework.routers import SimpleRouter

from ratings.api import views

router = SimpleRouter()
router.register("rating-rounds", views.RatingRoundViewSet, basename="rating-round")
router.register("ratings", views.UnitRatingViewSet, basename="unit-rating")
router.register("rating-adjustments", views.RatingAdjustmentViewSet, basename="rating-adjustment")
urlpatterns = router.urls
