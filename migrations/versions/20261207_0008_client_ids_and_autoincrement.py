"""Ids made on devices for every record a device creates; integer keys never reused on SQLite

A sync that never misroutes (issue 12). Inspections, actions (and suggestions) and KPI months
get a `client_id` (a UUID made on the device, or on the server when none was sent), and
findings, which had an optional one, always have one now: existing rows get a fresh UUID.
Each is unique within its scope (the user who started an inspection, the inspection of a
finding, the factory of an action or a KPI month), so a key sent in another scope is simply
unknown there. A draft discarded on purpose leaves a row in `discarded_records` (ids only), so
a device's queued change for it is refused as discarded (410). On SQLite every table with an
integer key is rebuilt with AUTOINCREMENT: a discarded draft's id used to go to the next
inspection, and queued answers for it landed in another factory's inspection.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""
import uuid

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

#: table → the columns its client_id is unique with
CLIENT_IDS = {
    'inspections': ('created_by_id', 'uq_inspections_creator_client'),
    'findings': ('inspection_id', 'uq_findings_inspection_client'),
    'actions': ('factory_id', 'uq_actions_factory_client'),
    'kpi_records': ('factory_id', 'uq_kpi_records_factory_client'),
}


def _fill_client_ids(table: str) -> None:
    bind = op.get_bind()
    ids = bind.execute(sa.text(f'SELECT id FROM {table} WHERE client_id IS NULL')).scalars().all()
    for start in range(0, len(ids), 5000):
        bind.execute(
            sa.text(f'UPDATE {table} SET client_id = :client_id WHERE id = :id'),
            [{'id': i, 'client_id': str(uuid.uuid4())} for i in ids[start : start + 5000]],
        )


def _integer_key_tables() -> list[str]:
    inspector = sa.inspect(op.get_bind())
    tables = []
    for name in inspector.get_table_names():
        if name == 'alembic_version' or name.startswith('sqlite_'):
            continue
        key = inspector.get_pk_constraint(name)['constrained_columns']
        columns = {c['name']: c for c in inspector.get_columns(name)}
        if len(key) == 1 and isinstance(columns[key[0]]['type'], sa.Integer):
            tables.append(name)
    return sorted(tables)


def upgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    for table in ('inspections', 'actions', 'kpi_records'):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column('client_id', sa.String(64), nullable=True))
    for table in CLIENT_IDS:
        _fill_client_ids(table)
    op.create_table(
        'discarded_records',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('record_id', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.String(length=64), nullable=True),
        sa.Column('factory_id', sa.Integer(), nullable=False),
        sa.Column('discarded_by_id', sa.Integer(), nullable=True),
        sa.Column('discarded_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['factory_id'], ['factories.id'], name='fk_discarded_records_factory_id_factories'
        ),
        sa.ForeignKeyConstraint(
            ['discarded_by_id'], ['users.id'], name='fk_discarded_records_discarded_by_id_users'
        ),
        sa.PrimaryKeyConstraint('id', name='pk_discarded_records'),
        sa.UniqueConstraint('kind', 'record_id', name='uq_discarded_records_kind_record'),
        sqlite_autoincrement=True,
    )
    op.create_index(
        'ix_discarded_records_factory_id', 'discarded_records', ['factory_id'], unique=False
    )
    op.create_index(
        'ix_discarded_records_kind_client', 'discarded_records', ['kind', 'client_id'], unique=False
    )
    for table, (scope, name) in CLIENT_IDS.items():
        with op.batch_alter_table(table) as batch_op:
            if table == 'findings':
                batch_op.drop_constraint('uq_findings_client_id', type_='unique')
            batch_op.alter_column('client_id', existing_type=sa.String(64), nullable=False)
            batch_op.create_unique_constraint(name, [scope, 'client_id'])
    if sqlite:
        # Rebuild every table with an integer key with AUTOINCREMENT (SQLite sets it only when
        # a table is created). env.py turns foreign keys off around SQLite migrations, so the
        # rebuild neither cascades nor trips over the rows pointing at a table.
        for table in _integer_key_tables():
            with op.batch_alter_table(
                table, recreate='always', table_kwargs={'sqlite_autoincrement': True}
            ):
                pass


def downgrade():
    op.drop_index('ix_discarded_records_kind_client', table_name='discarded_records')
    op.drop_index('ix_discarded_records_factory_id', table_name='discarded_records')
    op.drop_table('discarded_records')
    for table, (_scope, name) in CLIENT_IDS.items():
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(name, type_='unique')
            if table == 'findings':
                batch_op.alter_column('client_id', existing_type=sa.String(64), nullable=True)
                batch_op.create_unique_constraint('uq_findings_client_id', ['client_id'])
            else:
                batch_op.drop_column('client_id')
    # The SQLite tables keep AUTOINCREMENT: it only stops ids being reused.
