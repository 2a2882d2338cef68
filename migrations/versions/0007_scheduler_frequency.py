"""scheduled tasks in DreamFactory's shape: a frequency instead of a cron, an admin for role-less ones

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 19:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("scheduler_task") as batch:
        batch.alter_column("cron", existing_type=sa.String(length=100), nullable=True)
        batch.add_column(sa.Column("frequency", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("admin_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_scheduler_task_admin_id_user"),
            "user",
            ["admin_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    """A task run every N minutes gets the cron expression of that (every 5 minutes if none)."""
    task = sa.table("scheduler_task", sa.column("id"), sa.column("cron"), sa.column("frequency"))
    connection = op.get_bind()
    rows = connection.execute(sa.select(task.c.id, task.c.frequency).where(task.c.cron.is_(None)))
    for task_id, frequency in rows.all():
        every = frequency if frequency and 60 % frequency == 0 and frequency < 60 else 5
        cron = "* * * * *" if every == 1 else f"*/{every} * * * *"
        connection.execute(sa.update(task).where(task.c.id == task_id).values(cron=cron))
    with op.batch_alter_table("scheduler_task") as batch:
        batch.drop_constraint(op.f("fk_scheduler_task_admin_id_user"), type_="foreignkey")
        batch.drop_column("admin_id")
        batch.drop_column("frequency")
        batch.alter_column("cron", existing_type=sa.String(length=100), nullable=False)
