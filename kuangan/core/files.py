"""Attachments: validation of uploads (size, type from content, allow-list, archive bombs,
image bombs, PDFs with scripts, Office files with macros, names), EXIF time and GPS, storage under a random name, and the one upload
service."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import math
import re
import secrets
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit
from .choices import AuditAction
from .models import Attachment

ALLOWED = {
    # mime type: (extensions, human name)
    "image/jpeg": ({"jpg", "jpeg"}, "JPEG"),
    "image/png": ({"png"}, "PNG"),
    "image/webp": ({"webp"}, "WebP"),
    "application/pdf": ({"pdf"}, "PDF"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ({"xlsx"}, "Excel"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ({"docx"}, "Word"),
}
# Compound files (OLE): the old .doc and .xls, where VBA macros live.
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_ARCHIVE_MEMBERS = 2000
# A part of an Office document that unpacks to more than this many times its packed size is a
# zip bomb (real documents stay far below: XML compresses about 10:1).
MAX_COMPRESSION_RATIO = 200
_FORBIDDEN_NAME_CHARS = set('/\\:*?"<>|') | {chr(i) for i in range(32)}


@dataclass
class Inspected:
    mime_type: str
    sha256: str
    size: int
    taken_at: dt.datetime | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None


def check_name(name: str) -> str:
    if not name or len(name) > 200:
        raise ValidationError(_("The file name is empty or longer than 200 characters."))
    if ".." in name or any(ch in _FORBIDDEN_NAME_CHARS for ch in name) or name.startswith("."):
        raise ValidationError(
            _("The file name “%(name)s” contains a path or characters that are not allowed.")
            % {"name": name[:60]}
        )
    return name


def sniff(head: bytes) -> str | None:
    """The type of a file from its first bytes."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"PK\x03\x04"):
        return "application/zip"
    if head.startswith(OLE_SIGNATURE):
        return "application/x-ole-storage"
    return None


# A PDF's active content: scripts (/JavaScript, /JS, run by /OpenAction or /AA) and the
# launching of programs (/Launch). A name may spell a letter as #xx (/J#61vaScript).
_PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch)(?=[\s()<>\[\]{}/%]|$)")
_PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_STREAM = re.compile(rb"(?<![A-Za-z])stream\r?\n(.*?)endstream", re.DOTALL)


def _pdf_names(data: bytes) -> bytes:
    return _PDF_NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), data)


def _check_pdf(data: bytes) -> None:
    """Refuse a PDF with scripts or program launches, in its body or in its compressed
    streams (object streams hide dictionaries)."""
    found = _PDF_ACTIVE.search(_pdf_names(data))
    budget = settings.UPLOAD_MAX_UNCOMPRESSED_BYTES
    for match in _PDF_STREAM.finditer(data):
        if found:
            break
        inflater = zlib.decompressobj()
        try:
            unpacked = inflater.decompress(match.group(1), budget)
        except zlib.error:
            continue  # not a Flate stream (an image, a font): nothing to read in it
        budget -= len(unpacked)
        if budget <= 0:
            raise ValidationError(
                _("The PDF would unpack to more than %(mb)d MB and is refused.")
                % {"mb": settings.UPLOAD_MAX_UNCOMPRESSED_BYTES // (1024 * 1024)}
            )
        found = _PDF_ACTIVE.search(_pdf_names(unpacked))
    if found:
        raise ValidationError(
            _(
                "The PDF contains scripts or actions that run programs (%(name)s); such files "
                "are refused. Print it to a new PDF without them and upload that."
            )
            % {"name": "/" + found.group(1).decode("ascii")}
        )


# The parts of an Office document that hold macros (VBA) or declare them.
_MACRO_PARTS = ("vbaproject.bin", "vbadata.xml", "vbaprojectsignature.bin")


def _check_macros(archive: zipfile.ZipFile, names: set[str]) -> None:
    """Refuse an Office document with macros, whatever its name says (a .docm renamed .docx)."""
    lowered = {name.lower() for name in names}
    macro = any(name.rsplit("/", 1)[-1] in _MACRO_PARTS for name in lowered)
    if not macro and "[Content_Types].xml" in names:
        types = archive.read("[Content_Types].xml")[:1_000_000].lower()
        macro = b"macroenabled" in types or b"vbaproject" in types
    if macro:
        raise ValidationError(
            _(
                "The document contains macros (VBA); such files are refused. Save it as a "
                "document without macros (.docx or .xlsx) and upload that."
            )
        )


def _check_archive(data: bytes) -> str:
    """Identify an OOXML document and refuse archive bombs (ASVS 5.2.3)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > MAX_ARCHIVE_MEMBERS:
                raise ValidationError(_("The document contains too many parts."))
            total = sum(m.file_size for m in members)
            if total > settings.UPLOAD_MAX_UNCOMPRESSED_BYTES:
                raise ValidationError(
                    _("The document would unpack to more than %(mb)d MB and is refused.")
                    % {"mb": settings.UPLOAD_MAX_UNCOMPRESSED_BYTES // (1024 * 1024)}
                )
            for member in members:
                ratio = member.file_size / max(member.compress_size, 1)
                if member.file_size > 1024 * 1024 and ratio > MAX_COMPRESSION_RATIO:
                    raise ValidationError(
                        _(
                            "The document contains a part that unpacks to %(ratio)d times its "
                            "size (a “zip bomb”); it is refused."
                        )
                        % {"ratio": ratio}
                    )
            names = {m.filename for m in members}
            _check_macros(archive, names)
    except zipfile.BadZipFile as exc:
        raise ValidationError(_("The document is damaged and cannot be read.")) from exc
    if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    if "[Content_Types].xml" in names and "word/document.xml" in names:
        return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    raise ValidationError(
        _("Archives other than Excel (.xlsx) and Word (.docx) files are refused.")
    )


def _gps_value(values, ref, limit: int) -> Decimal | None:
    """Degrees from EXIF (degrees, minutes, seconds) and the hemisphere reference."""
    try:
        d, m, s = (float(v) for v in values)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    degrees = d + m / 60 + s / 3600
    if not math.isfinite(degrees) or not 0 <= degrees <= limit:
        return None
    value = Decimal(str(round(degrees, 6)))
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "ignore")
    return -value if str(ref or "").strip("\x00 ").upper() in ("S", "W") else value


def _too_many_pixels(width: int | None = None, height: int | None = None) -> ValidationError:
    limit = settings.UPLOAD_MAX_PIXELS // 1_000_000
    if width and height:
        return ValidationError(
            _(
                "The image is %(w)d × %(h)d pixels, more than the %(limit)d million allowed "
                "(a “decompression bomb”); it is refused."
            )
            % {"w": width, "h": height, "limit": limit}
        )
    return ValidationError(
        _(
            "The image has more than the %(limit)d million pixels allowed (a “decompression "
            "bomb”); it is refused."
        )
        % {"limit": limit}
    )


def _inspect_image(data: bytes, result: Inspected) -> None:
    """Check an image before anything decodes its pixels: the declared size against
    ``UPLOAD_MAX_PIXELS``, then the file's structure; read the EXIF time and GPS position."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                if width * height > settings.UPLOAD_MAX_PIXELS:
                    raise _too_many_pixels(width, height)
                image.verify()
            with Image.open(io.BytesIO(data)) as image:
                exif = image.getexif()
    except ValidationError:
        raise
    except Image.DecompressionBombError as exc:
        raise _too_many_pixels() from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(_("The image is damaged or not a real image.")) from exc
    if exif:
        try:
            _read_exif(exif, result)
        except Exception:  # noqa: BLE001, S110 (a damaged EXIF block is only missing metadata)
            pass


def _read_exif(exif, result: Inspected) -> None:
    """The photo's time (DateTimeOriginal, else DateTime; EXIF has no zone: local time) and
    its GPS position."""
    exif_ifd = exif.get_ifd(0x8769)
    stamp = exif_ifd.get(0x9003) or exif.get(0x0132)
    if isinstance(stamp, str):
        try:
            naive = dt.datetime.strptime(stamp.strip("\x00 "), "%Y:%m:%d %H:%M:%S")  # noqa: DTZ007 (EXIF has no zone)
            result.taken_at = timezone.make_aware(naive)
        except ValueError:
            pass
    gps = exif.get_ifd(0x8825)
    if gps and 2 in gps and 4 in gps:
        latitude = _gps_value(gps.get(2), gps.get(1), 90)
        longitude = _gps_value(gps.get(4), gps.get(3), 180)
        if latitude is not None and longitude is not None:
            result.latitude, result.longitude = latitude, longitude


def _too_large(size: int) -> ValidationError:
    return ValidationError(
        _("The file is %(size).1f MB; files may be at most %(max)d MB.")
        % {"size": size / 1024 / 1024, "max": settings.UPLOAD_MAX_BYTES // (1024 * 1024)}
    )


def inspect_upload(name: str, data: bytes) -> Inspected:
    """Validate an upload; raise ValidationError with a message that says what to fix."""
    check_name(name)
    size = len(data)
    if size == 0:
        raise ValidationError(_("The file is empty."))
    if size > settings.UPLOAD_MAX_BYTES:
        raise _too_large(size)
    mime = sniff(data[:16])
    if mime == "application/zip":
        mime = _check_archive(data)
    elif mime == "application/x-ole-storage":
        raise ValidationError(
            _(
                "Old Office files (.doc, .xls, which may carry macros) are refused. Save the "
                "file as .docx or .xlsx and upload that."
            )
        )
    elif mime == "application/pdf":
        _check_pdf(data)
    if mime not in ALLOWED:
        raise ValidationError(
            _(
                "Only images (JPEG, PNG, WebP), PDF, Excel (.xlsx) and Word (.docx) files are accepted."
            )
        )
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    extensions, label = ALLOWED[mime]
    if extension not in extensions:
        raise ValidationError(
            _(
                "The file's content is %(kind)s but its name ends in “.%(ext)s”; rename it or choose the right file."
            )
            % {"kind": label, "ext": extension}
        )
    result = Inspected(mime_type=mime, sha256=hashlib.sha256(data).hexdigest(), size=size)
    if mime.startswith("image/"):
        _inspect_image(data, result)
    return result


def attachment_add(*, by, target: models.Model, uploaded_file, description: str = "") -> Attachment:
    """Store a file on ``target`` after validation. The caller has checked that ``by`` may
    see and change ``target``."""
    name = getattr(uploaded_file, "name", "") or ""
    check_name(name)
    if uploaded_file.size and uploaded_file.size > settings.UPLOAD_MAX_BYTES:
        raise _too_large(uploaded_file.size)
    data = uploaded_file.read(settings.UPLOAD_MAX_BYTES + 1)
    info = inspect_upload(name, data)
    storage_name = f"{secrets.token_hex(16)}.{min(ALLOWED[info.mime_type][0])}"
    with transaction.atomic():
        attachment = Attachment(
            content_type=ContentType.objects.get_for_model(target),
            object_id=str(target.pk),
            storage_name=storage_name,
            original_name=name,
            mime_type=info.mime_type,
            size=info.size,
            sha256=info.sha256,
            description=description,
            uploaded_by=by,
            taken_at=info.taken_at,
            gps_latitude=info.latitude,
            gps_longitude=info.longitude,
        )
        attachment.file.save(storage_name, ContentFile(data), save=False)
        try:
            attachment.save()
            audit.record(
                actor=by,
                action=AuditAction.FILE_UPLOADED,
                obj=attachment,
                changes=audit.added({"name": name, "sha256": info.sha256, "size": info.size}),
            )
        except Exception:
            attachment.file.delete(save=False)
            raise
    return attachment


def attachments_of(obj: models.Model):
    return Attachment.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
    ).select_related("uploaded_by")
