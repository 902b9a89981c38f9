"""Circuit-breaker models (kind BREAKER): run every few minutes over new records only."""
