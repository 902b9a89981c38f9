from django.urls import path

from rectification import views
from rectification.document_urls import urlpatterns as document_urlpatterns
from rectification.models import ItemRequest

app_name = "rectification"
# Pages: notices, items, look-backs (and the documents of document_urls.py).
urlpatterns: list = [
    path("notices/", views.notice_list, name="notice_list"),
    path("notices/new/", views.notice_create, name="notice_create"),
    path("notices/<int:pk>/", views.notice_detail, name="notice_detail"),
    path("notices/<int:pk>/issue/", views.notice_issue, name="notice_issue"),
    path("notices/<int:pk>/items/new/", views.item_create, name="item_create"),
    path("handovers/<int:pk>/acknowledge/", views.handover_acknowledge, name="handover_acknowledge"),
    path("items/", views.item_list, name="item_list"),
    path("items/<int:pk>/", views.item_detail, name="item_detail"),
    path("items/<int:pk>/progress/", views.item_progress, name="item_progress"),
    path("items/<int:pk>/submit/", views.item_submit, name="item_submit"),
    path("items/<int:pk>/verify/", views.item_verify, name="item_verify"),
    path(
        "items/<int:pk>/request-extension/",
        views.item_request_create,
        {"kind": ItemRequest.Kind.EXTENSION},
        name="item_request_extension",
    ),
    path(
        "items/<int:pk>/request-unrectifiable/",
        views.item_request_create,
        {"kind": ItemRequest.Kind.UNRECTIFIABLE},
        name="item_request_unrectifiable",
    ),
    path("requests/<int:pk>/decide/", views.item_request_decide, name="item_request_decide"),
    path("look-backs/", views.look_back_list, name="look_back_list"),
    path("look-backs/<int:pk>/", views.look_back_detail, name="look_back_detail"),
    *document_urlpatterns,
]
