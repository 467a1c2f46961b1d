"""Who may see and do what, and the record of what they did."""
