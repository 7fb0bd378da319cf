-- The repository's ILLUSTRATIVE price index (seeds/price_index.csv, not SKR's).
select year, index as price_index, source
from {{ ref('price_index') }}
