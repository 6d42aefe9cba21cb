"""webhooks models (tenant schema)."""
