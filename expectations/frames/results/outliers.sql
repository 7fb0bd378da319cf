-- One row per care type: the share of outliers (ytterfall) among the
-- evaluated contacts in (care_type, drg) groups big enough to have a threshold.
select
    care_type,
    count(*) as evaluated_in_groups,
    count(*) filter (where is_outlier) as outliers,
    count(*) filter (where is_outlier) / count(*) as outlier_share
from intermediate.int_contacts_outliers_flagged
where partition_key = $partition_key and outlier_threshold is not null
group by care_type
order by care_type
