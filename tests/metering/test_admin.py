"""The simple Django admin of meters and readings renders."""

import pytest

from tests.metering.factories import MeterFactory, ReadingFactory


@pytest.mark.parametrize("model", ["meter", "reading", "readingsettings", "readingexport"])
def test_admin_lists_render(admin_client, model):
    ReadingFactory(meter=MeterFactory())
    assert admin_client.get(f"/admin/metering/{model}/").status_code == 200


def test_meter_admin_page_and_history(admin_client):
    meter = MeterFactory()
    assert admin_client.get(f"/admin/metering/meter/{meter.pk}/change/").status_code == 200
    assert admin_client.get(f"/admin/metering/meter/{meter.pk}/history/").status_code == 200
