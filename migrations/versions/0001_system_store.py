"""system store: services, apps, roles, users, lookups, CORS, limits, scripts, tokens

Revision ID: 0001
Revises: 
Create Date: 2026-11-21 21:56:17.551629

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cache_stamp',
    sa.Column('key', sa.String(length=191), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_cache_stamp'))
    )
    op.create_table('cors_config',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=255), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=True),
    sa.Column('origin', sa.Text(), nullable=False),
    sa.Column('header', sa.Text(), nullable=True),
    sa.Column('exposed_header', sa.Text(), nullable=True),
    sa.Column('method', sa.Integer(), nullable=False),
    sa.Column('max_age', sa.Integer(), nullable=False),
    sa.Column('supports_credentials', sa.Boolean(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('created_date', sa.DateTime(), nullable=True),
    sa.Column('last_modified_date', sa.DateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('last_modified_by_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cors_config')),
    sa.UniqueConstraint('path', name=op.f('uq_cors_config_path'))
    )
    op.create_table('role',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_date', sa.DateTime(), nullable=True),
    sa.Column('last_modified_date', sa.DateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('last_modified_by_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role')),
    sa.UniqueConstraint('name', name=op.f('uq_role_name'))
    )
    op.create_table('service',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('label', sa.String(length=80), nullable=True),
    sa.Column('description', sa.String(length=255), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('mutable', sa.Boolean(), nullable=False),
    sa.Column('deletable', sa.Boolean(), nullable=False),
    sa.Column('config', sa.JSON(), nullable=True),
    sa.Column('created_date', sa.DateTime(), nullable=True),
    sa.Column('last_modified_date', sa.DateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('last_modified_by_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service')),
    sa.UniqueConstraint('name', name=op.f('uq_service_name'))
    )
    op.create_table('system_custom',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('value', sa.Text(), nullable=True),
    sa.Column('created_date', sa.DateTime(), nullable=True),
    sa.Column('last_modified_date', sa.DateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('last_modified_by_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_system_custom')),
    sa.UniqueConstraint('name', name=op.f('uq_system_custom_name'))
    )
    op.create_table('app',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('api_key', sa.String(length=255), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('type', sa.Integer(), nullable=False),
    sa.Column('path', sa.Text(), nullable=True),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('storage_service_id', sa.Integer(), nullable=True),
    sa.Column('storage_container', sa.String(length=255), nullable=True),
    sa.Column('requires_fullscreen', sa.Boolean(), nullable=False),
    sa.Column('allow_fullscreen_toggle', sa.Boolean(), nullable=False),
    sa.Column('toggle_location', sa.String(length=64), nullable=False),
    sa.Column('role_id', sa.Integer(), nullable=True),
    sa.Column('created_date', sa.DateTime(), nullable=True),
    sa.Column('last_modified_date', sa.DateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('last_modified_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['role_id'], ['role.id'], name=op.f('fk_app_role_id_role'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['storage_service_id'], ['service.id'], name=op.f('fk_app_storage_service_id_service'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app')),
    sa.UniqueConstraint('api_key', name=op.f('uq_app_api_key')),
    sa.UniqueConstraint('name', name=op.f('uq_app_name'))
    )
    op.create_table('event_script',
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('content', sa.Text(), nullable=True),
    sa.Column('config', sa.JSON(), nullable=True),
    sa.Column('storage_service_id', sa.Integer(), nullable=True),
    sa.Column('storage_path', sa.String(length=255), nullable=True),
    sa.Column('scm_repository', sa.String(length=255), nullable=True),
    sa.Column('scm_reference', sa.String(length=255), nullable=True),
    sa.Column('allow_event_modification', sa.Boolean(), nullable=False),
    sa.Column('created_date', sa.DateTime(), nullable=True),
    sa.Column('last_modified_date', sa.DateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('last_modified_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['storage_service_id'], ['service.id'], name=op.f('fk_event_script_storage_service_id_service'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_event_script'))
    )
    op.create_table('role_service_access',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('role_id', sa.Integer(), nullable=True),
    sa.Column('service_id', sa.Integer(), nullable=True),
    sa.Column('component', sa.String(length=255), nullable=True),
    sa.Column('verb_mask', sa.Integer(), nullable=False),
    sa.Column('requestor_mask', sa.Integer(), nullable=False),
    sa.Column('filters', sa.JSON(), nullable=True),
    sa.Column('filter_op', sa.String(length=32), nullable=False),
    sa.Column('created_date', sa.DateTime(), nullable=True),
    sa.Column('last_modified_date', sa.DateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('last_modified_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['role_id'], ['role.id'], name=op.f('fk_role_service_access_role_id_role'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_role_service_access_service_id_service'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role_service_access'))
    )
    with op.batch_alter_table('role_service_access', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_role_service_access_role_id'), ['role_id'], unique=False)

    op.create_table('system_config',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('default_app_id', sa.Integer(), nullable=True),
    sa.Column('invite_email_service_id', sa.Integer(), nullable=True),
    sa.Column('invite_email_template_id', sa.Integer(), nullable=True),
    sa.Column('password_email_service_id', sa.Integer(), nullable=True),
    sa.Column('password_email_template_id', sa.Integer(), nullable=True),
    sa.Column('created_date', sa.DateTime(), nullable=True),
    sa.Column('last_modified_date', sa.DateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('last_modified_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['default_app_id'], ['app.id'], name=op.f('fk_system_config_default_app_id_app'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['invite_email_service_id'], ['service.id'], name=op.f('fk_system_config_invite_email_service_id_service'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['password_email_service_id'], ['service.id'], name=op.f('fk_system_config_password_email_service_id_service'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_system_config'))
    )
    op.create_table('user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=True),
    sa.Column('username', sa.String(length=255), nullable=True),
    sa.Column('first_name', sa.String(length=255), nullable=True),
    sa.Column('last_name', sa.String(length=255), nullable=True),
    sa.Column('last_login_date', sa.DateTime(), nullable=True),
    sa.Column('email', sa.String(length=255), nullable=False),
    sa.Column('password', sa.String(length=255), nullable=True),
    sa.Column('is_sys_admin', sa.Boolean(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('security_question', sa.String(length=255), nullable=True),
    sa.Column('security_answer', sa.String(length=255), nullable=True),
    sa.Column('confirm_code', sa.String(length=255), nullable=True),
    sa.Column('confirm_code_date', sa.DateTime(), nullable=True),
    sa.Column('default_app_id', sa.Integer(), nullable=True),
    sa.Column('remember_token', sa.String(length=100), nullable=True),
    sa.Column('oauth_provider', sa.String(length=50), nullable=True),
    sa.Column('adldap', sa.String(length=50), nullable=True),
    sa.Column('created_date', sa.DateTime(), nullable=True),
    sa.Column('last_modified_date', sa.DateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('last_modified_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['default_app_id'], ['app.id'], name=op.f('fk_user_default_app_id_app'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user')),
    sa.UniqueConstraint('email', name=op.f('uq_user_email')),
    sa.UniqueConstraint('username', name=op.f('uq_user_username'))
    )
    op.create_table('limits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=64), nullable=False),
    sa.Column('key_text', sa.String(length=255), nullable=False),
    sa.Column('rate', sa.Integer(), nullable=False),
    sa.Column('period', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('role_id', sa.Integer(), nullable=True),
    sa.Column('service_id', sa.Integer(), nullable=True),
    sa.Column('endpoint', sa.String(length=255), nullable=True),
    sa.Column('verb', sa.String(length=16), nullable=True),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_date', sa.DateTime(), nullable=True),
    sa.Column('last_modified_date', sa.DateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('last_modified_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['role_id'], ['role.id'], name=op.f('fk_limits_role_id_role'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_limits_service_id_service'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_limits_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_limits')),
    sa.UniqueConstraint('key_text', name=op.f('uq_limits_key_text')),
    sa.UniqueConstraint('name', name=op.f('uq_limits_name'))
    )
    op.create_table('lookup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('app_id', sa.Integer(), nullable=True),
    sa.Column('role_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('value', sa.Text(), nullable=True),
    sa.Column('private', sa.Boolean(), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=True),
    sa.Column('created_date', sa.DateTime(), nullable=True),
    sa.Column('last_modified_date', sa.DateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('last_modified_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['app_id'], ['app.id'], name=op.f('fk_lookup_app_id_app'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['role_id'], ['role.id'], name=op.f('fk_lookup_role_id_role'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_lookup_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lookup'))
    )
    with op.batch_alter_table('lookup', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lookup_app_id'), ['app_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lookup_role_id'), ['role_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lookup_user_id'), ['user_id'], unique=False)

    op.create_table('token_map',
    sa.Column('jti', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('iat', sa.Integer(), nullable=False),
    sa.Column('exp', sa.Integer(), nullable=False),
    sa.Column('refresh_until', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_token_map_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('jti', name=op.f('pk_token_map'))
    )
    with op.batch_alter_table('token_map', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_token_map_user_id'), ['user_id'], unique=False)

    op.create_table('user_to_app_to_role',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('app_id', sa.Integer(), nullable=True),
    sa.Column('role_id', sa.Integer(), nullable=True),
    sa.Column('created_date', sa.DateTime(), nullable=True),
    sa.Column('last_modified_date', sa.DateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('last_modified_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['app_id'], ['app.id'], name=op.f('fk_user_to_app_to_role_app_id_app'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['role_id'], ['role.id'], name=op.f('fk_user_to_app_to_role_role_id_role'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_user_to_app_to_role_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_to_app_to_role')),
    sa.UniqueConstraint('user_id', 'app_id', name=op.f('uq_user_to_app_to_role_user_id'))
    )
    with op.batch_alter_table('user_to_app_to_role', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_to_app_to_role_user_id'), ['user_id'], unique=False)



def downgrade():
    # Dropping a table drops its indexes; MariaDB refuses to drop an FK index first.
    op.drop_table('user_to_app_to_role')
    op.drop_table('token_map')
    op.drop_table('lookup')
    op.drop_table('limits')
    op.drop_table('user')
    op.drop_table('system_config')
    op.drop_table('role_service_access')
    op.drop_table('event_script')
    op.drop_table('app')
    op.drop_table('system_custom')
    op.drop_table('service')
    op.drop_table('role')
    op.drop_table('cors_config')
    op.drop_table('cache_stamp')
