"""email templates and rate counters

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 21:57:21.299699

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('email_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=True),
    sa.Column('to', sa.Text(), nullable=True),
    sa.Column('cc', sa.Text(), nullable=True),
    sa.Column('bcc', sa.Text(), nullable=True),
    sa.Column('subject', sa.String(length=255), nullable=True),
    sa.Column('body_text', sa.Text(), nullable=True),
    sa.Column('body_html', sa.Text(), nullable=True),
    sa.Column('from_name', sa.String(length=80), nullable=True),
    sa.Column('from_email', sa.String(length=255), nullable=True),
    sa.Column('reply_to_name', sa.String(length=80), nullable=True),
    sa.Column('reply_to_email', sa.String(length=255), nullable=True),
    sa.Column('defaults', sa.JSON(), nullable=True),
    sa.Column('created_date', sa.DateTime(), nullable=True),
    sa.Column('last_modified_date', sa.DateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('last_modified_by_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_email_template')),
    sa.UniqueConstraint('name', name=op.f('uq_email_template_name'))
    )
    op.create_table('rate_counter',
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('window_start', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.Integer(), nullable=False),
    sa.Column('limit_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['limit_id'], ['limits.id'], name=op.f('fk_rate_counter_limit_id_limits'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('key', 'window_start', name=op.f('pk_rate_counter'))
    )
    with op.batch_alter_table('rate_counter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rate_counter_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_rate_counter_limit_id'), ['limit_id'], unique=False)



def downgrade():
    op.drop_table('rate_counter')
    op.drop_table('email_template')
