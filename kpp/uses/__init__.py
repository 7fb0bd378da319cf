"""The uses of KPP across periods (spec §7): productivity and reimbursement between regions."""
