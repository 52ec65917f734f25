"""Index memberships by role, so that the current managers are read alone

Revision ID: 8d41c6b2e7f0
Revises: 3c9e2f7a1d55
Create Date: 2026-12-05 11:00:00.000000

CST's tasks page and organisations list look up every organisation's current managers
(to flag organisations with none, and to compare a registration's email domain with
theirs). That read all 105,000 memberships at City scale (7 ms); it now reads the few
hundred managers' entries.
"""
from alembic import op


revision = '8d41c6b2e7f0'
down_revision = '3c9e2f7a1d55'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_membership_role_active',
        'membership',
        ['role', 'left_at', 'organisation_id', 'user_id'],
        unique=False,
    )


def downgrade():
    op.drop_index('ix_membership_role_active', table_name='membership')
