"""Customers (people) and the companies they belong to."""
