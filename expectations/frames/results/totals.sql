-- The period's results (one row): the cost list against the costed contacts,
-- and the inliers' DRG weight coverage.
with costed as (
    select count(*) as contacts
    from intermediate.int_contacts_costed
    where partition_key = $partition_key
),

listed as (
    select
        count(*) as contacts,
        count(*) filter (where is_inlier) as inliers,
        count(*) filter (where is_inlier and drg_points is not null) as inliers_with_weight
    from marts.cost_list
    where partition_key = $partition_key
)

select
    c.contacts as contacts_costed,
    l.contacts as contacts_listed,
    l.inliers,
    coalesce(l.inliers_with_weight / nullif(l.inliers, 0), 1) as drg_weight_coverage
from costed as c, listed as l
