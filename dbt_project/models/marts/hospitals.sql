-- One row per hospital of the period (spec §7.1): from hospitals.csv when the
-- delivery has it (the loader has checked that it names every contact's
-- hospital); without it, every hospital of the cost list with type `unknown`
-- and no region here (the uses models take the data root's configured region,
-- docs/uses.md).
with delivered as (
    select hospital, region, hospital_type, true as is_delivered
    from {{ ref('stg_landing__hospitals') }}
),

seen as (
    select distinct hospital, cast(null as varchar) as region, 'unknown' as hospital_type, false as is_delivered
    from {{ ref_period('int_contacts_costed') }}
    where hospital is not null and not exists (select 1 from delivered)
)

select {{ partition_key() }} as partition_key, *
from (select * from delivered union all select * from seen)
