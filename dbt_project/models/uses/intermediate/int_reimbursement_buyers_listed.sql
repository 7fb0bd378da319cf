-- One row per published partition × hospital × buyer region that is invoiced
-- (spec §7.3): a buyer contact in the partition's cost list, or a positive
-- base_points (a buyer that stopped buying still pays its subscription).
--   points_y: Σ DRG points of the buyer's `drg` contacts at the hospital.
--   base_points: mean of those points over the (at most) two latest published
--     full years before Y (a year without them counts 0); with no such year, points_y.
with contacts as (
    select * from {{ ref('int_uses_contacts_classified') }} where is_buyer_contact
),

periods as (
    select * from {{ ref('stg_published__periods') }}
),

base_years as (
    select p.partition_key, b.partition_key as base_partition_key
    from periods as p
    inner join periods as b on not b.is_preliminary and b.year < p.year
    qualify row_number() over (partition by p.partition_key order by b.year desc) <= 2
),

n_base_years as (
    select partition_key, count(*) as n_base_years from base_years group by partition_key
),

drg_points as (
    select partition_key, hospital, buyer_region, sum(drg_points) as drg_points
    from contacts
    where invoice_class = 'drg'
    group by partition_key, hospital, buyer_region
),

base as (
    select b.partition_key, d.hospital, d.buyer_region, sum(d.drg_points) as base_points_sum
    from base_years as b
    inner join drg_points as d on d.partition_key = b.base_partition_key
    group by b.partition_key, d.hospital, d.buyer_region
),

candidates as (
    select distinct partition_key, hospital, buyer_region, true as has_contacts from contacts
    union all
    -- earlier buyers at a hospital of this partition that does not belong to their region
    select b.partition_key, b.hospital, b.buyer_region, false
    from base as b
    inner join {{ ref('stg_published__hospitals') }} as h
        on h.partition_key = b.partition_key and h.hospital = b.hospital and h.region <> b.buyer_region
    where not exists (
        select 1 from contacts as c
        where c.partition_key = b.partition_key and c.hospital = b.hospital and c.buyer_region = b.buyer_region
    )
),

listed as (
    select
        c.partition_key,
        p.year,
        p.is_preliminary,
        p.period_order,
        c.hospital,
        c.buyer_region,
        c.has_contacts,
        coalesce(d.drg_points, 0) as points_y,
        case
            when n.n_base_years is null then coalesce(d.drg_points, 0)
            else coalesce(b.base_points_sum, 0) / n.n_base_years
        end as base_points
    from candidates as c
    inner join periods as p using (partition_key)
    left join drg_points as d using (partition_key, hospital, buyer_region)
    left join base as b using (partition_key, hospital, buyer_region)
    left join n_base_years as n using (partition_key)
)

select * from listed
where has_contacts or base_points > 0
