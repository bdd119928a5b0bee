"""The canonical format: JSON Lines, one EventIn per line (docs/canonical-format.md)."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import ValidationError

from reachable.common.errors import FieldError
from reachable.records.ingest.base import MAX_LINE_BYTES, Row, Source, Stream, decoded_lines
from reachable.records.schemas import EventIn
from reachable.records.validation import pydantic_errors


def read(stream: Stream, source: Source) -> Iterator[Row]:
    """One Row per non-blank line; a line that is not a valid EventIn lists every field error."""
    bad: dict[int, FieldError] = {}
    label = source.label
    validate = EventIn.model_validate_json
    for number, text in enumerate(decoded_lines(stream, source, bad), start=1):
        if number in bad:
            yield Row(line=number, errors=[bad[number]], raw=text[:2000])
            continue
        # A character is at most 4 bytes in UTF-8: only a line that might be too long is measured exactly.
        if len(text) > MAX_LINE_BYTES // 4 and len(text.encode()) > MAX_LINE_BYTES:
            yield Row(line=number, errors=[FieldError("(line)", f"longer than {MAX_LINE_BYTES} bytes", None,
                                                      file=label, line=number)])
            continue
        if text.isspace():
            continue
        try:
            event = validate(text)
        except ValidationError as error:
            yield Row(line=number, errors=pydantic_errors(error, line=number, file=label), raw=text.rstrip())
            continue
        errors = []
        if source.agency and event.agency != source.agency:
            errors.append(FieldError("agency", f"this import is for {source.agency} only", event.agency,
                                     file=label, line=number))
        yield Row(line=number, events=[event], errors=errors, raw=text.rstrip(), agency=event.agency)
