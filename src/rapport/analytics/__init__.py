"""Customer analytics: behaviour features, segments, lifetime value, churn risk, interests, cohorts, summaries."""
