"""The public progress pages (no login) and their staff pages, under /public/."""

from django.urls import path

from public import views

app_name = "public"
urlpatterns = [
    # For the public: published summaries and the feedback form.
    path("rectification/", views.public_summary_list, name="public_summary_list"),
    path("rectification/<int:pk>/", views.public_summary_detail, name="public_summary_detail"),
    path("rectification/<int:pk>/feedback/", views.public_feedback_submit, name="public_feedback_submit"),
    # For staff: publishing, and the feedback received.
    path("summaries/", views.summary_list, name="summary_list"),
    path("summaries/new/", views.summary_publish, name="summary_publish"),
    path("summaries/<int:pk>/", views.summary_detail, name="summary_detail"),
    path("summaries/<int:pk>/refresh/", views.summary_refresh, name="summary_refresh"),
    path("summaries/<int:pk>/unpublish/", views.summary_unpublish, name="summary_unpublish"),
    path("feedback/", views.feedback_list, name="feedback_list"),
    path("feedback/<int:pk>/", views.feedback_detail, name="feedback_detail"),
    path("feedback/<int:pk>/to-finding/", views.feedback_to_finding, name="feedback_to_finding"),
    path("feedback/<int:pk>/dismiss/", views.feedback_dismiss, name="feedback_dismiss"),
]
