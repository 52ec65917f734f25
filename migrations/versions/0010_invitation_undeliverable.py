"""Invitations the mail server refused for good

Revision ID: c4e7a1f09b3d
Revises: 9b3f6d2e8a11
Create Date: 2026-11-28 02:20:00.000000

"""
from alembic import op
import sqlalchemy as sa

import elearn.models.types


revision = 'c4e7a1f09b3d'
down_revision = '9b3f6d2e8a11'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('undeliverable_at', elearn.models.types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade():
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_column('undeliverable_at')
