-- One row per period: the parked specific cost (särkostnader) and the part no
-- registered item matched (the unmatched parked residual), with its share. The
-- check specific_cost_scaling, the central identity and the step-4 gate
-- (unmatched_parked_share) read these sums.
select
    {{ partition_key() }} as partition_key,
    coalesce({{ exact_sum('parked_cost') }}, 0) as parked_cost,
    coalesce({{ exact_sum('residual_cost') }}, 0) as residual_cost,
    coalesce({{ exact_sum('residual_cost') }} / nullif({{ exact_sum('parked_cost') }}, 0), 0) as unmatched_parked_share
from {{ ref_period('int_specific_cost_factors_computed') }}
