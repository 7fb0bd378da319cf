-- One row per partition × hospital; without a hospitals file the data root's
-- configured region (var own_region, agreement.yml) owns the hospital.
select
    partition_key,
    hospital,
    coalesce(nullif(trim(region), ''), nullif(trim('{{ var("own_region") }}'), '')) as region,
    hospital_type
from {{ published_table('hospitals') }}
