"""Pure billing rules (DOMAIN.md §1, §3, §4, §7): plain functions over plain values, no database.

- `penalties`: ЖК РФ 155.14 penalties, the key-rate table with moratoria and caps, due dates;
- `allocation`: ГК 319.1 payment allocation and the exact pro-rata split;
- `volumes`: ПП 354 volumes (metered, average, normative, true-up);
- `common_house`: common-house needs (ОДН, §7): the common volume, the normative cap, area shares, loss;
- `charges`: pricing a volume into charge lines with a protocol;
- `keyrates`: the Central Bank key rate history and the moratorium/cap rules as data;
- `formatting`: numbers in protocols, Russian style.

Services in `kabinet.billing.services` load the values from the database and persist the outcome.
"""
