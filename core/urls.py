from django.urls import path

from core import views

app_name = "core"
urlpatterns = [
    path("", views.workbench, name="workbench"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/read/", views.notification_read, name="notification_read"),
]
