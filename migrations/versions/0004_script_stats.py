"""script run statistics shared by every worker (when Redis is not configured)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 13:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('script_stat',
    sa.Column('name', sa.String(length=191), nullable=False),
    sa.Column('runs', sa.BigInteger(), nullable=False),
    sa.Column('errors', sa.BigInteger(), nullable=False),
    sa.Column('total_ms', sa.Float(), nullable=False),
    sa.Column('last_run_at', sa.BigInteger(), nullable=True),
    sa.Column('last_error', sa.String(length=255), nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_script_stat'))
    )


def downgrade():
    op.drop_table('script_stat')
