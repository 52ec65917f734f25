"""Covering indexes for the coverage reports

Revision ID: 5e1c0a7d2b94
Revises: 3173b19deb8d
Create Date: 2026-11-23 19:50:00.000000

Coverage looks up every active member who must take a course (131,000 rows at City
scale) and their standing in it; with these indexes both lookups are answered from the
index without reading the table (docs/performance.md).
"""
from alembic import op


revision = '5e1c0a7d2b94'
down_revision = '3173b19deb8d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_index('ix_membership_organisation_active')
        batch_op.create_index(
            'ix_membership_organisation_active',
            ['organisation_id', 'left_at', 'team', 'user_id'],
            unique=False,
        )
    with op.batch_alter_table('course_standing', schema=None) as batch_op:
        batch_op.create_index(
            'ix_course_standing_validity', ['user_id', 'course_slug', 'expires_at'], unique=False
        )


def downgrade():
    with op.batch_alter_table('course_standing', schema=None) as batch_op:
        batch_op.drop_index('ix_course_standing_validity')
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_index('ix_membership_organisation_active')
        batch_op.create_index(
            'ix_membership_organisation_active', ['organisation_id', 'left_at', 'team'], unique=False
        )
