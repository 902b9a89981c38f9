"""Evidence files: the type is decided by the content (magic bytes), never by the name or the
browser's Content-Type; only a short whitelist is accepted, up to settings.EVIDENCE_MAX_BYTES."""

import hashlib
import zipfile

from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import DomainError
from supervision.models import Evidence

_ZIP_MAGIC = b"PK\x03\x04"


def detect_kind(upload) -> str | None:
    """The evidence kind of an uploaded file from its first bytes, or None if not allowed."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if head.startswith(b"\xff\xd8\xff"):
        return Evidence.Kind.JPG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Evidence.Kind.PNG
    if head.startswith(b"%PDF-"):
        return Evidence.Kind.PDF
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return Evidence.Kind.MP4
    if head.startswith(_ZIP_MAGIC):
        # .docx and .xlsx are zip packages; tell them apart (and from any other zip) by content.
        try:
            with zipfile.ZipFile(upload) as package:
                names = set(package.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        finally:
            upload.seek(0)
        if "[Content_Types].xml" in names and "word/document.xml" in names:
            return Evidence.Kind.DOCX
        if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
            return Evidence.Kind.XLSX
    return None


def validate_upload(upload) -> tuple[str, str]:
    """(kind, sha256) of an acceptable upload; raises DomainError naming the file otherwise."""
    name = getattr(upload, "name", "") or "file"
    if upload.size > settings.EVIDENCE_MAX_BYTES:
        raise DomainError(
            _("%(name)s is too large: at most %(limit)d MB.")
            % {"name": name, "limit": settings.EVIDENCE_MAX_BYTES // (1024 * 1024)},
            field="files",
        )
    if upload.size == 0:
        raise DomainError(_("%(name)s is empty.") % {"name": name}, field="files")
    kind = detect_kind(upload)
    if kind is None:
        raise DomainError(
            _("%(name)s is not an accepted file type (JPG, PNG, PDF, DOCX, XLSX or MP4, judged by content).")
            % {"name": name},
            field="files",
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return kind, digest.hexdigest()


def validate_uploads(files) -> list[tuple]:
    """Validate every file before any is stored: (upload, kind, sha256) for each, or one
    DomainError naming every bad file, so a refused batch leaves nothing on disk."""
    checked, problems = [], []
    for upload in files:
        try:
            checked.append((upload, *validate_upload(upload)))
        except DomainError as error:
            problems.append(error.message)
    if problems:
        raise DomainError(" ".join(problems), field="files")
    return checked
