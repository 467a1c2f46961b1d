"""Tasks people owe each other and customers (called activities, as in Odoo, so `tasks.py` stays free for jobs)."""
