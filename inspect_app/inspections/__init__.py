"""Inspections: answers to a pinned checklist version, findings, scoring, submission, report."""
