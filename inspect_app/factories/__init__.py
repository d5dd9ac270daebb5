"""Factories (the plants we inspect), their regions and monthly KPIs."""
