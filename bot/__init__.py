"""The TOH patient-education assistant: content store, red-flag safety layer, channels."""
