"""Uploads: refused with a clear message and nothing stored (no row, no file) when too large,
of a type other than its name says, named with a path, an image or archive bomb; photos'
time and GPS read from EXIF; files served only through the view that checks the scope."""

import datetime as dt
import io
import struct
import zipfile
import zlib
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kuangan.core import files
from kuangan.core.choices import AuditAction, OrganizationKind, Role
from kuangan.core.models import Attachment, AuditEvent

from .factories import make_attachment, make_organization, make_user, png_bytes

# --- Files made in the tests ------------------------------------------------------------------


def jpeg_with_exif() -> bytes:
    from PIL import Image

    exif = Image.Exif()
    exif[0x0132] = "2023:06:01 08:30:00"  # DateTime (file changed)
    exif[0x8769] = {0x9003: "2023:05:31 14:05:09"}  # DateTimeOriginal (photo taken)
    exif[0x8825] = {1: "N", 2: (42.0, 18.0, 36.0), 3: "E", 4: (126.0, 25.0, 12.0)}
    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), (90, 90, 90)).save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header declares ``width`` × ``height`` pixels, with almost no data: what a
    decompression bomb looks like before anything decodes it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def office_zip(main_part: str, extra: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(main_part, "<workbook/>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def real_xlsx() -> bytes:
    from openpyxl import Workbook

    buffer = io.BytesIO()
    book = Workbook()
    book.active["A1"] = "隐患台账"
    book.save(buffer)
    return buffer.getvalue()


def real_docx() -> bytes:
    from docx import Document

    buffer = io.BytesIO()
    document = Document()
    document.add_paragraph("自查报告")
    document.save(buffer)
    return buffer.getvalue()


# --- Fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def target(db):
    return make_organization("220605", OrganizationKind.ENTERPRISE, name="松树镇煤业")


@pytest.fixture
def uploader(db):
    return make_user("220600", role=Role.PROVINCE_ADMIN)


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def add(uploader, target, name: str, data: bytes):
    return files.attachment_add(
        by=uploader, target=target, uploaded_file=SimpleUploadedFile(name, data)
    )


def refused(uploader, target, name, data, settings, match: str):
    with pytest.raises(ValidationError) as exc:
        add(uploader, target, name, data)
    assert match in " ".join(exc.value.messages)
    assert not Attachment.objects.exists()
    assert stored_files(settings) == []
    assert not AuditEvent.objects.filter(action=AuditAction.FILE_UPLOADED).exists()
    return exc.value


# --- Accepted files ----------------------------------------------------------------------------


def test_a_photo_is_stored_under_a_random_name_with_its_exif_time_and_gps(
    uploader, target, settings
):
    attachment = add(uploader, target, "现场照片.jpg", jpeg_with_exif())
    assert attachment.mime_type == "image/jpeg" and attachment.original_name == "现场照片.jpg"
    assert attachment.taken_at == timezone.make_aware(dt.datetime(2023, 5, 31, 14, 5, 9))
    assert attachment.gps_latitude == Decimal("42.31")
    assert attachment.gps_longitude == Decimal("126.42")
    on_disk = stored_files(settings)
    assert len(on_disk) == 1
    assert on_disk[0].name == attachment.storage_name and "现场" not in str(on_disk[0])
    assert on_disk[0].resolve().is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    import hashlib

    assert attachment.sha256 == hashlib.sha256(on_disk[0].read_bytes()).hexdigest()
    event = AuditEvent.objects.get(action=AuditAction.FILE_UPLOADED)
    assert event.changes["sha256"] == [None, attachment.sha256]
    assert event.region.code == "220605"


@pytest.mark.parametrize(
    ("name", "maker", "mime"),
    [
        ("图.png", png_bytes, "image/png"),
        (
            "台账.xlsx",
            real_xlsx,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            "报告.docx",
            real_docx,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("通知.pdf", lambda: b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n", "application/pdf"),
    ],
)
def test_allowed_types_are_accepted(uploader, target, name, maker, mime):
    assert add(uploader, target, name, maker()).mime_type == mime


def test_a_photo_without_exif_has_no_time_or_place(uploader, target):
    attachment = add(uploader, target, "图.png", png_bytes())
    assert attachment.taken_at is None and attachment.gps_latitude is None


# --- Refused files -----------------------------------------------------------------------------


def test_an_oversize_file_is_refused(uploader, target, settings):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    data = png_bytes(1200, 1200, compress_level=0)
    assert len(data) > settings.UPLOAD_MAX_BYTES
    refused(uploader, target, "大图.png", data, settings, "files may be at most 1 MB")


def test_an_executable_renamed_jpg_is_refused(uploader, target, settings):
    data = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200 + b"This program cannot be run in DOS"
    refused(uploader, target, "照片.jpg", data, settings, "Only images (JPEG, PNG, WebP), PDF")


def test_a_pdf_renamed_xlsx_is_refused(uploader, target, settings):
    data = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
    refused(uploader, target, "台账.xlsx", data, settings, "content is PDF but its name ends in")


def test_a_zip_that_is_no_office_document_is_refused(uploader, target, settings):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("evil.sh", "rm -rf /")
    refused(uploader, target, "台账.xlsx", buffer.getvalue(), settings, "Archives other than")


@pytest.mark.parametrize(
    "name", ["../../etc/passwd.jpg", "..\\..\\windows\\win.ini.jpg", "a/b.jpg", "x\x00.jpg"]
)
def test_a_name_with_a_path_is_refused(uploader, target, settings, name):
    """The service receives the name as sent (an API or an import passes it on unchanged)."""
    upload = File(io.BytesIO(jpeg_with_exif()), name=name)
    upload.size = len(upload.file.getvalue())
    with pytest.raises(ValidationError) as exc:
        files.attachment_add(by=uploader, target=target, uploaded_file=upload)
    assert "contains a path or characters that are not allowed" in exc.value.messages[0]
    assert not Attachment.objects.exists() and stored_files(settings) == []


def test_a_decompression_bomb_image_is_refused(uploader, target, settings):
    bomb = png_declaring(100_000, 100_000)
    assert len(bomb) < 200
    refused(uploader, target, "bomb.png", bomb, settings, "decompression bomb")


def test_an_image_over_the_pixel_limit_is_refused_with_its_size(uploader, target, settings):
    refused(
        uploader,
        target,
        "big.png",
        png_declaring(9000, 9000),
        settings,
        "The image is 9000 × 9000 pixels, more than the 50 million allowed",
    )


def test_a_zip_bomb_disguised_as_xlsx_is_refused(uploader, target, settings):
    bomb = office_zip("xl/workbook.xml", {"xl/worksheets/sheet1.xml": b"\x00" * 30_000_000})
    assert len(bomb) < 100_000
    refused(uploader, target, "台账.xlsx", bomb, settings, "zip bomb")


def test_a_document_unpacking_beyond_the_limit_is_refused(uploader, target, settings):
    settings.UPLOAD_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    data = office_zip("word/document.xml", {"word/media/a.bin": bytes(range(256)) * 8000})
    refused(uploader, target, "报告.docx", data, settings, "would unpack to more than 1 MB")


def test_a_damaged_image_is_refused(uploader, target, settings):
    data = png_bytes()[:40]
    refused(uploader, target, "图.png", data, settings, "damaged or not a real image")


def test_an_empty_file_is_refused(uploader, target, settings):
    refused(uploader, target, "空.pdf", b"", settings, "The file is empty")


# --- Through HTTP ------------------------------------------------------------------------------


def upload_url(obj) -> str:
    from django.contrib.contenttypes.models import ContentType

    return f"/files/upload/{ContentType.objects.get_for_model(obj).pk}/{obj.pk}/"


def test_upload_page_shows_the_refusal_and_stores_nothing(client, uploader, target, settings):
    client.force_login(uploader)
    page = f"/organizations/{target.pk}/?tab=files"
    response = client.post(
        upload_url(target),
        {"file": SimpleUploadedFile("照片.jpg", b"MZ\x90\x00" * 100), "next": page},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    messages = [str(m) for m in response.context["messages"]]
    assert any(m.startswith("Only images (JPEG, PNG, WebP), PDF") for m in messages), messages
    assert not Attachment.objects.exists() and stored_files(settings) == []


def test_a_path_in_the_uploaded_name_never_reaches_the_disk(client, uploader, target, settings):
    """Django's upload parser keeps only the last part of a sent name; the file is stored under
    a random name inside the storage whatever was sent."""
    client.force_login(uploader)
    client.post(
        upload_url(target),
        {"file": SimpleUploadedFile("../../etc/passwd.jpg", jpeg_with_exif())},
    )
    attachment = Attachment.objects.get()
    assert attachment.original_name == "passwd.jpg"
    (on_disk,) = stored_files(settings)
    assert on_disk.resolve().is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert "passwd" not in on_disk.name


def test_upload_needs_the_change_permission_on_a_visible_object(client, target):
    inspector = make_user("220600", role=Role.REGULATOR_INSPECTOR)
    client.force_login(inspector)
    data = {"file": SimpleUploadedFile("图.png", png_bytes())}
    assert client.post(upload_url(target), data).status_code == 403
    elsewhere = make_user("220100", role=Role.PROVINCE_ADMIN)
    client.force_login(elsewhere)
    data = {"file": SimpleUploadedFile("图.png", png_bytes())}
    assert client.post(upload_url(target), data).status_code == 404
    assert not Attachment.objects.exists()


def test_download_checks_the_scope_of_the_object(client, uploader, target):
    attachment = make_attachment(by=uploader, target=target, name="现场.png")
    client.force_login(make_user("220605", role=Role.REGULATOR_INSPECTOR))
    response = client.get(f"/files/{attachment.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == png_bytes()
    assert response["Content-Type"] == "image/png"
    assert "sandbox" in response["Content-Security-Policy"]
    assert AuditEvent.objects.filter(
        action=AuditAction.FILE_DOWNLOADED, object_id=str(attachment.pk)
    ).exists()
    client.force_login(make_user("220102", role=Role.REGULATOR_INSPECTOR))
    assert client.get(f"/files/{attachment.pk}/").status_code == 404
    assert client.get("/files/987654/").status_code == 404


def test_an_office_document_is_downloaded_as_an_attachment(client, uploader, target):
    attachment = files.attachment_add(
        by=uploader, target=target, uploaded_file=SimpleUploadedFile("台账.xlsx", real_xlsx())
    )
    client.force_login(uploader)
    response = client.get(f"/files/{attachment.pk}/")
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E5%8F%B0%E8%B4%A6.xlsx" in response["Content-Disposition"]


def test_files_are_not_served_from_a_media_url(client, uploader, target, settings):
    attachment = make_attachment(by=uploader, target=target)
    client.force_login(uploader)
    assert client.get(settings.MEDIA_URL + attachment.file.name).status_code == 404


def test_the_files_tab_lists_the_object_files(client, uploader, target):
    make_attachment(by=uploader, target=target, name="现场.png")
    client.force_login(uploader)
    body = client.get(f"/organizations/{target.pk}/", {"tab": "files"}).content.decode()
    assert "现场.png" in body and 'enctype="multipart/form-data"' in body


# --- Active content: PDFs with scripts, Office files with macros ------------------------------


def pdf_with(body: bytes) -> bytes:
    return b"%PDF-1.7\n" + body + b"\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def flate_stream(content: bytes) -> bytes:
    packed = zlib.compress(content)
    return (
        b"5 0 obj<</Type/ObjStm/Filter/FlateDecode/Length "
        + str(len(packed)).encode()
        + b">>stream\n"
        + packed
        + b"\nendstream endobj"
    )


@pytest.mark.parametrize(
    "body",
    [
        b"1 0 obj<</Type/Catalog/OpenAction<</S/JavaScript/JS(app.alert(1))>>>>endobj",
        b"1 0 obj<</Type/Catalog/Names<</JavaScript 2 0 R>>>>endobj",
        b"1 0 obj<</Type/Catalog/OpenAction<</S/J#61vaScript/J#53 (x)>>>>endobj",
        b"1 0 obj<</Type/Catalog/OpenAction<</S/Launch/F(cmd.exe)>>>>endobj",
        b"1 0 obj<</Type/Catalog>>endobj\n" + flate_stream(b"2 0 <</S/JavaScript/JS(x)>>"),
    ],
    ids=["open-action-js", "names-js", "escaped-name", "launch", "in-object-stream"],
)
def test_a_pdf_with_scripts_is_refused(uploader, target, settings, body):
    refused(uploader, target, "通知.pdf", pdf_with(body), settings, "scripts or actions")


def test_a_pdf_with_compressed_text_is_accepted(uploader, target):
    body = b"1 0 obj<</Type/Catalog>>endobj\n" + flate_stream(b"BT /F1 12 Tf (JSON) Tj ET")
    assert add(uploader, target, "通知.pdf", pdf_with(body)).mime_type == "application/pdf"


def test_a_word_document_with_macros_is_refused(uploader, target, settings):
    data = office_zip("word/document.xml", {"word/vbaProject.bin": b"\xd0\xcf\x11\xe0macro"})
    refused(uploader, target, "报告.docx", data, settings, "macros")


def test_a_macro_enabled_workbook_renamed_xlsx_is_refused(uploader, target, settings):
    types = (
        b'<Types><Override PartName="/xl/workbook.xml" ContentType="application/'
        b'vnd.ms-excel.sheet.macroEnabled.main+xml"/></Types>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("xl/workbook.xml", "<workbook/>")
    data = buffer.getvalue()
    refused(uploader, target, "台账.xlsx", data, settings, "macros")


def test_an_old_office_file_is_refused(uploader, target, settings):
    data = files.OLE_SIGNATURE + b"\x00" * 504 + b"VBA project"
    refused(uploader, target, "报告.docx", data, settings, "Old Office files")
