-- Omatchat: one row per unmatched in-period service event or specific cost.
-- in_reconciliation says whether the amount is a term of the central identity
-- (unmatched events are; an unmatched specific cost is reported at its registered
-- amount, while its cost is in the parked residual).
select
    partition_key,
    source,
    item_id as id,
    cost_center,
    cost as amount,
    unmatched_reason as reason,
    code,
    quantity,
    event_ts,
    is_in_reconciliation as in_reconciliation
from {{ ref_period('int_cost_items_costed') }}
where matched_contact_id is null
