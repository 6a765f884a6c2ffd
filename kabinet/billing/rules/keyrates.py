"""The Central Bank of Russia key rate history and the penalty moratoria/caps, as data.

Since 01.01.2016 the refinancing rate equals the key rate (Указание Банка России №3894-У), so one
table serves ЖК РФ 155.14. The data migration seeds the `KeyRate` and `PenaltyRule` tables from here;
staff add later decisions in the admin. Dates are the days a rate takes effect.
"""

import datetime as dt
from decimal import Decimal

D = dt.date

# (effective from, % per year)
KEY_RATES: tuple[tuple[dt.date, Decimal], ...] = tuple((day, Decimal(rate)) for day, rate in (
    (D(2016, 1, 1), "11.00"),
    (D(2016, 6, 14), "10.50"),
    (D(2016, 9, 19), "10.00"),
    (D(2017, 3, 27), "9.75"),
    (D(2017, 5, 2), "9.25"),
    (D(2017, 6, 19), "9.00"),
    (D(2017, 9, 18), "8.50"),
    (D(2017, 10, 30), "8.25"),
    (D(2017, 12, 18), "7.75"),
    (D(2018, 2, 12), "7.50"),
    (D(2018, 3, 26), "7.25"),
    (D(2018, 9, 17), "7.50"),
    (D(2018, 12, 17), "7.75"),
    (D(2019, 6, 17), "7.50"),
    (D(2019, 7, 29), "7.25"),
    (D(2019, 9, 9), "7.00"),
    (D(2019, 10, 28), "6.50"),
    (D(2019, 12, 16), "6.25"),
    (D(2020, 2, 10), "6.00"),
    (D(2020, 4, 27), "5.50"),
    (D(2020, 6, 22), "4.50"),
    (D(2020, 7, 27), "4.25"),
    (D(2021, 3, 22), "4.50"),
    (D(2021, 4, 26), "5.00"),
    (D(2021, 6, 15), "5.50"),
    (D(2021, 7, 26), "6.50"),
    (D(2021, 9, 13), "6.75"),
    (D(2021, 10, 25), "7.50"),
    (D(2021, 12, 20), "8.50"),
    (D(2022, 2, 14), "9.50"),
    (D(2022, 2, 28), "20.00"),
    (D(2022, 4, 11), "17.00"),
    (D(2022, 5, 4), "14.00"),
    (D(2022, 5, 27), "11.00"),
    (D(2022, 6, 14), "9.50"),
    (D(2022, 7, 25), "8.00"),
    (D(2022, 9, 19), "7.50"),
    (D(2023, 7, 24), "8.50"),
    (D(2023, 8, 15), "12.00"),
    (D(2023, 9, 18), "13.00"),
    (D(2023, 10, 30), "15.00"),
    (D(2023, 12, 18), "16.00"),
    (D(2024, 7, 29), "18.00"),
    (D(2024, 9, 16), "19.00"),
    (D(2024, 10, 28), "21.00"),
    (D(2025, 6, 9), "20.00"),
    (D(2025, 7, 28), "18.00"),
    (D(2025, 9, 15), "17.00"),
    (D(2025, 10, 27), "16.50"),
    (D(2025, 12, 22), "16.00"),
    (D(2026, 2, 16), "15.50"),
))

# Kinds of penalty rules over days of delay (DOMAIN.md §3).
NO_PENALTY = "none"  # moratorium: those days accrue nothing
FIXED_RATE = "fixed"  # the rate is `rate`, whatever the key rate
CAP_RATE = "cap"  # min(`rate`, the key rate on the payment day)

# (first day, last day inclusive or None, kind, rate %, source)
PENALTY_RULES: tuple[tuple[dt.date, dt.date | None, str, Decimal | None, str], ...] = (
    # ПП №424 of 02.04.2020: penalties suspended until 01.01.2021.
    (D(2020, 4, 6), D(2020, 12, 31), NO_PENALTY, None, "ПП РФ №424 от 02.04.2020"),
    # ПП №474 of 26.03.2022: the key rate of 27.02.2022 (9.5 %).
    (D(2022, 2, 28), D(2022, 9, 22), FIXED_RATE, Decimal("9.5"), "ПП РФ №474 от 26.03.2022"),
    # ПП №1681 of 26.09.2022, extended for 2023, 2024 and 2025–2026 (ПП №329 of 18.03.2025):
    # the lesser of 9.5 % and the key rate on the payment day.
    (D(2022, 9, 23), D(2026, 12, 31), CAP_RATE, Decimal("9.5"), "ПП РФ №1681 от 26.09.2022, ПП РФ №329 от 18.03.2025"),
)
