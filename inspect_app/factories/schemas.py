"""The factory register's contract: sectors, limits, and the write and read shapes."""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l
from pydantic import Field, field_validator

from ..schemas import Id, Reply, Schema, UtcTime, Version, patch_of, text
from . import uscc


class RegionLevel(StrEnum):
    PROVINCE = "province"
    CITY = "city"
    DISTRICT = "district"


class Sector(StrEnum):
    RUBBER_PLASTICS = "rubber_plastics"
    GARMENTS = "garments"
    TEXTILES = "textiles"
    MACHINERY = "machinery"
    METAL_PRODUCTS = "metal_products"
    ELECTRONICS = "electronics"
    FOOD = "food"
    FURNITURE_WOOD = "furniture_wood"
    CHEMICALS = "chemicals"
    BUILDING_MATERIALS = "building_materials"
    AUTO_PARTS = "auto_parts"
    OTHER = "other"
    # For the national major-hazard criteria, whose parts are per industry (checklists name
    # sectors in `applies_to`).
    METALLURGY = "metallurgy"
    NONFERROUS_METALS = "nonferrous_metals"

    @property
    def label(self) -> str:
        return str(SECTOR_LABELS[self])


SECTOR_LABELS = {
    Sector.RUBBER_PLASTICS: _l("Rubber and plastics"),
    Sector.GARMENTS: _l("Garments"),
    Sector.TEXTILES: _l("Textiles"),
    Sector.MACHINERY: _l("Machinery"),
    Sector.METAL_PRODUCTS: _l("Metal products"),
    Sector.ELECTRONICS: _l("Electronics"),
    Sector.FOOD: _l("Food processing"),
    Sector.FURNITURE_WOOD: _l("Furniture and wood"),
    Sector.CHEMICALS: _l("Chemicals"),
    Sector.BUILDING_MATERIALS: _l("Building materials"),
    Sector.AUTO_PARTS: _l("Auto parts"),
    Sector.OTHER: _l("Other"),
    Sector.METALLURGY: _l("Metallurgy (iron and steel)"),
    Sector.NONFERROUS_METALS: _l("Non-ferrous metals"),
}

# Limits: read by the schemas below, the columns (models.py) and the form (forms.py).
NAME_MAX = 200
#: What a person may type for the credit code (spaces and dashes from paper licences are
#: removed, then exactly 18 characters are checked); the column holds the 18.
USCC_INPUT_MAX = 40
USCC_LENGTH = 18
ADDRESS_MAX = 300
SCORE_BATCH_MAX = 60
SCORE_MODULES_MAX = 40
HEADCOUNT_MAX = 1_000_000


class FactoryCreate(Schema):
    """A factory for the register."""

    name_zh: text(NAME_MAX, required=True, description="the registered Chinese name")
    name_en: text(NAME_MAX) = ""
    uscc: text(
        USCC_INPUT_MAX,
        required=True,
        description="unified social credit code: 18 characters with a check character",
    )
    region_id: Id = Field(description="a district the user covers (GET /regions)")
    sector: Sector
    address: text(ADDRESS_MAX) = ""
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    headcount_women: int = Field(0, ge=0, le=HEADCOUNT_MAX)
    headcount_men: int = Field(0, ge=0, le=HEADCOUNT_MAX)
    score_batch: text(SCORE_BATCH_MAX, description="SCORE training batch") = ""
    score_modules: text(SCORE_MODULES_MAX, description="SCORE modules done, e.g. 1,2,5") = ""

    @field_validator("uscc")
    @classmethod
    def _check_uscc(cls, value: str) -> str:
        code = uscc.normalize(value)
        if message := uscc.problem(code):
            raise ValueError(message)
        return code


FactoryPatch = patch_of(
    FactoryCreate,
    "FactoryPatch",
    "Changes to a factory: only the fields sent change.",
    version=(Version, ...),
)


class RegionOut(Reply):
    id: int
    code: str
    name_zh: str = Field(validation_alias="full_name_zh")
    name_en: str = Field(validation_alias="full_name_en")


class FactoryOut(Reply):
    """A factory as the API shows it."""

    id: int
    name_zh: str
    name_en: str
    uscc: str
    region: RegionOut
    region_id: int
    sector: Sector
    address: str
    latitude: float | None
    longitude: float | None
    headcount_women: int
    headcount_men: int
    score_batch: str
    score_modules: str
    version: int
    updated_at: UtcTime
