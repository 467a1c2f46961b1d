"""Server-rendered pages for staff."""
