"""Routing: the route index of a stage's resources and the normal spelling of a path."""
