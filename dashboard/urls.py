from django.urls import path

from dashboard import views

app_name = "dashboard"
# Pages: the committee dashboard, the big screen, statistics and their export.
urlpatterns = [
    path("", views.index, name="index"),
    path("screen/", views.screen, name="screen"),
    path("statistics/", views.statistics_page, name="statistics"),
    path("statistics/export.xlsx", views.statistics_export, name="statistics_export"),
    path("rollups/refresh/", views.rollups_refresh, name="rollups_refresh"),
]
