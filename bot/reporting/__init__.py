"""The clinic report: what patients asked, what was answered, escalated or missed."""
