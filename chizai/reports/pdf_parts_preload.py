"""Loaded by the fork server of the document parts (`chizai.reports.pdf_parts`), once: WeasyPrint, its fonts and
its text shaping are made ready here, so each part's process, forked from the server, starts laying out at once."""

import gc

from weasyprint import HTML

import chizai.reports.pdf_parts  # noqa: F401  # the parts' entry point, imported before any fork

SAMPLE = "<p style=\"font-family: 'BIZ UDMincho'\">準備</p><h1 style=\"font-family: 'BIZ UDGothic'\">準備</h1>"
HTML(string=SAMPLE).render()
gc.freeze()  # what the server holds is never garbage: its children's collector need not look at it
