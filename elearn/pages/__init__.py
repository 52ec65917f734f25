"""Pages that belong to no domain: the start page, privacy and accessibility."""
