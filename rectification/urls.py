from django.urls import include, path  # noqa: F401

from rectification.document_urls import urlpatterns as document_urlpatterns

app_name = "rectification"
# Pages: notices, items, look-backs (and the documents of document_urls.py).
urlpatterns: list = [*document_urlpatterns]
