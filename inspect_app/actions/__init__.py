"""Improvement actions (整改/改进措施): lifecycle, before/after evidence, the committee's board."""
