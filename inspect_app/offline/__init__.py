"""Working without network: the installable app's manifest, what a device keeps for coming
visits (the offline kit), the "Available offline" page, and importing unsent work exported
from a device."""
