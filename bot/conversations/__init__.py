"""Conversations for operators: export them, forget one person, purge old ones.

``service`` holds the rules (who a sender is in each table, what is exported, what retention
erases); ``repository`` reads and deletes rows: Rasa's tracker ``events`` table (SQLAlchemy Core,
no Rasa import) and our own tables that name a person.
"""
