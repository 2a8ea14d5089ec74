from studio.enums import ErrorCode


class StudioError(Exception):
    """A typed error a service raises before it changes anything; views turn it into a 4xx."""

    status_code = 400

    def __init__(self, message: str, *, code: str = ErrorCode.INVALID, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field  # the input at fault, where a form should show the message


class PermissionDenied(StudioError):
    status_code = 403

    def __init__(self, message: str = "You may not do that.") -> None:
        super().__init__(message, code=ErrorCode.FORBIDDEN)


class NotFound(StudioError):
    status_code = 404

    def __init__(self, message: str = "Not found.") -> None:
        super().__init__(message, code=ErrorCode.NOT_FOUND)


class Conflict(StudioError):
    status_code = 409

    def __init__(self, message: str) -> None:
        super().__init__(message, code=ErrorCode.CONFLICT)


TEXT_MAX = 10_000  # free text (a brief, notes, a reason): a few pages, never a file pasted in


def text_checked(value: str, what: str) -> str:
    """Free text as it is kept, stripped; refused past TEXT_MAX characters."""
    text = value.strip()
    if len(text) > TEXT_MAX:
        raise StudioError(f"At most {TEXT_MAX:,} characters in {what}; this has {len(text):,}.")
    return text
