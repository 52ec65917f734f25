"""Index completions by course and person, and by person and date

Revision ID: 1fb21a6e4da1
Revises: 77bad6b2449e
Create Date: 2026-12-05 08:00:00.000000

The dashboard counts the people trained in a period per course and in all; read from
these indexes in order, SQLite counts each person once without sorting. The index by
person and date replaces the one by person alone.
"""
from alembic import op


revision = '1fb21a6e4da1'
down_revision = '77bad6b2449e'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('completion', schema=None) as batch_op:
        batch_op.create_index(
            'ix_completion_course_learner', ['course_slug', 'user_id', 'completed_at'], unique=False
        )
        batch_op.create_index('ix_completion_learner', ['user_id', 'completed_at'], unique=False)
        batch_op.drop_index('ix_completion_user_id')


def downgrade():
    with op.batch_alter_table('completion', schema=None) as batch_op:
        batch_op.create_index('ix_completion_user_id', ['user_id'], unique=False)
        batch_op.drop_index('ix_completion_learner')
        batch_op.drop_index('ix_completion_course_learner')
