"""Remember the last two-step code accepted, so that none is accepted twice

Revision ID: 9b3f6d2e8a11
Revises: 5e1c0a7d2b94
Create Date: 2026-11-23 20:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = '9b3f6d2e8a11'
down_revision = '5e1c0a7d2b94'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('totp_last_step')
