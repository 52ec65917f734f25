"""Certificate archives prepared in the background

Revision ID: bdb12b4de449
Revises: 5d2b8e7c41a6
Create Date: 2026-11-28 18:09:28.232139

"""
from alembic import op
import sqlalchemy as sa

import elearn.models.types


revision = 'bdb12b4de449'
down_revision = '5d2b8e7c41a6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('certificate_archive',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', elearn.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('certificates', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('working_until', elearn.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', elearn.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('size', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_certificate_archive_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], name=op.f('fk_certificate_archive_requested_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_archive'))
    )
    with op.batch_alter_table('certificate_archive', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_archive_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('certificate_archive_chunk',
    sa.Column('archive_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['archive_id'], ['certificate_archive.id'], name=op.f('fk_certificate_archive_chunk_archive_id_certificate_archive'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('archive_id', 'number', name=op.f('pk_certificate_archive_chunk'))
    )



def downgrade():
    op.drop_table('certificate_archive_chunk')
    with op.batch_alter_table('certificate_archive', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_archive_organisation_id'))

    op.drop_table('certificate_archive')
