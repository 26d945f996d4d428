"""A CSV file as spreadsheets export it: encoding, byte-order mark, ``sep=`` line, delimiter, and its
records with their spreadsheet row numbers (the header is row 1), read as a stream.

Used for the subscribers file (``audience``); messages speak of "the file", the caller names it.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

from .errors import AudienceError
from .sources.csv import delimiter as header_delimiter  # the same guess for every spreadsheet export
from .sources.csv import sep_line

SAVE_AS_UTF8 = (
    "In Excel: File > Save As > 'CSV UTF-8 (Comma delimited)'; in LibreOffice: File > Save As, "
    "'Edit filter settings', character set 'Unicode (UTF-8)'"
)
MAX_TOO_WIDE = 20  # rows with more fields than the header kept for the message


def open_text(path: Path, declared: str, where: str) -> tuple[io.BufferedReader, str]:
    """The file opened for reading, past any UTF-8 BOM, and the codec to decode it with."""
    encoding = _encoding(declared, where)
    try:
        raw = open(path, "rb")  # noqa: SIM115 - returned open
    except FileNotFoundError:
        raise AudienceError(
            f"{where}: subscribers file not found (check the file name, or the 'subscribers:' line in bulletin.yaml)"
        ) from None
    except IsADirectoryError:
        raise AudienceError(f"{where}: is a folder, expected a CSV file") from None
    except OSError as exc:
        raise AudienceError(f"{where}: cannot be read ({exc.strerror})") from None
    start = raw.peek(4)[:4]
    if start[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        raw.close()
        raise AudienceError(f"{where}: the file is UTF-16 ('Unicode Text'), not CSV. {SAVE_AS_UTF8}.")
    if start == b"PK\x03\x04":  # a zip: what Excel and LibreOffice save by default
        raw.close()
        raise AudienceError(f"{where}: the file is a spreadsheet workbook (.xlsx or .ods), not CSV. {SAVE_AS_UTF8}.")
    if raw.peek(3)[:3] == codecs.BOM_UTF8:  # a BOM says UTF-8, whatever bulletin.yaml declares
        raw.read(3)
        encoding = "utf-8"
    elif encoding != "utf-8" and _is_utf8(path):  # so does text that is UTF-8 (LibreOffice writes no BOM)
        encoding = "utf-8"
    return raw, encoding


class Table:
    """The records of a CSV text: ``header`` (None for an empty file), then ``rows()``."""

    def __init__(self, lines: TextIO, where: str) -> None:
        self.where = where
        header_line = next(lines, None)
        while header_line is not None and not header_line.strip():
            header_line = next(lines, None)
        self.header: list[str] | None = None
        self.delimiter = ","
        self.too_wide: list[tuple[int, int]] = []  # (row, fields) of rows wider than the header, at most MAX_TOO_WIDE
        if header_line is None:
            return
        named = sep_line(header_line)
        if named:
            header_line = next(lines, "")
        self.delimiter = named or header_delimiter(header_line)
        self._source = _Records(itertools.chain([header_line], lines), self.delimiter)
        self._reader = csv.reader(iter(self._source), delimiter=self.delimiter, strict=False)
        try:
            self.header = [h.strip() for h in next(self._reader)]
        except csv.Error as exc:
            raise AudienceError(f"{where} row 1: {exc}") from None
        except StopIteration:
            self.header = []

    def rows(self, on_wide: Callable[[list[str]], None] | None = None) -> Iterator[tuple[int, list[str]]]:
        """(row number, cells) of each record that is not blank, padded to the header's width.

        A row with values beyond the header's columns is left out, noted in ``too_wide`` and given to
        ``on_wide``; a quote
        opened and never closed (the rest of the file read as one value) is an error.
        """
        source, where, too_wide = self._source, self.where, self.too_wide
        width = len(self.header or ())
        new_record = source.record.clear
        new_record()
        row_no = 1
        try:
            for cells in self._reader:
                row_no += 1
                if source.ended and source.unclosed():
                    raise AudienceError(
                        f"{where} row {row_no}: a double quote (\") opens a value that is never closed, so the {len(source.record)} "
                        "lines from there to the end of the file were read as one value; add the closing quote or remove the stray one"
                    )
                new_record()
                if len(cells) != width:
                    if len(cells) > width and any(c.strip() for c in cells[width:]):
                        if on_wide is not None:
                            on_wide(cells)
                        if len(too_wide) < MAX_TOO_WIDE:
                            too_wide.append((row_no, len(cells)))
                        continue
                    if len(cells) < width:
                        cells += [""] * (width - len(cells))
                if any(cells):
                    yield row_no, cells
        except csv.Error as exc:
            raise AudienceError(f"{where} row {row_no + 1}: {exc}") from None


class _Records:
    """The file's lines as the csv reader takes them, keeping those of the record being read.

    A '"' never closed makes the reader take the rest of the file as one value, silently: a record that
    runs to the end of the file over several lines and does not parse strictly is that.
    """

    def __init__(self, lines: Iterator[str], delimiter: str) -> None:
        self.lines, self.delimiter = lines, delimiter
        self.record: list[str] = []
        self.ended = False

    def __iter__(self) -> Iterator[str]:
        # a generator, not __next__: this runs for every line of a file of up to millions
        keep = self.record.append
        for line in self.lines:
            keep(line)
            yield line
        self.ended = True

    def unclosed(self) -> bool:
        """Whether the record just read (the last one: call it once ``ended``) ran to the end of the file inside a
        quoted value."""
        if len(self.record) < 2:
            return False
        try:
            list(csv.reader(self.record, delimiter=self.delimiter, strict=True))
        except csv.Error as exc:
            return "unexpected end of data" in str(exc)
        return False


def _encoding(name: str, where: str) -> str:
    """The codec to read with; only encodings that keep ASCII as is (utf-8, cp1252, latin-1...)."""
    try:
        info = codecs.lookup(name)
    except LookupError:
        raise AudienceError(f"bulletin.yaml: subscribers_encoding: unknown encoding '{name}' (use utf-8 or cp1252)") from None
    if not "a\n".encode(info.name).endswith(b"a\n"):
        raise AudienceError(f"bulletin.yaml: subscribers_encoding: '{name}' is not supported; save {where} as CSV UTF-8")
    return "utf-8" if info.name == "utf-8-sig" else info.name  # the BOM is skipped before decoding


def _is_utf8(path: Path) -> bool:
    """Whether the file is UTF-8 text with some non-ASCII characters: Windows-1252 text with accents almost never is."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    non_ascii = False
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
                non_ascii = non_ascii or not chunk.isascii()
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return non_ascii


def decode_error(path: Path, encoding: str, declared: str, where: str) -> AudienceError:
    """The error for the first line that does not decode, with how to export the file properly."""
    number, detail = 0, ""
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, 1):  # noqa: B007 (the line number is used after the loop)
            try:
                raw.decode(encoding)
            except UnicodeDecodeError as exc:
                detail = f" (byte 0x{raw[exc.start:exc.start + 1].hex().upper()} at character {exc.start + 1})"
                break
    other = "" if encoding != "utf-8" else " or, if it is in Windows encoding, add 'subscribers_encoding: cp1252' to bulletin.yaml"
    return AudienceError(
        f"{where} line {number}: not {'UTF-8' if encoding == 'utf-8' else declared} text{detail}. Save the file as CSV UTF-8{other}. {SAVE_AS_UTF8}."
    )
