"""The ratings pages (included by config/urls.py under /ratings/)."""

from django.urls import path

from ratings import views

app_name = "ratings"
urlpatterns = [
    path("", views.round_list, name="round_list"),
    path("draft/", views.round_draft_view, name="round_draft"),
    path("<int:pk>/", views.round_detail, name="round_detail"),
    path("<int:pk>/recompute/", views.round_recompute_view, name="round_recompute"),
    path("<int:pk>/adjust/", views.round_adjust_view, name="round_adjust"),
    path("<int:pk>/propose/", views.round_propose_view, name="round_propose"),
    path("<int:pk>/return/", views.round_return_view, name="round_return"),
    path("<int:pk>/decide-tie/", views.round_decide_tie_view, name="round_decide_tie"),
    path("<int:pk>/approve/", views.round_approve_view, name="round_approve"),
    path("<int:pk>/publish/", views.round_publish_view, name="round_publish"),
    path("<int:pk>/export.xlsx", views.round_export, name="round_export"),
]
