"""The app's log lines: one format for the whole process, each line carrying the request id
of the answer it belongs to (``-`` outside one), as text or as JSON lines
(``ASSISTANT_LOG_FORMAT=json``). No line carries a question's or an answer's text: the
pipeline logs kinds, ids and timings only, and secrets never reach a log call."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Literal

REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="-")
OURS = ("assistant", "review")  # the loggers this configures (Streamlit keeps its own)
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"

_base_factory = logging.getLogRecordFactory()


def _record(*args, **kwargs) -> logging.LogRecord:  # type: ignore[no-untyped-def]
    record = _base_factory(*args, **kwargs)
    record.request_id = REQUEST_ID.get()
    return record


logging.setLogRecordFactory(_record)  # every record, whichever handler reads it


@contextmanager
def request(request_id: str) -> Iterator[None]:
    """Log lines written inside carry ``request_id``."""
    token = REQUEST_ID.set(request_id)
    try:
        yield
    finally:
        try:
            REQUEST_ID.reset(token)
        except ValueError:  # closed from another context (a stream collected elsewhere)
            REQUEST_ID.set("-")


def tag(err: BaseException, request_id: str) -> None:
    """Mark ``err`` with the answer it ended: where it is caught and logged, that line
    carries the same id (``with request(of(err))``)."""
    err.request_id = request_id  # type: ignore[attr-defined]


def of(err: BaseException) -> str:
    """The request id ``err`` was tagged with, or ``-``."""
    return str(getattr(err, "request_id", "-"))


class JsonLines(logging.Formatter):
    """One JSON object a line: time, level, logger, request id, message (and the error)."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        # ASCII only: a line separator in a message (U+2028, U+0085) cannot split the line
        return json.dumps(line, ensure_ascii=True)


def configure(fmt: Literal["text", "json"] = "text", level: int = logging.INFO) -> None:
    """Send our loggers' lines to stderr in ``fmt`` (once per process; later calls only
    change the format)."""
    formatter = JsonLines() if fmt == "json" else logging.Formatter(TEXT_FORMAT)
    for name in OURS:
        logger = logging.getLogger(name)
        mine = [h for h in logger.handlers if getattr(h, "_assistant", False)]
        if mine:
            mine[0].setFormatter(formatter)
            continue
        handler = logging.StreamHandler(sys.stderr)
        handler._assistant = True  # type: ignore[attr-defined]
        handler.setFormatter(formatter)
        logger.addHandler(handler)
        logger.setLevel(level)
