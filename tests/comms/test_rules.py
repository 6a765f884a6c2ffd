"""Pure rules: statuses, deadlines, attachment sniffing, quiet hours, back-off."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from kabinet.comms import rules
from tests.comms.files import EXE, PDF, PNG

MB = 1024 * 1024


def test_consumer_reply_reopens_answered_and_closed():
    assert rules.status_after_consumer_reply("answered", has_assignee=True) == "in_progress"
    assert rules.status_after_consumer_reply("closed", has_assignee=False) == "new"
    assert rules.status_after_consumer_reply("new", has_assignee=False) == "new"
    assert rules.status_after_consumer_reply("in_progress", has_assignee=True) == "in_progress"


def test_staff_transitions():
    assert rules.can_staff_set_status("new", "closed")
    assert rules.can_staff_set_status("closed", "in_progress")
    assert not rules.can_staff_set_status("closed", "answered")
    assert not rules.can_staff_set_status("closed", "new")


def test_due_date_and_overdue():
    due = rules.due_date(dt.date(2026, 11, 28), 5)
    assert due == dt.date(2026, 12, 3)
    assert rules.is_overdue("new", due, dt.date(2026, 12, 4))
    assert not rules.is_overdue("new", due, dt.date(2026, 12, 3))
    assert not rules.is_overdue("answered", due, dt.date(2027, 1, 1))


@pytest.mark.parametrize("head,kind", [
    (PNG, "image/png"), (PDF, "application/pdf"), (b"\xff\xd8\xff\xe0rest", "image/jpeg"),
    (b"GIF89a....", "image/gif"), (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
    (b"\x00\x00\x00\x18ftypheic", "image/heic"), (EXE, None), (b"<html>", None), (b"", None),
])
def test_sniff(head, kind):
    assert rules.sniff_content_type(head) == kind


def test_attachment_type_comes_from_the_content_not_the_name():
    assert rules.check_attachment("scan.pdf", 100, PDF, max_bytes=MB) == "application/pdf"
    with pytest.raises(rules.AttachmentRejected, match="not an image or a PDF"):
        rules.check_attachment("virus.pdf", 100, EXE, max_bytes=MB)  # named like a PDF, is not
    with pytest.raises(rules.AttachmentRejected, match="not an image or a PDF"):
        rules.check_attachment("page.html", 100, PDF, max_bytes=MB)  # a PDF named .html is refused too
    with pytest.raises(rules.AttachmentRejected, match="too large"):
        rules.check_attachment("big.png", 2 * MB, PNG, max_bytes=MB)
    with pytest.raises(rules.AttachmentRejected, match="empty"):
        rules.check_attachment("empty.png", 0, b"", max_bytes=MB)


def test_safe_original_name():
    assert rules.safe_original_name("../../etc/passwd") == "passwd"
    assert rules.safe_original_name("C:\\photos\\счётчик.jpg") == "счётчик.jpg"
    assert rules.safe_original_name("") == "file"


MSK = ZoneInfo("Europe/Moscow")


@pytest.mark.parametrize("now,start,end,held_until", [
    (dt.datetime(2026, 11, 20, 23, 30, tzinfo=MSK), dt.time(22), dt.time(8), dt.datetime(2026, 11, 21, 8, tzinfo=MSK)),
    (dt.datetime(2026, 11, 20, 6, 0, tzinfo=MSK), dt.time(22), dt.time(8), dt.datetime(2026, 11, 20, 8, tzinfo=MSK)),
    (dt.datetime(2026, 11, 20, 12, 0, tzinfo=MSK), dt.time(22), dt.time(8), None),
    (dt.datetime(2026, 11, 20, 13, 0, tzinfo=MSK), dt.time(13), dt.time(14), dt.datetime(2026, 11, 20, 14, tzinfo=MSK)),
    (dt.datetime(2026, 11, 20, 14, 0, tzinfo=MSK), dt.time(13), dt.time(14), None),
    (dt.datetime(2026, 11, 20, 3, 0, tzinfo=MSK), None, None, None),
])
def test_quiet_hours(now, start, end, held_until):
    assert rules.quiet_hours_end(now, start, end) == held_until


def test_retry_delay_doubles_up_to_the_cap():
    assert [rules.retry_delay(n, 60) for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert rules.retry_delay(40, 60) == 6 * 3600
