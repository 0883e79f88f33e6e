"""Reports for every decision level."""
