"""The FAQ topic ids (a contract: clinics, checks and the export rely on them)."""
from __future__ import annotations

FAQ_TOPICS: tuple[str, ...] = (
    "what_is", "pain_location", "duration", "surgery", "driving", "work", "weight_bearing",
    "cost", "recurrence", "diagnosis", "imaging", "vs_osteoarthritis", "vs_osteonecrosis",
    "permanent_damage", "causes", "pregnancy", "treatment", "medications", "physical_therapy",
    "fracture_risk", "follow_up", "warning_signs", "walking_aids", "preventing_falls",
    "preventing_clots", "exercise", "diet_and_supplements", "mri_safety", "sleep_and_night_pain",
    "pain_relief", "children", "bone_density",
)
TIERS: tuple[str, ...] = ("emergency", "crisis", "urgent")
CONVERSATION_RESPONSES: dict[str, str] = {
    "greet": "utter_greeting",
    "goodbye": "utter_goodbye",
    "thank": "utter_thanks",
    "bot_challenge": "utter_bot_challenge",
    "request_human": "action_hand_off",
    "help": "utter_help",
    "out_of_scope": "utter_out_of_scope",
    "none_of_these": "utter_not_understood",
}
