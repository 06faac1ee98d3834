"""The care team's inbox at ``/inbox``: hand-off cases, their transcripts, notes and SMS replies."""
