"""Tables as files for staff: CSV as Excel in a Russian locale opens it (UTF-8 with a BOM, semicolons)
and XLSX (openpyxl in write-only mode), the download response for either, and reading such a file
back (`read_table`) for loading data."""

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


class TableError(ValueError):
    """A file that is not a readable table (the message says why, for the person who loaded it)."""


def read_table(content: bytes, filename: str) -> list[dict[str, str]]:
    """The rows of a CSV (UTF-8 with or without a BOM, or Windows-1251; `;`, `,` or tab) or XLSX file
    (its first sheet) as dicts by the header row's names (lower-cased, stripped); cells as text, empty
    cells as "". Empty rows are skipped; every row keeps its line number as `"#"`."""
    if filename.lower().endswith(".xlsx"):
        rows = _xlsx_rows(content)
    else:
        rows = _csv_rows(content)
    rows = iter(rows)
    header = next(rows, None)
    if not header or not any(header):
        raise TableError("The file is empty: the first row must name the columns.")
    names = [str(name or "").strip().lower() for name in header]
    table = []
    for number, row in enumerate(rows, start=2):
        cells = ["" if cell is None else str(cell).strip() for cell in row]
        if not any(cells):
            continue
        record = dict(zip(names, cells + [""] * (len(names) - len(cells)), strict=False))
        record["#"] = str(number)
        table.append(record)
    return table


def _csv_rows(content: bytes):
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1251 decodes nearly every byte string
        raise TableError("The file is neither UTF-8 nor Windows-1251 text.")
    first_line = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=first_line.count)
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def _xlsx_rows(content: bytes):
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a file that is not a workbook
        raise TableError("The file is not an XLSX workbook.") from exc
    sheet = book.worksheets[0]
    return [[_xlsx_text(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]


def _xlsx_text(value) -> str:
    """A cell as the text a person sees: integers without `.0`, dates as ISO, decimals as typed."""
    import datetime as dt

    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
