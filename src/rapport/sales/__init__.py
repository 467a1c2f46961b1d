"""What customers buy and what sales pursues: products, orders, pipelines and deals."""
