"""Ask Rapport: questions in plain language answered from the CRM's own data through a semantic layer and plans."""
