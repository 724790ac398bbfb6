"""Countries (ISO 3166-1, names from CLDR) and time zones (IANA)."""
