"""apps may be allowed to reach the MCP endpoint (allow_mcp, off for every existing app)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 22:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("app") as batch:
        batch.add_column(
            sa.Column("allow_mcp", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade():
    with op.batch_alter_table("app") as batch:
        batch.drop_column("allow_mcp")
