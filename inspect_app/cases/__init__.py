"""The trainers' case library: anonymised before/after improvements for workshops."""
