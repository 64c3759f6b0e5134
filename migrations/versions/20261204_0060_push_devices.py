"""Push devices: the phones that receive a user's pushes.

Revision ID: 0060
Revises: 0007
Create Date: 2026-12-04 09:18:54.014983+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0060'
down_revision: str | None = '0070'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('push_devices',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('token', sa.String(length=512), nullable=False),
    sa.Column('locale', sa.String(length=16), nullable=False),
    sa.Column('app_version', sa.String(length=40), nullable=True),
    sa.Column('last_registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_push_devices_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_push_devices')),
    sa.UniqueConstraint('token', name=op.f('uq_push_devices_token'))
    )
    with op.batch_alter_table('push_devices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_push_devices_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('push_devices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_push_devices_user_id'))

    op.drop_table('push_devices')
