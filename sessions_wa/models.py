"""sessions_wa models (tenant schema)."""
