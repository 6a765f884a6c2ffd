"""Private file storage for appeal attachments: outside MEDIA_ROOT, never served by URL.

Files get random names (`appeals/2026/11/<32 hex>.pdf`); they are read only through
`get_attachment_for_user`, which checks who is asking, and served by the caller's view.
"""

import datetime as dt
import os
import uuid

from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible

from kabinet.comms import conf


@deconstructible
class PrivateStorage(FileSystemStorage):
    """FileSystemStorage rooted at `conf.private_media_root()`, read on each use (tests move it)."""

    def __init__(self):
        super().__init__()

    @property
    def base_location(self):
        return str(conf.private_media_root())

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Private files have no URL: serve them through get_attachment_for_user().")


private_storage = PrivateStorage()


def attachment_path(instance, filename: str) -> str:
    """A random, unguessable name; only the (sniffed) extension is kept."""
    extension = os.path.splitext(filename)[1].lower()[:6]
    today = dt.date.today()
    return f"appeals/{today:%Y}/{today:%m}/{uuid.uuid4().hex}{extension}"
