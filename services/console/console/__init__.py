"""The staff web console and the public service map."""
