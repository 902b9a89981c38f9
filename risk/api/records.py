"""Placeholder: filled by the engineer writing this part of the risk API."""

urlpatterns: list = []
