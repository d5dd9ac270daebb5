"""Jobs: heavy work (report PDFs) made outside the web request, and the files they keep

Issue 13: a job row is the state every app server and worker shares (queued → running →
done | failed, attempts, the kept file's storage key); the queue itself is in-process threads
or Redis. A submitted inspection's report PDF is rendered once per language and kept here.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=False),
        sa.Column('lang', sa.String(length=8), nullable=False),
        sa.Column('stamp', sa.String(length=64), nullable=False),
        sa.Column(
            'status',
            sa.Enum('queued', 'running', 'done', 'failed', name='jobstatus', native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('error', sa.String(length=500), nullable=True),
        sa.Column('result_key', sa.String(length=200), nullable=True),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.Column('base_url', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=True),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ['requested_by_id'], ['users.id'], name=op.f('fk_jobs_requested_by_id_users'), ondelete='SET NULL'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs')),
        sqlite_autoincrement=True,  # job ids are never reused (a job URL names one job)
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index('ix_jobs_kind_subject', ['kind', 'subject_id', 'lang'], unique=False)


def downgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_jobs_kind_subject')
    op.drop_table('jobs')
