"""RevMan 5 review files (.rm5): reading them, and checking the store's pooling against RevMan's stored results."""
