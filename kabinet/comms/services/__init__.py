"""Actions of communication, by topic: appeals, announcements, notifications, sms_commands.

Every write is one transaction, validated, and raises `CommsError` with a message to show as is;
side effects (sending) are queued on commit. Another tenant's object is refused exactly like a
missing one.
"""


class CommsError(Exception):
    """A refused action; `message` is for the person (translated), `code` for callers and tests."""

    def __init__(self, message: str, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.code = code
