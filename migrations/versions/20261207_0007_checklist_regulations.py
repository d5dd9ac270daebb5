"""Findings cite their legal basis; checklist versions list their own hazard areas

Checklists that carry real regulations (issue 14): a finding raised on a checklist item keeps
the item's legal reference (findings.reference, editable), and a checklist version records the
hazard areas it declares beside the shipped registry (checklist_versions.areas) so that charts,
the ledger and action lists can name them. Versions stored before could not declare areas, so
an empty list is right for them.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reference', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('checklist_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('areas', sa.JSON(), nullable=False, server_default='[]'))


def downgrade():
    with op.batch_alter_table('checklist_versions', schema=None) as batch_op:
        batch_op.drop_column('areas')
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.drop_column('reference')
