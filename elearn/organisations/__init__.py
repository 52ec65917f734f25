"""Organisations and their people: registration, invitations, join codes, required training."""
