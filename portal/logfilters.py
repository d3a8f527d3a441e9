"""Logging filters (settings.LOGGING)."""

import logging


class ClientErrorsOnOneLine(logging.Filter):
    """A 4xx answer (a refused permission, a missing page) is the client's doing, not a fault: log it
    as one line, without the exception's traceback. 5xx keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", 500) < 500:
            record.exc_info = None
            record.exc_text = None
        return True
