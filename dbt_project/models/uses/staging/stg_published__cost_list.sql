-- One row per partition × contact of the published kostnadslistor.
select
    partition_key,
    contact_id,
    hospital,
    clinic,
    care_type,
    care_field,
    drg,
    mdc,
    drg_points,
    national_outlier_threshold,
    total_cost,
    specific_cost,
    bed_days,
    is_outlier,
    is_inlier,
    spans_period_boundary,
    -- spec §7.1: compared as trimmed text; empty = unknown
    nullif(trim(home_region), '') as home_region,
    age
from {{ published_table('cost_list') }}
