"""Hazard areas: the fixed registry that checklist items are tagged with."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Area:
    """A hazard area with its bilingual label."""

    id: str
    zh: str
    en: str

    def label(self, lang: str) -> str:
        """Return the label in `lang` (any `zh*` locale → Chinese), falling back to English."""
        return self.zh if lang.lower().startswith("zh") else self.en


def _areas(*areas: Area) -> dict[str, Area]:
    return {area.id: area for area in areas}


# Order is the display order (charts, reports). Ids are stored with answers and charted across
# checklist versions, so never rename one; add new areas at the end.
AREAS: dict[str, Area] = _areas(
    Area("materials_handling", "物料存放与搬运", "Materials storage and handling"),
    Area("machine_safety", "机器安全", "Machine safety"),
    Area("workstation", "工位设计与手工具", "Workstation design and hand tools"),
    Area("lighting", "照明", "Lighting"),
    Area("physical_environment", "噪声、通风与高温", "Noise, ventilation and heat"),
    Area("chemicals", "危险化学品", "Hazardous chemicals"),
    Area("electrical", "电气安全", "Electrical safety"),
    Area("fire_emergency", "消防与应急准备", "Fire safety and emergency preparedness"),
    Area("welfare", "福利设施", "Welfare facilities"),
    Area("ppe", "个体防护装备", "Personal protective equipment"),
    Area("management", "劳动组织与安全管理", "Work organisation and safety management"),
    Area("special_equipment", "特种设备", "Special equipment"),
)


def get_area(area_id: str) -> Area:
    """Return the area with this id; raise KeyError for an unknown id."""
    return AREAS[area_id]
