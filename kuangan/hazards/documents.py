"""An order's formal document (指令书 / 决定书) as a download, for the order page and the API."""

from __future__ import annotations

from django.http import HttpResponse

from .models import Order
from .services import render_docx, render_pdf

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def order_document(order: Order, fmt: str, *, inline: bool = False) -> HttpResponse:
    """The document of ``order`` as ``fmt`` (``docx`` or ``pdf``), sent as an attachment or,
    with ``inline``, to be shown in the browser."""
    if fmt == "pdf":
        response = HttpResponse(render_pdf(order), content_type="application/pdf")
    else:
        response = HttpResponse(render_docx(order), content_type=DOCX_MIME)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="order-{order.pk}.{fmt}"'
    return response
