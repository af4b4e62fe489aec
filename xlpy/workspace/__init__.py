"""The supervisor's workspace: agencies, kept submissions, roles, decisions, roll-up and indicators on a database."""
