"""ETL for the Helhedsblik warehouse: read, validate and load extracts; build the bundled default."""
