-- One row per period: the cost list against the costed contacts (every costed
-- contact listed once), and the share of inliers whose DRG has a national weight
-- (the others leave cost per DRG point). Read by the results gate.
with costed as (
    select count(*) as contacts
    from {{ ref_period('int_contacts_costed') }}
),

listed as (
    select
        count(*) as contacts,
        count(*) filter (where is_inlier) as inliers,
        count(*) filter (where is_inlier and drg_points is not null) as inliers_with_weight
    from {{ ref_period('cost_list') }}
)

select
    {{ partition_key() }} as partition_key,
    c.contacts as contacts_costed,
    l.contacts as contacts_listed,
    l.inliers,
    coalesce(l.inliers_with_weight / nullif(l.inliers, 0), 1) as drg_weight_coverage
from costed as c, listed as l
