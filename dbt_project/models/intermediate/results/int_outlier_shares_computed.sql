-- One row per care type: the share of outliers (ytterfall) among the evaluated
-- contacts in (care_type, drg) groups big enough to have a threshold (about 5 %
-- inpatient, 3 % outpatient by the percentiles; the results gate checks it).
select
    {{ partition_key() }} as partition_key,
    care_type,
    count(*) as evaluated_in_groups,
    count(*) filter (where is_outlier) as outliers,
    count(*) filter (where is_outlier) / count(*) as outlier_share
from {{ ref_period('int_contacts_outliers_flagged') }}
where outlier_threshold is not null
group by care_type
