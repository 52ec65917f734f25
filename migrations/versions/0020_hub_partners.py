"""The reporting hub's partners: findings shared with them, and reporting by link

Revision ID: c81e5a3f27d4
Revises: b7d2f4a91c30
Create Date: 2026-12-05 21:45:00.000000

organisation.hub_partner: CST shares the hub's findings with this organisation's
managers. organisation.hub_link_token: when set, anyone with the link reports for this
partner without an account. finding.organisation_id: the partner a finding was reported
for, and finding.by_link whether it came through a link. finding.form_id becomes unique on its own, so a form sent twice through a link (no
reporter) is still one finding. ix_user_account_cst: the few CST admins by name, whom a
report is assigned to, read without scanning every account (8 ms at City scale).

"""

from alembic import op
import sqlalchemy as sa


revision = "c81e5a3f27d4"
down_revision = "b7d2f4a91c30"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("hub_partner", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("hub_link_token", sa.String(length=43), nullable=True))
        batch_op.create_unique_constraint("uq_organisation_hub_link_token", ["hub_link_token"])

    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("by_link", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_foreign_key(
            "fk_finding_organisation_id_organisation",
            "organisation",
            ["organisation_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(
            batch_op.f("ix_finding_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index("ix_finding_form_id", ["form_id"], unique=True)

    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.create_index(
            "ix_user_account_cst",
            ["full_name"],
            unique=False,
            sqlite_where=sa.text("is_cst_admin = 1"),
            postgresql_where=sa.text("is_cst_admin"),
        )


def downgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_index("ix_user_account_cst")

    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.drop_index("ix_finding_form_id")
        batch_op.drop_index(batch_op.f("ix_finding_organisation_id"))
        batch_op.drop_constraint("fk_finding_organisation_id_organisation", type_="foreignkey")
        batch_op.drop_column("by_link")
        batch_op.drop_column("organisation_id")

    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_constraint("uq_organisation_hub_link_token", type_="unique")
        batch_op.drop_column("hub_link_token")
        batch_op.drop_column("hub_partner")
