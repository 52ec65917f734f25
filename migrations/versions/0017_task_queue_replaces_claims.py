"""Drop the claims the background threads kept: the task queue does their work

Revision ID: 5f1a9c3e7b20
Revises: 8d41c6b2e7f0
Create Date: 2026-12-05 14:00:00.000000

certificate_archive.working_until was a worker's claim on preparing a zip, renewed with
every batch so that a stopped worker's lapsed; report_figures.refreshing_until was a
worker's claim on renewing a view's figures. Both are now tasks on Huey (elearn/tasks.py):
a Huey lock stands for each, and a consumer that starts takes up unfinished zips.
"""
from alembic import op
import sqlalchemy as sa

from elearn.models.types import UTCDateTime


revision = '5f1a9c3e7b20'
down_revision = '8d41c6b2e7f0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certificate_archive') as batch_op:
        batch_op.drop_column('working_until')
    with op.batch_alter_table('report_figures') as batch_op:
        batch_op.drop_column('refreshing_until')


def downgrade():
    with op.batch_alter_table('report_figures') as batch_op:
        batch_op.add_column(sa.Column('refreshing_until', UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('certificate_archive') as batch_op:
        batch_op.add_column(sa.Column('working_until', UTCDateTime(timezone=True), nullable=True))
