"""Files the checklist pages send: a download (as an attachment) or a file shown inline."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpResponse

from kuangan.core.spreadsheets import XLSX_MIME

XLSX = XLSX_MIME


def download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def inline(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(filename)}"
    return response
