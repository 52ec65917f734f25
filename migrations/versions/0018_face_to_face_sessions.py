"""Face-to-face sessions, their facilitators and bookings; certificates say how delivered

Revision ID: a3c7e19f0d42
Revises: 5f1a9c3e7b20
Create Date: 2026-12-05 17:09:07.287545

A TrainingSession is a course delivered on a date in a room or online; a Booking is one
person's place on it (or on its waiting list), with the attendance mark and the
completion the mark recorded. certificate.delivered is what a face-to-face certificate
prints about the session.

"""
from alembic import op
import sqlalchemy as sa

import elearn.models.types


revision = 'a3c7e19f0d42'
down_revision = '5f1a9c3e7b20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('facilitator',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('named_by_id', sa.Integer(), nullable=True),
    sa.Column('named_at', elearn.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['named_by_id'], ['user_account.id'], name=op.f('fk_facilitator_named_by_id_user_account')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_facilitator_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_facilitator_user_id_user_account')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_facilitator'))
    )
    op.create_table('training_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('course_slug', sa.String(length=80), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('starts_at', elearn.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', elearn.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('venue', sa.String(length=200), nullable=True),
    sa.Column('address', sa.String(length=500), nullable=True),
    sa.Column('access_notes', sa.String(length=1000), nullable=True),
    sa.Column('online_url', sa.String(length=500), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('audience', sa.String(length=20), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('sectors', sa.JSON(), nullable=False),
    sa.Column('closes_hours_before', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('cancelled_at', elearn.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancel_reason', sa.String(length=500), nullable=True),
    sa.Column('register_closed_at', elearn.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('register_closed_by_id', sa.Integer(), nullable=True),
    sa.Column('reminded_at', elearn.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', elearn.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', elearn.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_training_session_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_training_session_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['register_closed_by_id'], ['user_account.id'], name=op.f('fk_training_session_register_closed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_session')),
    sa.UniqueConstraint('public_id', name=op.f('uq_training_session_public_id'))
    )
    with op.batch_alter_table('training_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_session_course_slug'), ['course_slug'], unique=False)
        batch_op.create_index('ix_training_session_upcoming', ['status', 'starts_at'], unique=False)

    op.create_table('booking',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('booked_at', elearn.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('waiting_since', elearn.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('booked_by_id', sa.Integer(), nullable=True),
    sa.Column('cancelled_at', elearn.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('walk_in', sa.Boolean(), nullable=False),
    sa.Column('attendance', sa.String(length=20), nullable=True),
    sa.Column('marked_at', elearn.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('marked_by_id', sa.Integer(), nullable=True),
    sa.Column('completion_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['booked_by_id'], ['user_account.id'], name=op.f('fk_booking_booked_by_id_user_account')),
    sa.ForeignKeyConstraint(['completion_id'], ['completion.id'], name=op.f('fk_booking_completion_id_completion')),
    sa.ForeignKeyConstraint(['marked_by_id'], ['user_account.id'], name=op.f('fk_booking_marked_by_id_user_account')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_booking_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['session_id'], ['training_session.id'], name=op.f('fk_booking_session_id_training_session')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_booking_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking')),
    sa.UniqueConstraint('session_id', 'user_id', name=op.f('uq_booking_session_id_user_id'))
    )
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index('ix_booking_session_status', ['session_id', 'status', 'waiting_since'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_user_id'), ['user_id'], unique=False)

    op.create_table('session_facilitator',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['training_session.id'], name=op.f('fk_session_facilitator_session_id_training_session'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_session_facilitator_user_id_user_account')),
    sa.PrimaryKeyConstraint('session_id', 'user_id', name=op.f('pk_session_facilitator'))
    )
    with op.batch_alter_table('session_facilitator', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_facilitator_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delivered', sa.String(length=500), nullable=True))
        # A withdrawn completion leaves its certificate revoked, with no completion.
        batch_op.alter_column('completion_id', existing_type=sa.Integer(), nullable=True)
        batch_op.drop_constraint('fk_certificate_completion_id_completion', type_='foreignkey')
        batch_op.create_foreign_key(
            'fk_certificate_completion_id_completion', 'completion', ['completion_id'], ['id'],
            ondelete='SET NULL',
        )
    # SQLite rebuilt the table and its indexes; with no statistics it picks the index
    # made last between equals, and the partial index of current certificates must win
    # for an organisation's count (tests/test_query_counts.py): made again, last.
    op.drop_index('ix_certificate_current', table_name='certificate')
    op.create_index(
        'ix_certificate_current', 'certificate', ['user_id'],
        sqlite_where=sa.text('replaced_by_id IS NULL AND revoked_at IS NULL'),
        postgresql_where=sa.text('replaced_by_id IS NULL AND revoked_at IS NULL'),
    )


def downgrade():
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_constraint('fk_certificate_completion_id_completion', type_='foreignkey')
        batch_op.create_foreign_key(
            'fk_certificate_completion_id_completion', 'completion', ['completion_id'], ['id']
        )
        batch_op.alter_column('completion_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('delivered')

    with op.batch_alter_table('session_facilitator', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_facilitator_user_id'))

    op.drop_table('session_facilitator')
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_user_id'))
        batch_op.drop_index('ix_booking_session_status')
        batch_op.drop_index(batch_op.f('ix_booking_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_booking_email'))

    op.drop_table('booking')
    with op.batch_alter_table('training_session', schema=None) as batch_op:
        batch_op.drop_index('ix_training_session_upcoming')
        batch_op.drop_index(batch_op.f('ix_training_session_course_slug'))

    op.drop_table('training_session')
    op.drop_table('facilitator')
