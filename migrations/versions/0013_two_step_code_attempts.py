"""Count wrong two-step codes per account, and how long its codes wait

Revision ID: 77bad6b2449e
Revises: bdb12b4de449
Create Date: 2026-12-04 18:06:57.847351

"""
from alembic import op
import sqlalchemy as sa

import elearn.models.types


# revision identifiers, used by Alembic.
revision = '77bad6b2449e'
down_revision = 'bdb12b4de449'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_codes', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('codes_blocked_until', elearn.models.types.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('codes_blocked_until')
        batch_op.drop_column('failed_codes')
