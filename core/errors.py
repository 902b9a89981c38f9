"""Domain errors raised by services. The API maps them in one exception handler; views show them."""


class DomainError(Exception):
    """A request that is well-formed but not allowed by the rules (HTTP 400)."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class TransitionNotAllowed(DomainError):
    """The object is not in a state that allows this step (HTTP 409); names the current state."""

    status_code = 409

    def __init__(self, message: str, *, current_status: str):
        super().__init__(message)
        self.current_status = current_status


class NotPermitted(DomainError):
    """The user can see the object but this role or person may not take this step (HTTP 403)."""

    status_code = 403
