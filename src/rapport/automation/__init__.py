"""Business process automation: ticket triage, assignment and SLA escalation, workflow rules, follow-up tasks."""
