import io
import zipfile
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile

# Smallest real files of each accepted kind (content decides the type, not the name).
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
MP4_BYTES = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 16


def office_bytes(kind: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml" if kind == "docx" else "xl/workbook.xml", "<x/>")
    return buffer.getvalue()


def upload(name: str = "photo.png", content: bytes = PNG_BYTES, content_type: str = "image/png"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def make_finding(
    *,
    actor,
    unit,
    severity="serious",
    category_code="work_discipline",
    area_code="vehicle_admin",
    description="值班期间玩手机游戏",
    found_on=None,
    files=(),
    persons=(),
):
    from accounts.models import BusinessArea
    from supervision.models import FindingCategory
    from supervision.services import finding_create

    return finding_create(
        actor=actor,
        unit=unit,
        category=FindingCategory.objects.get(code=category_code),
        severity=severity,
        description=description,
        found_on=found_on or date(2026, 11, 2),
        source="petition",
        business_area=BusinessArea.objects.get(code=area_code),
        files=list(files),
        persons=list(persons),
    )
