"""budgets, projects, ballots and outcomes

A budgets component holds budgets; ballots are unique per user and budget
(paper and imported ballots have no user); counters live in the rows.

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-04 10:00:30.237481+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0010'
down_revision: str | None = '0051'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('budgets',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('component_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('description', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('scope_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('ballot_type', sa.String(length=16), nullable=False),
    sa.Column('pabulib_meta', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('ballots_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('paper_ballots_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('outcome_rule', sa.String(length=40), nullable=True),
    sa.Column('outcome_threshold', sa.Integer(), nullable=True),
    sa.Column('outcome_computed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome_published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint('ballots_count >= 0', name=op.f('ck_budgets_ballots_count')),
    sa.CheckConstraint('paper_ballots_count >= 0', name=op.f('ck_budgets_paper_ballots_count')),
    sa.CheckConstraint('total > 0', name=op.f('ck_budgets_total_positive')),
    sa.ForeignKeyConstraint(['component_id'], ['components.id'], name=op.f('fk_budgets_component_id_components'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['scope_id'], ['scopes.id'], name=op.f('fk_budgets_scope_id_scopes'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budgets'))
    )
    with op.batch_alter_table('budgets', schema=None) as batch_op:
        batch_op.create_index('ix_budgets_component_position', ['component_id', 'position'], unique=False)
        batch_op.create_index(batch_op.f('ix_budgets_scope_id'), ['scope_id'], unique=False)

    op.create_table('ballots',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('budget_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('source', sa.String(length=12), nullable=False),
    sa.Column('voter_code', sa.String(length=64), nullable=True),
    sa.Column('total', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('projects_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('checked_out_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint('projects_count >= 0', name=op.f('ck_ballots_projects_count')),
    sa.CheckConstraint('total >= 0', name=op.f('ck_ballots_total')),
    sa.ForeignKeyConstraint(['budget_id'], ['budgets.id'], name=op.f('fk_ballots_budget_id_budgets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_ballots_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballots')),
    sa.UniqueConstraint('budget_id', 'user_id', name=op.f('uq_ballots_budget_id_user_id'))
    )
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.create_index('ix_ballots_budget_checked_out', ['budget_id', 'checked_out_at'], unique=False)
        batch_op.create_index('ix_ballots_user', ['user_id'], unique=False)

    op.create_table('budget_projects',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('budget_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('component_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=True),
    sa.Column('pabulib_fields', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('title', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('description', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('scope_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('area_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('votes_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('paper_votes_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('comments_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('selected', sa.Boolean(), nullable=True),
    sa.Column('selection_reason', sa.String(length=40), nullable=True),
    sa.Column('outcome_score', sa.Integer(), nullable=True),
    sa.Column('outcome_position', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_budget_projects_amount_positive')),
    sa.CheckConstraint('paper_votes_count >= 0', name=op.f('ck_budget_projects_paper_votes_count')),
    sa.CheckConstraint('votes_count >= 0', name=op.f('ck_budget_projects_votes_count')),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_budget_projects_area_id_areas'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['budget_id'], ['budgets.id'], name=op.f('fk_budget_projects_budget_id_budgets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['component_id'], ['components.id'], name=op.f('fk_budget_projects_component_id_components'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['scope_id'], ['scopes.id'], name=op.f('fk_budget_projects_scope_id_scopes'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_projects')),
    sa.UniqueConstraint('budget_id', 'code', name=op.f('uq_budget_projects_budget_id_code'))
    )
    with op.batch_alter_table('budget_projects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_projects_area_id'), ['area_id'], unique=False)
        batch_op.create_index('ix_budget_projects_budget', ['budget_id', 'position', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_budget_projects_component_id'), ['component_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_budget_projects_scope_id'), ['scope_id'], unique=False)

    op.create_table('ballot_items',
    sa.Column('ballot_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('project_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('points', sa.Integer(), server_default='1', nullable=False),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['ballot_id'], ['ballots.id'], name=op.f('fk_ballot_items_ballot_id_ballots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['budget_projects.id'], name=op.f('fk_ballot_items_project_id_budget_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ballot_id', 'project_id', name=op.f('pk_ballot_items'))
    )
    with op.batch_alter_table('ballot_items', schema=None) as batch_op:
        batch_op.create_index('ix_ballot_items_project', ['project_id'], unique=False)

    op.create_table('budget_project_proposals',
    sa.Column('project_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('proposal_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['budget_projects.id'], name=op.f('fk_budget_project_proposals_project_id_budget_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_budget_project_proposals_proposal_id_proposals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('project_id', 'proposal_id', name=op.f('pk_budget_project_proposals'))
    )
    with op.batch_alter_table('budget_project_proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_project_proposals_proposal_id'), ['proposal_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('budget_project_proposals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_project_proposals_proposal_id'))

    op.drop_table('budget_project_proposals')
    with op.batch_alter_table('ballot_items', schema=None) as batch_op:
        batch_op.drop_index('ix_ballot_items_project')

    op.drop_table('ballot_items')
    with op.batch_alter_table('budget_projects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_projects_scope_id'))
        batch_op.drop_index(batch_op.f('ix_budget_projects_component_id'))
        batch_op.drop_index('ix_budget_projects_budget')
        batch_op.drop_index(batch_op.f('ix_budget_projects_area_id'))

    op.drop_table('budget_projects')
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.drop_index('ix_ballots_user')
        batch_op.drop_index('ix_ballots_budget_checked_out')

    op.drop_table('ballots')
    with op.batch_alter_table('budgets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budgets_scope_id'))
        batch_op.drop_index('ix_budgets_component_position')

    op.drop_table('budgets')
