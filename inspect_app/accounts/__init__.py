"""Users, roles, sign-in, server-side sessions and API tokens."""
