"""Dashboard figures shared by every worker

Revision ID: 5d2b8e7c41a6
Revises: c4e7a1f09b3d
Create Date: 2026-11-28 05:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import elearn.models.types


revision = '5d2b8e7c41a6'
down_revision = 'c4e7a1f09b3d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'report_figures',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('version', sa.String(length=200), nullable=False),
        sa.Column('worked_out_at', elearn.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('refreshing_until', elearn.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('figures', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_report_figures')),
    )


def downgrade():
    op.drop_table('report_figures')
