"""The ledger pattern (台账): one list page with filters, search, sort, pagination, column
choice and an Excel export of the filtered rows. Every list of the system is a ``LedgerView``.

A ledger declares its model, a ``django_filters.FilterSet`` (shared with the API), the fields
its search box looks in, and its columns. The queryset always starts from
``Model.objects.visible_to(user)``.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from . import audit
from .choices import AuditAction, ChoiceSet
from .forms import style_form
from .spreadsheets.writing import XLSX_MIME, new_workbook

PAGE_SIZES = (25, 50, 100, 200)
EXPORT_MAX_ROWS = 200_000


@dataclass
class Column:
    key: str
    label: Any
    accessor: str | Callable[[Any], Any] | None = None  # attribute path ("mine.region.name")
    sort: str | None = None  # ORM ordering field; None: not sortable
    default: bool = True  # shown unless the user chose columns
    link: bool = False  # render as a link to the row's get_absolute_url
    # Render the value as a badge: the ChoiceSet of the column's stored value (its colour is
    # the choice's own), or for a badge that is no choice, a function giving its css class.
    badge: type[ChoiceSet] | Callable[[Any], str] | None = None
    export: bool = True

    def raw(self, obj) -> Any:
        """The stored value of the column (the choice's code, not its label): the accessor's
        attribute path, or the attribute named like the column when the accessor is a
        function or a ``get_…_display``."""
        accessor = self.accessor
        if not isinstance(accessor, str) or accessor.startswith("get_"):
            accessor = self.key
        value = obj
        for part in accessor.split("."):
            if value is None:
                return None
            value = getattr(value, part, None)
        return value

    @property
    def has_badge(self) -> bool:
        # For templates: ``{% if c.badge %}`` would call a badge function without its row.
        return self.badge is not None

    def badge_class(self, obj) -> str:
        """The css class of the cell's badge ("" without a badge)."""
        if self.badge is None:
            return ""
        if isinstance(self.badge, type) and issubclass(self.badge, ChoiceSet):
            return self.badge.css(self.raw(obj))
        return self.badge(obj)

    def value(self, obj) -> Any:
        accessor = self.accessor or self.key
        if callable(accessor):
            return accessor(obj)
        value = obj
        for part in accessor.split("."):
            if value is None:
                return None
            display = getattr(value, f"get_{part}_display", None)
            value = display() if display is not None else getattr(value, part)
        return value() if callable(value) and not hasattr(value, "all") else value


def display(value: Any) -> str:
    """A cell value as text (dates YYYY-MM-DD, times in Asia/Shanghai, yes/no)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, Decimal):
        return format(value, ",")  # thousands separators, the digits as stored
    if hasattr(value, "all"):
        return "、".join(str(v) for v in value.all())
    return str(value)


def sheet_name(title: str) -> str:
    """An Excel sheet name: at most 31 characters, none of []:*?/\\."""
    name = "".join("_" if ch in "[]:*?/\\" else ch for ch in str(title)).strip("'")
    return name[:31] or "Sheet1"


def write_xlsx(path: str, title: str, headers: list[str], rows: Iterable[list[Any]]) -> int:
    """Write a ledger sheet: title row, frozen bold header, borders. Values are written as
    typed cells; text is always text (a value starting with '=' never becomes a formula)."""
    workbook = new_workbook(path, constant_memory=True)
    sheet = workbook.add_worksheet(sheet_name(title))
    title_fmt = workbook.add_format({"bold": True, "font_size": 14, "align": "center"})
    head_fmt = workbook.add_format(
        {"bold": True, "bg_color": "#E8EEF7", "border": 1, "text_wrap": True, "valign": "vcenter"}
    )
    cell_fmt = workbook.add_format({"border": 1})
    date_fmt = workbook.add_format({"border": 1, "num_format": "yyyy-mm-dd"})
    time_fmt = workbook.add_format({"border": 1, "num_format": "yyyy-mm-dd hh:mm"})
    if len(headers) > 1:
        sheet.merge_range(0, 0, 0, len(headers) - 1, title, title_fmt)
    else:
        sheet.write_string(0, 0, title, title_fmt)
    for col, header in enumerate(headers):
        sheet.write_string(1, col, str(header), head_fmt)
        sheet.set_column(col, col, max(10, min(40, len(str(header)) * 2 + 4)))
    sheet.freeze_panes(2, 0)
    sheet.repeat_rows(1)
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    count = 0
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row):
            if value is None or value == "":
                sheet.write_blank(r, c, None, cell_fmt)
            elif isinstance(value, bool):
                sheet.write_string(r, c, display(value), cell_fmt)
            elif isinstance(value, int | float | Decimal):
                sheet.write_number(r, c, float(value), cell_fmt)
            elif isinstance(value, dt.datetime):
                sheet.write_datetime(r, c, timezone.localtime(value).replace(tzinfo=None), time_fmt)
            elif isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_fmt)
            else:
                sheet.write_string(r, c, display(value), cell_fmt)
        count += 1
    workbook.close()
    return count


class LedgerView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    model: type[Any] | None = None
    filterset_class: type[Any] | None = None
    search_fields: tuple[str, ...] = ()
    columns: list[Column] = []
    default_sort: str = ""
    title: Any = ""
    template_name = "core/ledger.html"
    table_template = "core/ledger_table.html"
    create_url: str | None = None  # URL name of the "new" page, when the user may add
    create_perm: str | None = None
    empty_hint: Any = ""
    export_perm: str | None = None  # defaults to the view permission
    raise_exception = False

    # --- the rows -----------------------------------------------------------------------

    def base_queryset(self) -> QuerySet:
        return self.model.objects.visible_to(self.request.user)

    def filtered(self) -> tuple[QuerySet, Any]:
        qs = self.base_queryset()
        filterset = None
        if self.filterset_class is not None:
            filterset = self.filterset_class(
                self.request.GET or None, queryset=qs, request=self.request
            )
            style_form(filterset.form)
            if filterset.is_bound:
                # A filter value that does not validate selects nothing (the form shows why),
                # so an export never silently returns more rows than the filters asked for.
                qs = filterset.qs if filterset.is_valid() else qs.none()
        q = self.request.GET.get("q", "").strip()
        if q and self.search_fields:
            cond = Q()
            for f in self.search_fields:
                cond |= Q(**{f"{f}__icontains": q})
            qs = qs.filter(cond)
        return qs.order_by(*self.ordering(), "pk"), filterset

    def ordering(self) -> list[str]:
        sort = self.request.GET.get("sort", "")
        allowed = {c.key: c.sort for c in self.columns if c.sort}
        key = sort.lstrip("-")
        if key in allowed:
            field_name = allowed[key]
            return [f"-{field_name}" if sort.startswith("-") else field_name]
        return [self.default_sort] if self.default_sort else []

    def chosen_columns(self) -> list[Column]:
        session_key = f"ledger_cols:{self.request.resolver_match.view_name}"
        keys = {c.key for c in self.columns}
        if "cols" in self.request.GET:
            chosen = [k for k in self.request.GET.getlist("cols") if k in keys]
            self.request.session[session_key] = chosen
        else:
            chosen = self.request.session.get(session_key)
        if not chosen:
            return [c for c in self.columns if c.default]
        return [c for c in self.columns if c.key in chosen]

    # --- responses ----------------------------------------------------------------------

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx":
            return self.export()
        return super().get(request, *args, **kwargs)

    def get_template_names(self):
        if (
            self.request.headers.get("HX-Request")
            and self.request.headers.get("HX-Target") == "ledger-table"
        ):
            return [self.table_template]
        return [self.template_name]

    def page_size(self) -> int:
        try:
            size = int(self.request.GET.get("page_size", PAGE_SIZES[0]))
        except ValueError:
            size = PAGE_SIZES[0]
        return size if size in PAGE_SIZES else PAGE_SIZES[0]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        qs, filterset = self.filtered()
        paginator = Paginator(qs, self.page_size())
        page = paginator.get_page(self.request.GET.get("page"))
        columns = self.chosen_columns()
        objects = list(page.object_list)
        self.prepare_rows(objects)
        rows = [{"obj": obj, "cells": [(c, c.value(obj)) for c in columns]} for obj in objects]
        params = self.request.GET.copy()
        params.pop("page", None)
        params.pop("export", None)
        sort_params = params.copy()
        sort_params.pop("sort", None)
        ctx.update(
            title=self.title or self.model._meta.verbose_name_plural,
            filterset=filterset,
            page=page,
            paginator=paginator,
            rows=rows,
            columns=columns,
            all_columns=self.columns,
            current_sort=self.request.GET.get("sort", ""),
            query=self.request.GET.get("q", ""),
            querystring=params.urlencode(),
            sort_querystring=sort_params.urlencode(),
            page_sizes=PAGE_SIZES,
            table_template=self.table_template,
            page_size=self.page_size(),
            searchable=bool(self.search_fields),
            create_url=self.create_url
            if self.create_url
            and (not self.create_perm or self.request.user.has_perm(self.create_perm))
            else None,
            empty_hint=self.empty_hint,
            is_filtered=self.is_filtered(filterset),
        )
        return ctx

    def is_filtered(self, filterset) -> bool:
        """Whether the user narrowed the rows (a search or a filter value, not just a sort)."""
        if self.request.GET.get("q", "").strip():
            return True
        if filterset is None or not filterset.is_bound:
            return False
        return any(self.request.GET.get(name) not in (None, "") for name in filterset.form.fields)

    def prepare_rows(self, objects: list) -> None:
        """Called with each page of rows (and each chunk of an export) before its cells are
        read: the place to look up in one batch what the cells show."""

    def export_rows(self, qs: QuerySet, columns: list[Column]):
        chunk: list = []
        for obj in qs.iterator(chunk_size=2000):
            chunk.append(obj)
            if len(chunk) == 2000:
                yield from self._export_chunk(chunk, columns)
                chunk = []
        yield from self._export_chunk(chunk, columns)

    def _export_chunk(self, objects: list, columns: list[Column]):
        self.prepare_rows(objects)
        for obj in objects:
            yield [c.value(obj) for c in columns]

    def export(self):
        if self.export_perm and not self.request.user.has_perm(self.export_perm):
            return self.handle_no_permission()
        qs, _filterset = self.filtered()
        columns = [c for c in self.chosen_columns() if c.export]
        title = str(self.title or self.model._meta.verbose_name_plural)
        tmp = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=True)  # noqa: SIM115
        count = write_xlsx(
            tmp.name,
            title,
            [str(c.label) for c in columns],
            self.export_rows(qs[:EXPORT_MAX_ROWS], columns),
        )
        audit.record(
            actor=self.request.user,
            action=AuditAction.EXPORTED,
            object_repr=title,
            changes={"rows": count, "filters": self.request.GET.dict()},
            region=getattr(self.request.user, "audit_region", lambda: None)(),
        )
        tmp.seek(0)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        filename = f"{title}-{stamp}.xlsx"
        response = FileResponse(
            tmp,
            as_attachment=True,
            filename=filename,
            content_type=XLSX_MIME,
        )
        response["X-Export-Rows"] = str(count)
        return response


@dataclass
class Tab:
    key: str
    label: Any
    template: str
    count: int | None = None
    extra: dict = field(default_factory=dict)
