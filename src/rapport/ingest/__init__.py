"""Customer data integration: import files (CSV, Excel, JSON), clean and validate rows, quarantine the bad ones,
find and merge duplicate customers, and export any entity."""
