"""Seeded, reproducible content for the demo company: people, products, customer texts and knowledge-base articles."""
