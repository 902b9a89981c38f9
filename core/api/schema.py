"""The OpenAPI schema class: drf-spectacular's, aware of the spreadsheet exports.

Kept apart from core.api.renderers: DRF imports the renderers while drf-spectacular is being
imported, so the renderers module must not import drf-spectacular.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from core.api.renderers import EXPORT_FORMATS, EXPORT_MEDIA_TYPES, is_list_endpoint


class ErrorSerializer(serializers.Serializer):
    """The body of every error answer (core.api.exceptions.exception_handler): a `detail`, or one list
    of messages per bad field ({"deadline": ["..."]}), a 409 also names the object's `current_status`,
    an import's 400 lists the bad `rows`."""

    detail = serializers.CharField(required=False)
    current_status = serializers.CharField(required=False)
    rows = serializers.ListField(required=False)

    class Meta:
        ref_name = "Error"


# Error answers every operation may give, documented once here rather than on each view.
ERROR_DESCRIPTIONS = {
    "400": _("Bad input: the body names each bad field, or `detail` says what is wrong."),
    "401": _("Not authenticated."),
    "403": _("The caller's role may not take this step."),
    "404": _("No such object within the caller's data scope (or no such page or format)."),
    "406": _("The requested format is not offered here (spreadsheets are offered on lists only)."),
    "409": _("The object is not in a state that allows this step; `current_status` names its state."),
    "415": _("The body's media type is not accepted here."),
    "429": _("Too many requests; retry later."),
}


NOT_FILTERS = {"page", "page_size", "cursor", "format"}


class ExportAwareAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema; the spreadsheet formats appear on list responses only (as a
    binary body), and the `format` parameter lists them there."""

    def _exports(self) -> bool:
        return is_list_endpoint(self.view, self.method)

    def _standard_error_codes(self) -> list[str]:
        codes = ["400", "404", "406"]
        if not all(isinstance(permission, AllowAny) for permission in self.view.get_permissions()):
            codes += ["401", "403"]
        if self.method not in ("GET", "HEAD", "OPTIONS"):
            codes += ["409", "415"]
        if getattr(self.view, "throttle_classes", None):
            codes.append("429")
        return codes

    def _get_parameters(self):
        """An optional filter sent empty (`?status=`, as an HTML form sends it) means "not filtered":
        documented as allowEmptyValue. Paging and format parameters are not filters: an empty one is a
        400 or 404."""
        parameters = super()._get_parameters()
        for parameter in parameters:
            if (
                parameter.get("in") == "query"
                and not parameter.get("required")
                and parameter["name"] not in NOT_FILTERS
            ):
                parameter["allowEmptyValue"] = True
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._standard_error_codes():
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                response["description"] = ERROR_DESCRIPTIONS[code]
                responses[code] = response
        return dict(sorted(responses.items()))

    def map_renderers(self, attribute: str):
        values = super().map_renderers(attribute)
        if self._exports():
            return values
        hidden = EXPORT_MEDIA_TYPES if attribute == "media_type" else EXPORT_FORMATS
        return [value for value in values if value not in hidden]

    def _get_response_for_code(self, serializer, status_code, media_types=None, direction="response"):
        response = super()._get_response_for_code(serializer, status_code, media_types, direction)
        content = response.get("content") or {}
        for media_type in EXPORT_MEDIA_TYPES & set(content):
            if str(status_code).startswith("2") and self._exports():
                content[media_type] = {"schema": {"type": "string", "format": "binary"}}
            elif not (media_types and media_type in media_types):
                del content[media_type]
        return response
