-- One row per hospital × clinic × care type (kostnad per DRG-poäng).
select hospital, clinic, care_type, n_contacts, inlier_cost, drg_points, cost_per_point
from marts.cost_per_drg_point
where partition_key = $partition_key
order by hospital, clinic, care_type
