from django.urls import path

from supervision import views

app_name = "supervision"
# Pages: inspections, findings, evidence download, clues.
urlpatterns = [
    path("inspections/", views.inspection_list, name="inspection_list"),
    path("inspections/new/", views.inspection_create, name="inspection_create"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection_detail"),
    path("findings/", views.finding_list, name="finding_list"),
    path("findings/new/", views.finding_create, name="finding_create"),
    path("findings/<int:pk>/", views.finding_detail, name="finding_detail"),
    path("findings/<int:pk>/evidence/", views.finding_evidence_add, name="finding_evidence_add"),
    path("findings/<int:pk>/clue/", views.finding_clue_transfer, name="finding_clue_transfer"),
    path("evidence/<int:pk>/download/", views.evidence_download, name="evidence_download"),
    path("clues/", views.clue_list, name="clue_list"),
    path("clues/<int:pk>/", views.clue_detail, name="clue_detail"),
    path("clues/<int:pk>/dispose/", views.clue_dispose, name="clue_dispose"),
]
