"""The customer-service assistant: knowledge-base index, conversations, grounded answers, customer tools, handoff."""
