"""The partnership's reporting hub: findings, their photos and their triage steps

Revision ID: b7d2f4a91c30
Revises: a3c7e19f0d42
Create Date: 2026-12-05 18:40:07.074176

A Finding is what a partner saw in the street and reported to CST; FindingPhoto holds
its photos re-encoded (bytes in the database, with a thumbnail); FindingEvent is each
step CST took. (reporter_id, form_id) is unique so a form sent twice is one finding.

"""
from alembic import op
import sqlalchemy as sa

import elearn.models.types


revision = 'b7d2f4a91c30'
down_revision = 'a3c7e19f0d42'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('finding',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('form_id', sa.String(length=32), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('strand', sa.String(length=30), nullable=False),
    sa.Column('description', sa.String(length=2000), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=False),
    sa.Column('postcode', sa.String(length=10), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('seen_at', elearn.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('reported_at', elearn.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('assigned_to_id', sa.Integer(), nullable=True),
    sa.Column('police_reference', sa.String(length=50), nullable=True),
    sa.Column('removal_due_at', elearn.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('removed_at', elearn.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', elearn.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('close_reason', sa.String(length=500), nullable=True),
    sa.Column('duplicate_of_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', elearn.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assigned_to_id'], ['user_account.id'], name=op.f('fk_finding_assigned_to_id_user_account')),
    sa.ForeignKeyConstraint(['duplicate_of_id'], ['finding.id'], name=op.f('fk_finding_duplicate_of_id_finding')),
    sa.ForeignKeyConstraint(['reporter_id'], ['user_account.id'], name=op.f('fk_finding_reporter_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_finding')),
    sa.UniqueConstraint('public_id', name=op.f('uq_finding_public_id')),
    sa.UniqueConstraint('reporter_id', 'form_id', name=op.f('uq_finding_reporter_id_form_id'))
    )
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.create_index('ix_finding_postcode_seen', ['postcode', 'seen_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_finding_reporter_id'), ['reporter_id'], unique=False)
        batch_op.create_index('ix_finding_status_reported', ['status', 'reported_at'], unique=False)

    op.create_table('finding_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('finding_id', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=20), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('assigned_to_id', sa.Integer(), nullable=True),
    sa.Column('reference', sa.String(length=50), nullable=True),
    sa.Column('other_finding_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('created_at', elearn.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_finding_event_actor_id_user_account')),
    sa.ForeignKeyConstraint(['assigned_to_id'], ['user_account.id'], name=op.f('fk_finding_event_assigned_to_id_user_account')),
    sa.ForeignKeyConstraint(['finding_id'], ['finding.id'], name=op.f('fk_finding_event_finding_id_finding'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['other_finding_id'], ['finding.id'], name=op.f('fk_finding_event_other_finding_id_finding')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_finding_event'))
    )
    with op.batch_alter_table('finding_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_finding_event_finding_id'), ['finding_id'], unique=False)

    op.create_table('finding_photo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('finding_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('thumbnail', sa.LargeBinary(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('taken_at', elearn.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', elearn.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['finding_id'], ['finding.id'], name=op.f('fk_finding_photo_finding_id_finding'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_finding_photo')),
    sa.UniqueConstraint('finding_id', 'position', name=op.f('uq_finding_photo_finding_id_position')),
    sa.UniqueConstraint('public_id', name=op.f('uq_finding_photo_public_id'))
    )


def downgrade():
    op.drop_table('finding_photo')
    with op.batch_alter_table('finding_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_finding_event_finding_id'))

    op.drop_table('finding_event')
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.drop_index('ix_finding_status_reported')
        batch_op.drop_index(batch_op.f('ix_finding_reporter_id'))
        batch_op.drop_index('ix_finding_postcode_seen')

    op.drop_table('finding')
