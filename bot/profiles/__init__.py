"""Profile papers in: paper files (JSONL, CSV, BibTeX, RIS) and API records as `Paper`s."""
