"""Home page by role, language switch and the health check."""
