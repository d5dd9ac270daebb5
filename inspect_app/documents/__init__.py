"""Enforcement documents (执法文书): generated from a submitted inspection, issued with a number."""
