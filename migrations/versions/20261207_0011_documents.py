"""Enforcement documents, issuing authorities, number sequences, certificate numbers

Issue 15 (first slice): documents generated from a submitted inspection (on-site record,
rectification order), editable as drafts, issued with a number from a per-authority, per-type,
per-year sequence (document_sequences, one row locked per issue) and then immutable; a
correction supersedes (documents.supersedes_id / superseded_by_id). Issuing authorities per
region (name and number prefix). Inspectors' certificate numbers (users.certificate_number).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('certificate_number', sa.String(length=40), nullable=False, server_default='')
        )

    op.create_table(
        'issuing_authorities',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('prefix', sa.String(length=20), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_issuing_authorities_region_id_regions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_issuing_authorities')),
        sa.UniqueConstraint('region_id', name=op.f('uq_issuing_authorities_region_id')),
        sqlite_autoincrement=True,
    )
    op.create_table(
        'document_sequences',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('authority_id', sa.Integer(), nullable=False),
        sa.Column('doc_type', sa.Enum('onsite_record', 'rectification_order', name='documenttype', native_enum=False, length=40), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('last_number', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['authority_id'], ['issuing_authorities.id'], name=op.f('fk_document_sequences_authority_id_issuing_authorities')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_document_sequences')),
        sa.UniqueConstraint('authority_id', 'doc_type', 'year', name='uq_document_sequences_authority_type_year'),
        sqlite_autoincrement=True,
    )
    op.create_table(
        'documents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('inspection_id', sa.Integer(), nullable=False),
        sa.Column('factory_id', sa.Integer(), nullable=False),
        sa.Column('doc_type', sa.Enum('onsite_record', 'rectification_order', name='documenttype', native_enum=False, length=40), nullable=False),
        sa.Column('lang', sa.String(length=8), nullable=False),
        sa.Column('status', sa.Enum('draft', 'issued', 'superseded', name='documentstatus', native_enum=False, length=12), nullable=False),
        sa.Column('content', sa.JSON(), nullable=False),
        sa.Column('authority_id', sa.Integer(), nullable=True),
        sa.Column('year', sa.Integer(), nullable=True),
        sa.Column('serial', sa.Integer(), nullable=True),
        sa.Column('number', sa.String(length=80), nullable=True),
        sa.Column('content_hash', sa.String(length=64), nullable=True),
        sa.Column('issued_at', sa.DateTime(), nullable=True),
        sa.Column('issued_by_id', sa.Integer(), nullable=True),
        sa.Column('supersedes_id', sa.Integer(), nullable=True),
        sa.Column('superseded_by_id', sa.Integer(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['authority_id'], ['issuing_authorities.id'], name=op.f('fk_documents_authority_id_issuing_authorities')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_documents_created_by_id_users')),
        sa.ForeignKeyConstraint(['factory_id'], ['factories.id'], name=op.f('fk_documents_factory_id_factories')),
        sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_documents_inspection_id_inspections')),
        sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_documents_issued_by_id_users')),
        sa.ForeignKeyConstraint(['superseded_by_id'], ['documents.id'], name=op.f('fk_documents_superseded_by_id_documents')),
        sa.ForeignKeyConstraint(['supersedes_id'], ['documents.id'], name=op.f('fk_documents_supersedes_id_documents')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_documents')),
        sa.UniqueConstraint('number', name=op.f('uq_documents_number')),
        sa.UniqueConstraint('authority_id', 'doc_type', 'year', 'serial', name='uq_documents_authority_serial'),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_documents_factory_id'), ['factory_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_inspection_id'), ['inspection_id'], unique=False)


def downgrade():
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_documents_inspection_id'))
        batch_op.drop_index(batch_op.f('ix_documents_factory_id'))
    op.drop_table('documents')
    op.drop_table('document_sequences')
    op.drop_table('issuing_authorities')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('certificate_number')
