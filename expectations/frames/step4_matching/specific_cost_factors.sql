-- One row per cost centre × specific account: the recalculation factor
-- (omräkning) and whether it lies outside the run's limits (dbt vars
-- scale_factor_min / scale_factor_max).
select cost_center, account, parked_cost, matched_registered, n_matched, round(scale_factor, 4) as scale_factor, is_flagged
from intermediate.int_specific_cost_factors_computed
where partition_key = $partition_key
order by cost_center, account
