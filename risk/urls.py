from django.urls import path

from risk import views

app_name = "risk"
# Pages: alerts and their verification, circuit breaks and the allowlist, business records,
# supervision models, monthly assessments, quarterly risk-alert lists.
urlpatterns = [
    path("alerts/", views.alert_list, name="alert_list"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert_detail"),
    path("alerts/<int:pk>/verify/", views.alert_verify_view, name="alert_verify"),
    path("alerts/<int:pk>/to-finding/", views.alert_to_finding_view, name="alert_to_finding"),
    path("breakers/", views.breaker_list, name="breaker_list"),
    path("breakers/<int:pk>/", views.breaker_detail, name="breaker_detail"),
    path("breakers/<int:pk>/restore-request/", views.breaker_restore_request_view, name="breaker_restore_request"),
    path("breakers/<int:pk>/restore-decision/", views.breaker_restore_decide_view, name="breaker_restore_decide"),
    path("allowlist/", views.allowlist, name="allowlist"),
    path("records/", views.record_list, name="record_list"),
    path("records/<int:pk>/", views.record_detail, name="record_detail"),
    path("models/", views.model_list, name="model_list"),
    path("assessments/", views.assessment_list, name="assessment_list"),
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment_detail"),
    path("lists/", views.risk_list_list, name="risk_list_list"),
]
