"""Reports, scheduled and on demand: KPI tables, charts, a checked narrative, HTML and PDF, delivery."""
