-- Styckkostnader: one row per care/service centre × service.
select
    partition_key,
    cost_center,
    service_code,
    volume,
    unit_cost,
    service_group,
    unit,
    weight,
    weighted_volume,
    pool,
    center_weighted_volume
from {{ ref_period('int_unit_costs_calculated') }}
