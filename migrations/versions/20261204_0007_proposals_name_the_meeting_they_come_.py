"""proposals name the meeting they come from

A meeting proposal's meeting_id becomes a foreign key; ids that name no
meeting are cleared first, since the key would refuse them.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 07:25:58.936088+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "UPDATE proposals SET meeting_id = NULL WHERE meeting_id IS NOT NULL"
        " AND meeting_id NOT IN (SELECT id FROM meetings)"
    )
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposals_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_proposals_meeting_id_meetings'), 'meetings', ['meeting_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_proposals_meeting_id_meetings'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_proposals_meeting_id'))
