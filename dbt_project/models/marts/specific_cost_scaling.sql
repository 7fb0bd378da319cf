-- Omräkning av särkostnader: one row per cost centre × specific account.
select
    partition_key,
    cost_center,
    account,
    parked_cost,
    matched_registered,
    scale_factor,
    residual_cost as residual,
    n_rows_in_period,
    n_matched,
    is_flagged as flagged
from {{ ref_period('int_specific_cost_factors_computed') }}
