"""Tables as files for staff: CSV as Excel in a Russian locale opens it (UTF-8 with a BOM, semicolons)
and XLSX (openpyxl in write-only mode), and the download response for either."""

import csv
import io

from django.http import HttpResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"


def csv_bytes(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(title: str, rows) -> bytes:
    from openpyxl import Workbook  # imported late: only exports need it

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def download(content: bytes, filename: str) -> HttpResponse:
    """An attachment; the content type from the file's extension (.xlsx, else CSV)."""
    response = HttpResponse(content, content_type=XLSX if filename.endswith(".xlsx") else CSV)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
