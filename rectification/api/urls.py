from rest_framework.routers import SimpleRouter

from rectification.api import views

router = SimpleRouter()
router.register("notices", views.NoticeViewSet, basename="notice")
router.register("handovers", views.HandoverViewSet, basename="handover")
router.register("rectification-items", views.ItemViewSet, basename="rectification-item")
router.register("item-requests", views.ItemRequestViewSet, basename="item-request")
router.register("look-backs", views.LookBackViewSet, basename="look-back")
urlpatterns = router.urls
