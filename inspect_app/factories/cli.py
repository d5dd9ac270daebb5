"""CLI: `regions load`."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from ..extensions import db
from .models import Region, RegionLevel
from .regions_data import REGIONS

regions_cli = AppGroup("regions", help="Administrative regions.")


def load_regions() -> int:
    """Add or rename the shipped regions; return how many were added."""
    existing = {r.code: r for r in db.session.scalars(sa.select(Region))}
    added = 0
    for code, name_zh, name_en, parent_code in REGIONS:
        parent = existing.get(parent_code) if parent_code else None
        level = (
            RegionLevel.PROVINCE
            if parent is None
            else RegionLevel.CITY
            if parent.level is RegionLevel.PROVINCE
            else RegionLevel.DISTRICT
        )
        path = (parent.path if parent else "/") + code + "/"
        full_zh = (parent.full_name_zh if parent else "") + name_zh
        full_en = f"{name_en}, {parent.full_name_en}" if parent else name_en
        region = existing.get(code)
        if region is None:
            region = Region(code=code)
            db.session.add(region)
            existing[code] = region
            added += 1
        region.name_zh, region.name_en, region.level = name_zh, name_en, level
        region.parent = parent
        region.path, region.full_name_zh, region.full_name_en = path, full_zh, full_en
        db.session.flush()
    return added


@regions_cli.command("load")
def load_command() -> None:
    """Load the shipped list of provinces, cities and districts (idempotent)."""
    added = load_regions()
    db.session.commit()
    click.echo(f"{added} regions added, {len(REGIONS)} known.")
