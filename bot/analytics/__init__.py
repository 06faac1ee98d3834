"""What the clinic learns from conversations: a row per turn, and "Was this helpful?" votes."""
