"""Read models for the pages: what each page shows, gathered from the domain services (and tables where a
domain has no service yet)."""
