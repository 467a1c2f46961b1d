"""Everything a customer said or was told: emails, chats, call notes, reviews, notes."""
