"""An order's formal document (指令书 / 决定书) as a download, for the order page and the API."""

from __future__ import annotations

from django.http import HttpResponse

from kuangan.core.views import file_response

from .models import Order
from .services import render_docx, render_pdf

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def order_document(order: Order, fmt: str, *, inline: bool = False) -> HttpResponse:
    """The document of ``order`` as ``fmt`` (``docx`` or ``pdf``), sent as an attachment or,
    with ``inline``, to be shown in the browser."""
    name = f"order-{order.pk}.{fmt}"
    if fmt == "pdf":
        return file_response(render_pdf(order), name, "application/pdf", inline=inline)
    return file_response(render_docx(order), name, DOCX_MIME, inline=inline)
