"""Staff accounts: users, teams, sessions and API tokens."""
