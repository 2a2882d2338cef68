"""cache entries shared by every worker (TTL key/value when Redis is not configured)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cache_entry',
    sa.Column('key', sa.String(length=191), nullable=False),
    sa.Column('value', sa.LargeBinary(length=16777215), nullable=False),
    sa.Column('expires_at', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_cache_entry'))
    )
    with op.batch_alter_table('cache_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cache_entry_expires_at'), ['expires_at'], unique=False)


def downgrade():
    op.drop_table('cache_entry')
