-- One row per DRG × care type (retrospektiva DRG-vikter).
select drg, care_type, n_contacts, n_inliers, mean_inlier_cost, retro_weight
from marts.drg_weights
where partition_key = $partition_key
order by drg, care_type
