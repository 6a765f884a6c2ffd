"""Tiny real files for upload tests."""

from django.core.files.uploadedfile import SimpleUploadedFile

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
EXE = b"MZ\x90\x00" + b"\x00" * 64


def upload(name="photo.png", content=PNG, content_type="image/png"):
    return SimpleUploadedFile(name, content, content_type=content_type)
