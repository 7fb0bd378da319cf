"""The KPP library: the method around the dbt models, without Dagster (README, Project layout)."""
