"""Valid inputs the tiers share."""

from __future__ import annotations

# A valid entry of each profile section.
SPACE_SAMPLES = {
    "allergies": {"substance": "Arachide", "category": "food", "criticality": "high"},
    "treatments": {"medication": "Levothyrox", "dosage": "75 µg/j", "start_date": "2024-01-10"},
    "conditions": {"name": "Hypothyroïdie", "clinical_status": "active"},
    "vaccinations": {"vaccine": "Grippe", "date": "2025-10-20"},
    "measurements": {
        "kind": "blood-pressure",
        "value": 128,
        "diastolic": 82,
        "unit": "mmHg",
        "measured_at": "2026-11-01T08:30:00+01:00",
    },
    "advance-directives": {
        "title": "Directives",
        "content": "Pas d'acharnement.",
        "date": "2025-05-05",
    },
    "contacts": {"kind": "trusted-person", "name": "Paul Martin", "phone": "0601020304"},
}
