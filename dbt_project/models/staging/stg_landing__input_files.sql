select
    partition_key,
    table_name,
    file_name,
    sha256,
    file_format,
    separator,
    decimal_mark,
    encoding,
    rows_read,
    loaded_at
from {{ source('landing', 'input_files') }}
where partition_key = {{ partition_key() }}
