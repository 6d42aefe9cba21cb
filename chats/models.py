"""chats models (tenant schema)."""
