"""The cases pages (included by config/urls.py under /cases/)."""

from django.urls import path

from cases import views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("new/", views.case_open_view, name="case_open"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("<int:pk>/edit/", views.case_edit, name="case_edit"),
    path("<int:pk>/start-investigation/", views.case_start_investigation_view, name="case_start_investigation"),
    path("<int:pk>/conclude/", views.case_conclude_view, name="case_conclude"),
    path("<int:pk>/close/", views.case_close_view, name="case_close"),
    path("liabilities/", views.liability_list, name="liability_list"),
    path("liabilities/<int:pk>/", views.liability_detail, name="liability_detail"),
    path("liabilities/<int:pk>/objection/", views.liability_object_view, name="liability_object"),
    path("liabilities/<int:pk>/objection-decision/", views.objection_decide_view, name="objection_decide"),
    path("rules/", views.rule_list, name="rule_list"),
]
