"""clientsync."""
