"""Reading uploaded .xlsx and .csv files as a stream of rows, refusing hostile files with a Japanese message.

INTERFACE (implemented by the readers work; the importers code against it):

    with open_table(path, file_name) as sheets:      # raises ImportFileError
        for sheet in sheets:                          # Sheet, in workbook order (one for a CSV)
            for row_number, cells in sheet.rows:      # 1-based row numbers, header rows included
                ...

- cells: list of str | int | float | Decimal | datetime.date | datetime.datetime | None | FormulaCell
  (a FormulaCell is the text of a formula found in the file; the importer reports it, never evaluates it).
- Streaming: memory stays bounded whatever the number of rows (openpyxl read-only mode; csv module).
- Errors about the file as a whole raise ImportFileError(Japanese message): wrong type, .xls, broken or
  truncated zip, zip bomb, too big, undecodable text (with its line number), more than
  settings.CHIZAI_IMPORT_MAX_ROWS rows.
"""

from __future__ import annotations
