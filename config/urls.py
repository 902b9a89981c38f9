from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("", include("core.urls")),
    path("accounts/", include("accounts.urls")),
    path("org/", include("accounts.org_urls")),
    path("audit/", include("audit.urls")),
    path("supervision/", include("supervision.urls")),
    path("rectification/", include("rectification.urls")),
    path("risk/", include("risk.urls")),
    path("cases/", include("cases.urls")),
    path("ratings/", include("ratings.urls")),
    path("archive/", include("archive.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("reports/", include("reports.urls")),
    path("public/", include("public.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
]

handler404 = "core.api.exceptions.page_not_found"
handler500 = "core.api.exceptions.server_error"

admin.site.site_header = _("Big-supervision platform · administration")
admin.site.site_title = _("Big-supervision platform")
admin.site.index_title = _("System administration")
