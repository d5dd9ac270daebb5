"""Checklist engine: YAML checklists → validated, frozen objects, answer kinds and scoring."""
