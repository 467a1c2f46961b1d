"""Support tickets: what a customer needs done, who does it, by when."""
