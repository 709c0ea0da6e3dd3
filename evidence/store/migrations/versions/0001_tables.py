"""The first schema: every table of a review, with the sequences their ids come from.

Revision ID: 0001
Revises: 
Create Date: 2026-11-25 10:16:10.554534
"""
import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None

# Ids come from named sequences: DuckDB rejects SERIAL and IDENTITY (STACK.md).
SEQUENCE_TABLES = (
    'analysis',
    'analysis_run',
    'arm',
    'bias_judgement',
    'continuous_data',
    'contrast_estimate',
    'correction',
    'dichotomous_data',
    'duplicate_candidate',
    'duplicate_link',
    'eligibility_criterion',
    'full_text_retrieval',
    'import_batch',
    'outcome',
    'pooled_result',
    'published_result',
    'record',
    'rejected_record',
    'report',
    'reported_flow_count',
    'review',
    'review_update',
    'screening_decision',
    'search',
    'seed_load',
    'study',
    'study_attribute',
    'study_result',
    'subgroup_result',
    'subgroup_test',
)


def upgrade() -> None:
    for table in SEQUENCE_TABLES:
        op.execute(sa.schema.CreateSequence(sa.Sequence(f"{table}_id_seq")))
    op.create_table('ci_level',
    sa.Column('level', sa.Double(), autoincrement=False, nullable=False),
    sa.Column('z', sa.Double(), nullable=False),
    sa.CheckConstraint('level > 0 AND level < 1 AND z > 0', name=op.f('ck_ci_level_level_range')),
    sa.PrimaryKeyConstraint('level', name=op.f('pk_ci_level'))
    )
    op.create_table('review',
    sa.Column('id', sa.Integer(), server_default=sa.text("nextval('review_id_seq')"), nullable=False),
    sa.Column('slug', sa.Text(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('question', sa.Text(), nullable=True),
    sa.Column('authors', sa.Text(), nullable=True),
    sa.Column('corresponding_author', sa.Text(), nullable=True),
    sa.Column('affiliation', sa.Text(), nullable=True),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('language', sa.Text(), nullable=True),
    sa.Column('software', sa.Text(), nullable=True),
    sa.Column('alpha', sa.Double(), server_default=sa.text('0.05'), nullable=False),
    sa.Column('model_rule', sa.Text(), server_default=sa.text("'fixed_if_homogeneous'"), nullable=False),
    sa.Column('model_rule_text', sa.Text(), nullable=True),
    sa.Column('bias_tool', sa.Text(), nullable=True),
    sa.Column('reported_participants', sa.Integer(), nullable=True),
    sa.Column('reported_participants_experimental', sa.Integer(), nullable=True),
    sa.Column('reported_participants_control', sa.Integer(), nullable=True),
    sa.Column('reported_participants_source', sa.Text(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.CheckConstraint('alpha > 0 AND alpha < 1', name=op.f('ck_review_alpha_range')),
    sa.CheckConstraint('reported_participants IS NULL OR reported_participants >= 0', name=op.f('ck_review_reported_participants_nonneg')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review')),
    sa.UniqueConstraint('slug', name=op.f('uq_review_slug'))
    )
    op.create_table('correction',
    sa.Column('id', sa.Integer(), server_default=sa.text("nextval('correction_id_seq')"), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('table_name', sa.Text(), nullable=False),
    sa.Column('row_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.Text(), nullable=False),
    sa.Column('printed', sa.Text(), nullable=True),
    sa.Column('corrected', sa.Text(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['review_id'], ['review.id'], name=op.f('fk_correction_review_id_review')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_correction'))
    )
    op.create_index(op.f('ix_correction_review_id'), 'correction', ['review_id'], unique=False)
    op.create_index('ix_correction_target', 'correction', ['table_name', 'row_id', 'field'], unique=False)
    op.create_table('eligibility_criterion',
    sa.Column('id', sa.Integer(), server_default=sa.text("nextval('eligibility_criterion_id_seq')"), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('design', 'population', 'intervention', 'comparator', 'outcome', 'language', 'exclusion', 'other')", name=op.f('ck_eligibility_criterion_kind_known')),
    sa.ForeignKeyConstraint(['review_id'], ['review.id'], name=op.f('fk_eligibility_criterion_review_id_review')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_eligibility_criterion')),
    sa.UniqueConstraint('review_id', 'position', name=op.f('uq_eligibility_criterion_review_id_position'))
    )
    op.create_index(op.f('ix_eligibility_criterion_review_id'), 'eligibility_criterion', ['review_id'], unique=False)
    op.create_table('outcome',
    sa.Column('id', sa.Integer(), server_default=sa.text("nextval('outcome_id_seq')"), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('label', sa.Text(), nullable=True),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('measure', sa.Text(), nullable=False),
    sa.Column('direction', sa.Text(), nullable=True),
    sa.Column('category', sa.Text(), nullable=True),
    sa.CheckConstraint("category IS NULL OR category IN ('efficacy', 'safety', 'other')", name=op.f('ck_outcome_category_known')),
    sa.CheckConstraint("direction IS NULL OR direction IN ('higher_is_better', 'lower_is_better')", name=op.f('ck_outcome_direction_known')),
    sa.CheckConstraint("kind IN ('dichotomous', 'time_to_event', 'continuous')", name=op.f('ck_outcome_kind_known')),
    sa.CheckConstraint("measure IN ('RR', 'OR', 'RD', 'PETO', 'HR', 'MD', 'SMD', 'GENERIC')", name=op.f('ck_outcome_measure_known')),
    sa.ForeignKeyConstraint(['review_id'], ['review.id'], name=op.f('fk_outcome_review_id_review')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outcome')),
    sa.UniqueConstraint('review_id', 'name', name=op.f('uq_outcome_review_id_name'))
    )
    op.create_index(op.f('ix_outcome_review_id'), 'outcome', ['review_id'], unique=False)
    op.create_table('review_update',
    sa.Column('id', sa.Integer(), server_default=sa.text("nextval('review_update_id_seq')"), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('label', sa.Text(), nullable=True),
    sa.Column('searched_to', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.CheckConstraint('number >= 0', name=op.f('ck_review_update_number_nonneg')),
    sa.ForeignKeyConstraint(['review_id'], ['review.id'], name=op.f('fk_review_update_review_id_review')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_update')),
    sa.UniqueConstraint('review_id', 'number', name=op.f('uq_review_update_review_id_number'))
    )
    op.create_index(op.f('ix_review_update_review_id'), 'review_update', ['review_id'], unique=False)
    op.create_table('study',
    sa.Column('id', sa.Integer(), server_default=sa.text("nextval('study_id_seq')"), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.Text(), nullable=False),
    sa.Column('registry_id', sa.Text(), nullable=True),
    sa.Column('first_author', sa.Text(), nullable=True),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('design', sa.Text(), nullable=True),
    sa.Column('setting', sa.Text(), nullable=True),
    sa.Column('status', sa.Text(), server_default=sa.text("'included'"), nullable=False),
    sa.Column('source', sa.Text(), nullable=True),
    sa.CheckConstraint("status IN ('included', 'excluded', 'awaiting', 'ongoing')", name=op.f('ck_study_status_known')),
    sa.ForeignKeyConstraint(['review_id'], ['review.id'], name=op.f('fk_study_review_id_review')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_study')),
    sa.UniqueConstraint('review_id', 'label', name=op.f('uq_study_review_id_label'))
    )
    op.create_index(op.f('ix_study_review_id'), 'study', ['review_id'], unique=False)
    op.create_table('analysis',
    sa.Column('id', sa.Integer(), server_default=sa.text("nextval('analysis_id_seq')"), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('outcome_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('label', sa.Text(), nullable=True),
    sa.Column('measure', sa.Text(), nullable=False),
    sa.Column('method', sa.Text(), nullable=False),
    sa.Column('model', sa.Text(), server_default=sa.text("'rule'"), nullable=False),
    sa.Column('tau2_method', sa.Text(), server_default=sa.text("'DL'"), nullable=False),
    sa.Column('level', sa.Double(), server_default=sa.text('0.95'), nullable=False),
    sa.Column('variant', sa.Text(), server_default=sa.text("'primary'"), nullable=False),
    sa.Column('subgroup', sa.Text(), nullable=True),
    sa.CheckConstraint("measure IN ('RR', 'OR', 'RD', 'PETO', 'HR', 'MD', 'SMD', 'GENERIC')", name=op.f('ck_analysis_measure_known')),
    sa.CheckConstraint("method IN ('MH', 'IV', 'PETO')", name=op.f('ck_analysis_method_known')),
    sa.CheckConstraint("model IN ('rule', 'fixed', 'random')", name=op.f('ck_analysis_model_known')),
    sa.CheckConstraint('level > 0 AND level < 1', name=op.f('ck_analysis_level_range')),
    sa.ForeignKeyConstraint(['outcome_id'], ['outcome.id'], name=op.f('fk_analysis_outcome_id_outcome')),
    sa.ForeignKeyConstraint(['review_id'], ['review.id'], name=op.f('fk_analysis_review_id_review')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analysis')),
    sa.UniqueConstraint('review_id', 'name', name=op.f('uq_analysis_review_id_name'))
    )
    op.create_index(op.f('ix_analysis_outcome_id'), 'analysis', ['outcome_id'], unique=False)
    op.create_index(op.f('ix_analysis_review_id'), 'analysis', ['review_id'], unique=False)
    op.create_table('analysis_run',
    sa.Column('id', sa.Integer(), server_default=sa.text("nextval('analysis_run_id_seq')"), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('review_update_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('software_version', sa.Text(), nullable=False),
    sa.Column('preset', sa.Text(), nullable=False),
    sa.Column('inputs_hash', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['review_id'], ['review.id'], name=op.f('fk_analysis_run_review_id_review')),
    sa.ForeignKeyConstraint(['review_update_id'], ['review_update.id'], name=op.f('fk_analysis_run_review_update_id_review_update')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analysis_run'))
    )
    op.create_index(op.f('ix_analysis_run_review_id'), 'analysis_run', ['review_id'], unique=False)
    op.create_index(op.f('ix_analysis_run_review_update_id'), 'analysis_run', ['review_update_id'], unique=False)
    op.create_table('arm',
    sa.Column('id', sa.Integer(), server_default=sa.text("nextval('arm_id_seq')"), nullable=False),
    sa.Column('study_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Text(), nullable=False),
    sa.Column('regimen', sa.Text(), nullable=True),
    sa.Column('regimen_text', sa.Text(), nullable=True),
    sa.Column('randomised_n', sa.Integer(), nullable=True),
    sa.Column('safety_n', sa.Integer(), nullable=True),
    sa.Column('aged_65_plus', sa.Integer(), nullable=True),
    sa.Column('women', sa.Integer(), nullable=True),
    sa.Column('men', sa.Integer(), nullable=True),
    sa.Column('iss_stage_2plus_pct', sa.Double(), nullable=True),
    sa.Column('median_prior_lines', sa.Double(), nullable=True),
    sa.Column('source', sa.Text(), nullable=True),
    sa.CheckConstraint("role IN ('experimental', 'control')", name=op.f('ck_arm_role_known')),
    sa.CheckConstraint('(randomised_n IS NULL OR randomised_n >= 0) AND (safety_n IS NULL OR safety_n >= 0) AND (aged_65_plus IS NULL OR aged_65_plus >= 0) AND (women IS NULL OR women >= 0) AND (men IS NULL OR men >= 0)', name=op.f('ck_arm_counts_nonneg')),
    sa.CheckConstraint('iss_stage_2plus_pct IS NULL OR (iss_stage_2plus_pct >= 0 AND iss_stage_2plus_pct <= 100)', name=op.f('ck_arm_pct_range')),
    sa.CheckConstraint('median_prior_lines IS NULL OR median_prior_lines >= 0', name=op.f('ck_arm_prior_lines_nonneg')),
    sa.ForeignKeyConstraint(['study_id'], ['study.id'], name=op.f('fk_arm_study_id_study')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_arm')),
    sa.UniqueConstraint('study_id', 'role', name=op.f('uq_arm_study_id_role'))
    )
    op.create_index(op.f('ix_arm_study_id'), 'arm', ['study_id'], unique=False)
    op.create_table('bias_judgement',
    sa.Column('id', sa.Integer(), server_default=sa.text("nextval('bias_judgement_id_seq')"), nullable=False),
    sa.Column('study_id', sa.Integer(), nullable=False),
    sa.Column('tool', sa.Text(), server_default=sa.text("'RoB 1'"), nullable=False),
    sa.Column('domain', sa.Text(), nullable=False),
    sa.Column('judgement', sa.Text(), nullable=False),
    sa.Column('support', sa.Text(), nullable=True),
    sa.Column('source', sa.Text(), nullable=True),
    sa.Column('outcome_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("judgement IN ('low', 'unclear', 'high')", name=op.f('ck_bias_judgement_judgement_known')),
    sa.ForeignKeyConstraint(['outcome_id'], ['outcome.id'], name=op.f('fk_bias_judgement_outcome_id_outcome')),
    sa.ForeignKeyConstraint(['study_id'], ['study.id'], name=op.f('fk_bias_judgement_study_id_study')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bias_judgement')),
    sa.UniqueConstraint('study_id', 'tool', 'domain', 'outcome_id', name=op.f('uq_bias_judgement_study_id_tool_domain_outcome_id'))
    )
    op.create_index(op.f('ix_bias_judgement_outcome_id'), 'bias_judgement', ['outcome_id'], unique=False)
    op.create_index(op.f('ix_bias_judgement_study_id'), 'bias_judgement', ['study_id'], unique=False)
    op.create_table('reported_flow_count',
    sa.Column('id', sa.Integer(), server_default=sa.text("nextval('reported_flow_count_id_seq')"), nullable=False),
    sa.Column('review_update_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.Text(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('source', sa.Text(), nullable=True),
    sa.CheckConstraint("stage IN ('database_results', 'register_results', 'other_results', 'duplicates', 'excluded_automatic', 'excluded_other', 'records_screened', 'records_excluded', 'dbr_sought_reports', 'dbr_notretrieved_reports', 'dbr_assessed', 'dbr_excluded', 'new_studies', 'new_reports', 'previous_studies', 'previous_reports')", name=op.f('ck_reported_flow_count_stage_known')),
    sa.CheckConstraint('count >= 0', name=op.f('ck_reported_flow_count_count_nonneg')),
    sa.ForeignKeyConstraint(['review_update_id'], ['review_update.id'], name=op.f('fk_reported_flow_count_review_update_id_review_update')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reported_flow_count')),
    sa.UniqueConstraint('review_update_id', 'stage', name=op.f('uq_reported_flow_count_review_update_id_stage'))
    )
    op.create_index(op.f('ix_reported_flow_count_review_update_id'), 'reported_flow_count', ['review_update_id'], unique=False)
    op.create_table('search',
    sa.Column('id', sa.Integer(), server_default=sa.text("nextval('search_id_seq')"), nullable=False),
    sa.Column('review_update_id', sa.Integer(), nullable=False),
    sa.Column('database', sa.Text(), nullable=False),
    sa.Column('query', sa.Text(), nullable=True),
    sa.Column('date_run', sa.Date(), nullable=True),
    sa.Column('records_found', sa.Integer(), nullable=True),
    sa.Column('source', sa.Text(), nullable=True),
    sa.CheckConstraint('records_found IS NULL OR records_found >= 0', name=op.f('ck_search_records_found_nonneg')),
    sa.ForeignKeyConstraint(['review_update_id'], ['review_update.id'], name=op.f('fk_search_review_update_id_review_update')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search')),
    sa.UniqueConstraint('review_update_id', 'database', name=op.f('uq_search_review_update_id_database'))
    )
    op.create_index(op.f('ix_search_review_update_id'), 'search', ['review_update_id'], unique=False)
    op.create_table('seed_load',
    sa.Column('id', sa.Integer(), server_default=sa.text("nextval('seed_load_id_seq')"), nullable=False),
    sa.Column('review_update_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.Text(), nullable=False),
    sa.Column('software_version', sa.Text(), nullable=False),
    sa.Column('loaded_at', sa.DateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['review_update_id'], ['review_update.id'], name=op.f('fk_seed_load_review_update_id_review_update')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_seed_load'))
    )
    op.create_index(op.f('ix_seed_load_review_update_id'), 'seed_load', ['review_update_id'], unique=False)
    op.create_table('study_attribute',
    sa.Column('id', sa.Integer(), server_default=sa.text("nextval('study_attribute_id_seq')"), nullable=False),
    sa.Column('study_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['study_id'], ['study.id'], name=op.f('fk_study_attribute_study_id_study')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_study_attribute')),
    sa.UniqueConstraint('study_id', 'name', name=op.f('uq_study_attribute_study_id_name'))
    )
    op.create_index(op.f('ix_study_attribute_study_id'), 'study_attribute', ['study_id'], unique=False)
    op.create_table('import_batch',
    sa.Column('id', sa.Integer(), server_default=sa.text("nextval('import_batch_id_seq')"), nullable=False),
    sa.Column('search_id', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.Text(), nullable=False),
    sa.Column('format', sa.Text(), nullable=False),
    sa.Column('encoding', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.Text(), nullable=False),
    sa.Column('records', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.Column('imported_by', sa.Text(), nullable=True),
    sa.Column('imported_at', sa.DateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.CheckConstraint("format IN ('ris', 'medline', 'csv')", name=op.f('ck_import_batch_format_known')),
    sa.CheckConstraint('records >= 0 AND rejected >= 0', name=op.f('ck_import_batch_counts_nonneg')),
    sa.ForeignKeyConstraint(['search_id'], ['search.id'], name=op.f('fk_import_batch_search_id_search')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_batch'))
    )
    op.create_index(op.f('ix_import_batch_search_id'), 'import_batch', ['search_id'], unique=False)
    op.create_table('pooled_result',
    sa.Column('id', sa.Integer(), server_default=sa.text("nextval('pooled_result_id_seq')"), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('analysis_id', sa.Integer(), nullable=False),
    sa.Column('model', sa.Text(), nullable=False),
    sa.Column('chosen', sa.Boolean(), nullable=False),
    sa.Column('k', sa.Integer(), nullable=False),
    sa.Column('participants', sa.Integer(), nullable=True),
    sa.Column('events_experimental', sa.Integer(), nullable=True),
    sa.Column('events_control', sa.Integer(), nullable=True),
    sa.Column('estimate', sa.Double(), nullable=True),
    sa.Column('ci_low', sa.Double(), nullable=True),
    sa.Column('ci_high', sa.Double(), nullable=True),
    sa.Column('te', sa.Double(), nullable=True),
    sa.Column('se', sa.Double(), nullable=True),
    sa.Column('statistic', sa.Double(), nullable=True),
    sa.Column('p', sa.Double(), nullable=True),
    sa.Column('q', sa.Double(), nullable=True),
    sa.Column('q_df', sa.Integer(), nullable=True),
    sa.Column('q_p', sa.Double(), nullable=True),
    sa.Column('i2', sa.Double(), nullable=True),
    sa.Column('tau2', sa.Double(), nullable=True),
    sa.Column('measure', sa.Text(), nullable=False),
    sa.Column('scale', sa.Text(), nullable=False),
    sa.Column('method', sa.Text(), nullable=False),
    sa.Column('tau2_method', sa.Text(), nullable=True),
    sa.Column('ci_method', sa.Text(), nullable=False),
    sa.Column('zero_cell_rule', sa.Text(), nullable=False),
    sa.Column('preset', sa.Text(), nullable=False),
    sa.Column('level', sa.Double(), nullable=False),
    sa.CheckConstraint("model IN ('fixed', 'random')", name=op.f('ck_pooled_result_model_known')),
    sa.ForeignKeyConstraint(['analysis_id'], ['analysis.id'], name=op.f('fk_pooled_result_analysis_id_analysis')),
    sa.ForeignKeyConstraint(['run_id'], ['analysis_run.id'], name=op.f('fk_pooled_result_run_id_analysis_run')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pooled_result')),
    sa.UniqueConstraint('run_id', 'analysis_id', 'model', name=op.f('uq_pooled_result_run_id_analysis_id_model'))
    )
    op.create_table('published_result',
    sa.Column('id', sa.Integer(), server_default=sa.text("nextval('published_result_id_seq')"), nullable=False),
    sa.Column('analysis_id', sa.Integer(), nullable=False),
    sa.Column('subgroup', sa.Text(), nullable=True),
    sa.Column('k', sa.Integer(), nullable=True),
    sa.Column('model', sa.Text(), nullable=True),
    sa.Column('estimate', sa.Double(), nullable=True),
    sa.Column('ci_low', sa.Double(), nullable=True),
    sa.Column('ci_high', sa.Double(), nullable=True),
    sa.Column('p_text', sa.Text(), nullable=True),
    sa.Column('i2_text', sa.Text(), nullable=True),
    sa.Column('q_p_text', sa.Text(), nullable=True),
    sa.Column('events_experimental', sa.Integer(), nullable=True),
    sa.Column('events_control', sa.Integer(), nullable=True),
    sa.Column('source', sa.Text(), nullable=True),
    sa.CheckConstraint("model IS NULL OR model IN ('fixed', 'random')", name=op.f('ck_published_result_model_known')),
    sa.ForeignKeyConstraint(['analysis_id'], ['analysis.id'], name=op.f('fk_published_result_analysis_id_analysis')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_published_result')),
    sa.UniqueConstraint('analysis_id', 'subgroup', name=op.f('uq_published_result_analysis_id_subgroup'))
    )
    op.create_index(op.f('ix_published_result_analysis_id'), 'published_result', ['analysis_id'], unique=False)
    op.create_table('study_result',
    sa.Column('id', sa.Integer(), server_default=sa.text("nextval('study_result_id_seq')"), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('analysis_id', sa.Integer(), nullable=False),
    sa.Column('study_id', sa.Integer(), nullable=False),
    sa.Column('te', sa.Double(), nullable=True),
    sa.Column('se', sa.Double(), nullable=True),
    sa.Column('estimate', sa.Double(), nullable=True),
    sa.Column('ci_low', sa.Double(), nullable=True),
    sa.Column('ci_high', sa.Double(), nullable=True),
    sa.Column('weight_fixed', sa.Double(), nullable=True),
    sa.Column('weight_random', sa.Double(), nullable=True),
    sa.Column('estimable', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['analysis_id'], ['analysis.id'], name=op.f('fk_study_result_analysis_id_analysis')),
    sa.ForeignKeyConstraint(['run_id'], ['analysis_run.id'], name=op.f('fk_study_result_run_id_analysis_run')),
    sa.ForeignKeyConstraint(['study_id'], ['study.id'], name=op.f('fk_study_result_study_id_study')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_study_result')),
    sa.UniqueConstraint('run_id', 'analysis_id', 'study_id', name=op.f('uq_study_result_run_id_analysis_id_study_id'))
    )
    op.create_table('subgroup_result',
    sa.Column('id', sa.Integer(), server_default=sa.text("nextval('subgroup_result_id_seq')"), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('analysis_id', sa.Integer(), nullable=False),
    sa.Column('subgroup', sa.Text(), nullable=False),
    sa.Column('model', sa.Text(), nullable=False),
    sa.Column('chosen', sa.Boolean(), nullable=False),
    sa.Column('k', sa.Integer(), nullable=False),
    sa.Column('participants', sa.Integer(), nullable=True),
    sa.Column('events_experimental', sa.Integer(), nullable=True),
    sa.Column('events_control', sa.Integer(), nullable=True),
    sa.Column('estimate', sa.Double(), nullable=True),
    sa.Column('ci_low', sa.Double(), nullable=True),
    sa.Column('ci_high', sa.Double(), nullable=True),
    sa.Column('te', sa.Double(), nullable=True),
    sa.Column('se', sa.Double(), nullable=True),
    sa.Column('statistic', sa.Double(), nullable=True),
    sa.Column('p', sa.Double(), nullable=True),
    sa.Column('q', sa.Double(), nullable=True),
    sa.Column('q_df', sa.Integer(), nullable=True),
    sa.Column('q_p', sa.Double(), nullable=True),
    sa.Column('i2', sa.Double(), nullable=True),
    sa.Column('tau2', sa.Double(), nullable=True),
    sa.Column('measure', sa.Text(), nullable=False),
    sa.Column('scale', sa.Text(), nullable=False),
    sa.Column('method', sa.Text(), nullable=False),
    sa.Column('tau2_method', sa.Text(), nullable=True),
    sa.Column('ci_method', sa.Text(), nullable=False),
    sa.Column('zero_cell_rule', sa.Text(), nullable=False),
    sa.Column('preset', sa.Text(), nullable=False),
    sa.Column('level', sa.Double(), nullable=False),
    sa.CheckConstraint("model IN ('fixed', 'random')", name=op.f('ck_subgroup_result_model_known')),
    sa.ForeignKeyConstraint(['analysis_id'], ['analysis.id'], name=op.f('fk_subgroup_result_analysis_id_analysis')),
    sa.ForeignKeyConstraint(['run_id'], ['analysis_run.id'], name=op.f('fk_subgroup_result_run_id_analysis_run')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subgroup_result')),
    sa.UniqueConstraint('run_id', 'analysis_id', 'model', 'subgroup', name=op.f('uq_subgroup_result_run_id_analysis_id_model_subgroup'))
    )
    op.create_table('subgroup_test',
    sa.Column('id', sa.Integer(), server_default=sa.text("nextval('subgroup_test_id_seq')"), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('analysis_id', sa.Integer(), nullable=False),
    sa.Column('model', sa.Text(), nullable=False),
    sa.Column('q', sa.Double(), nullable=True),
    sa.Column('df', sa.Integer(), nullable=True),
    sa.Column('p', sa.Double(), nullable=True),
    sa.CheckConstraint("model IN ('fixed', 'random')", name=op.f('ck_subgroup_test_model_known')),
    sa.ForeignKeyConstraint(['analysis_id'], ['analysis.id'], name=op.f('fk_subgroup_test_analysis_id_analysis')),
    sa.ForeignKeyConstraint(['run_id'], ['analysis_run.id'], name=op.f('fk_subgroup_test_run_id_analysis_run')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subgroup_test')),
    sa.UniqueConstraint('run_id', 'analysis_id', 'model', name=op.f('uq_subgroup_test_run_id_analysis_id_model'))
    )
    op.create_table('record',
    sa.Column('id', sa.Integer(), server_default=sa.text("nextval('record_id_seq')"), nullable=False),
    sa.Column('search_id', sa.Integer(), nullable=False),
    sa.Column('import_batch_id', sa.Integer(), nullable=True),
    sa.Column('source_key', sa.Text(), nullable=False),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('authors', sa.Text(), nullable=True),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('journal', sa.Text(), nullable=True),
    sa.Column('volume', sa.Text(), nullable=True),
    sa.Column('issue', sa.Text(), nullable=True),
    sa.Column('pages', sa.Text(), nullable=True),
    sa.Column('doi', sa.Text(), nullable=True),
    sa.Column('pmid', sa.Text(), nullable=True),
    sa.Column('abstract', sa.Text(), nullable=True),
    sa.Column('raw', sa.Text(), nullable=True),
    sa.Column('line', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['import_batch_id'], ['import_batch.id'], name=op.f('fk_record_import_batch_id_import_batch')),
    sa.ForeignKeyConstraint(['search_id'], ['search.id'], name=op.f('fk_record_search_id_search')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record')),
    sa.UniqueConstraint('search_id', 'source_key', name=op.f('uq_record_search_id_source_key'))
    )
    op.create_index(op.f('ix_record_import_batch_id'), 'record', ['import_batch_id'], unique=False)
    op.create_index(op.f('ix_record_search_id'), 'record', ['search_id'], unique=False)
    op.create_table('rejected_record',
    sa.Column('id', sa.Integer(), server_default=sa.text("nextval('rejected_record_id_seq')"), nullable=False),
    sa.Column('import_batch_id', sa.Integer(), nullable=False),
    sa.Column('line', sa.Integer(), nullable=True),
    sa.Column('source_key', sa.Text(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('raw', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['import_batch_id'], ['import_batch.id'], name=op.f('fk_rejected_record_import_batch_id_import_batch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rejected_record'))
    )
    op.create_index(op.f('ix_rejected_record_import_batch_id'), 'rejected_record', ['import_batch_id'], unique=False)
    op.create_table('duplicate_candidate',
    sa.Column('id', sa.Integer(), server_default=sa.text("nextval('duplicate_candidate_id_seq')"), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('other_record_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Double(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('found_at', sa.DateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['other_record_id'], ['record.id'], name=op.f('fk_duplicate_candidate_other_record_id_record')),
    sa.ForeignKeyConstraint(['record_id'], ['record.id'], name=op.f('fk_duplicate_candidate_record_id_record')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duplicate_candidate')),
    sa.UniqueConstraint('record_id', 'other_record_id', name=op.f('uq_duplicate_candidate_record_id_other_record_id'))
    )
    op.create_index(op.f('ix_duplicate_candidate_other_record_id'), 'duplicate_candidate', ['other_record_id'], unique=False)
    op.create_index(op.f('ix_duplicate_candidate_record_id'), 'duplicate_candidate', ['record_id'], unique=False)
    op.create_table('duplicate_link',
    sa.Column('id', sa.Integer(), server_default=sa.text("nextval('duplicate_link_id_seq')"), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('other_record_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('method', sa.Text(), nullable=False),
    sa.Column('score', sa.Double(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('decided_by', sa.Text(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.CheckConstraint("action IN ('link', 'unlink', 'distinct')", name=op.f('ck_duplicate_link_action_known')),
    sa.CheckConstraint("method IN ('doi', 'pmid', 'rules', 'manual', 'screening')", name=op.f('ck_duplicate_link_method_known')),
    sa.CheckConstraint('record_id <> other_record_id', name=op.f('ck_duplicate_link_not_self')),
    sa.ForeignKeyConstraint(['other_record_id'], ['record.id'], name=op.f('fk_duplicate_link_other_record_id_record')),
    sa.ForeignKeyConstraint(['record_id'], ['record.id'], name=op.f('fk_duplicate_link_record_id_record')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duplicate_link'))
    )
    op.create_index(op.f('ix_duplicate_link_other_record_id'), 'duplicate_link', ['other_record_id'], unique=False)
    op.create_index(op.f('ix_duplicate_link_record_id'), 'duplicate_link', ['record_id'], unique=False)
    op.create_table('full_text_retrieval',
    sa.Column('id', sa.Integer(), server_default=sa.text("nextval('full_text_retrieval_id_seq')"), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('retrieved', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_by', sa.Text(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['record_id'], ['record.id'], name=op.f('fk_full_text_retrieval_record_id_record')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_full_text_retrieval'))
    )
    op.create_index(op.f('ix_full_text_retrieval_record_id'), 'full_text_retrieval', ['record_id'], unique=False)
    op.create_table('report',
    sa.Column('id', sa.Integer(), server_default=sa.text("nextval('report_id_seq')"), nullable=False),
    sa.Column('study_id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('label', sa.Text(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('citation', sa.Text(), nullable=True),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('doi', sa.Text(), nullable=True),
    sa.Column('pmid', sa.Text(), nullable=True),
    sa.Column('url', sa.Text(), nullable=True),
    sa.CheckConstraint("kind IN ('journal', 'abstract', 'regulatory', 'press', 'registry', 'web', 'other')", name=op.f('ck_report_kind_known')),
    sa.ForeignKeyConstraint(['record_id'], ['record.id'], name=op.f('fk_report_record_id_record')),
    sa.ForeignKeyConstraint(['study_id'], ['study.id'], name=op.f('fk_report_study_id_study')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report')),
    sa.UniqueConstraint('study_id', 'label', name=op.f('uq_report_study_id_label'))
    )
    op.create_index(op.f('ix_report_record_id'), 'report', ['record_id'], unique=False)
    op.create_index(op.f('ix_report_study_id'), 'report', ['study_id'], unique=False)
    op.create_table('screening_decision',
    sa.Column('id', sa.Integer(), server_default=sa.text("nextval('screening_decision_id_seq')"), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.Text(), nullable=False),
    sa.Column('reviewer', sa.Text(), nullable=False),
    sa.Column('decision', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('role', sa.Text(), server_default=sa.text("'screener'"), nullable=False),
    sa.Column('decided_at', sa.DateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.CheckConstraint("decision IN ('include', 'exclude', 'maybe')", name=op.f('ck_screening_decision_decision_known')),
    sa.CheckConstraint("role IN ('screener', 'resolver')", name=op.f('ck_screening_decision_role_known')),
    sa.CheckConstraint("stage IN ('title_abstract', 'full_text')", name=op.f('ck_screening_decision_stage_known')),
    sa.ForeignKeyConstraint(['record_id'], ['record.id'], name=op.f('fk_screening_decision_record_id_record')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_screening_decision'))
    )
    op.create_index(op.f('ix_screening_decision_record_id'), 'screening_decision', ['record_id'], unique=False)
    op.create_table('continuous_data',
    sa.Column('id', sa.Integer(), server_default=sa.text("nextval('continuous_data_id_seq')"), nullable=False),
    sa.Column('outcome_id', sa.Integer(), nullable=False),
    sa.Column('arm_id', sa.Integer(), nullable=False),
    sa.Column('mean', sa.Double(), nullable=True),
    sa.Column('sd', sa.Double(), nullable=True),
    sa.Column('n', sa.Integer(), nullable=True),
    sa.Column('variant', sa.Text(), server_default=sa.text("'primary'"), nullable=False),
    sa.Column('population', sa.Text(), nullable=True),
    sa.Column('report_id', sa.Integer(), nullable=True),
    sa.Column('source_ref', sa.Text(), nullable=True),
    sa.Column('source_quote', sa.Text(), nullable=True),
    sa.CheckConstraint('n IS NULL OR n >= 0', name=op.f('ck_continuous_data_n_nonneg')),
    sa.CheckConstraint('sd IS NULL OR sd >= 0', name=op.f('ck_continuous_data_sd_nonneg')),
    sa.ForeignKeyConstraint(['arm_id'], ['arm.id'], name=op.f('fk_continuous_data_arm_id_arm')),
    sa.ForeignKeyConstraint(['outcome_id'], ['outcome.id'], name=op.f('fk_continuous_data_outcome_id_outcome')),
    sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_continuous_data_report_id_report')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_continuous_data')),
    sa.UniqueConstraint('outcome_id', 'arm_id', 'variant', name=op.f('uq_continuous_data_outcome_id_arm_id_variant'))
    )
    op.create_index(op.f('ix_continuous_data_arm_id'), 'continuous_data', ['arm_id'], unique=False)
    op.create_index(op.f('ix_continuous_data_outcome_id'), 'continuous_data', ['outcome_id'], unique=False)
    op.create_index(op.f('ix_continuous_data_report_id'), 'continuous_data', ['report_id'], unique=False)
    op.create_table('contrast_estimate',
    sa.Column('id', sa.Integer(), server_default=sa.text("nextval('contrast_estimate_id_seq')"), nullable=False),
    sa.Column('outcome_id', sa.Integer(), nullable=False),
    sa.Column('study_id', sa.Integer(), nullable=False),
    sa.Column('measure', sa.Text(), nullable=False),
    sa.Column('estimate', sa.Double(), nullable=True),
    sa.Column('ci_low', sa.Double(), nullable=True),
    sa.Column('ci_high', sa.Double(), nullable=True),
    sa.Column('ci_level', sa.Double(), nullable=True),
    sa.Column('variant', sa.Text(), server_default=sa.text("'primary'"), nullable=False),
    sa.Column('population', sa.Text(), nullable=True),
    sa.Column('report_id', sa.Integer(), nullable=True),
    sa.Column('source_ref', sa.Text(), nullable=True),
    sa.Column('source_quote', sa.Text(), nullable=True),
    sa.CheckConstraint("measure IN ('HR', 'OR', 'RR')", name=op.f('ck_contrast_estimate_measure_known')),
    sa.CheckConstraint('(estimate IS NULL) = (ci_level IS NULL)', name=op.f('ck_contrast_estimate_level_with_estimate')),
    sa.CheckConstraint('estimate IS NULL OR ci_low IS NULL OR ci_high IS NULL OR (0 < ci_low AND ci_low <= estimate AND estimate <= ci_high)', name=op.f('ck_contrast_estimate_ci_contains_estimate')),
    sa.CheckConstraint('estimate IS NULL OR estimate > 0', name=op.f('ck_contrast_estimate_estimate_positive')),
    sa.ForeignKeyConstraint(['ci_level'], ['ci_level.level'], name=op.f('fk_contrast_estimate_ci_level_ci_level')),
    sa.ForeignKeyConstraint(['outcome_id'], ['outcome.id'], name=op.f('fk_contrast_estimate_outcome_id_outcome')),
    sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_contrast_estimate_report_id_report')),
    sa.ForeignKeyConstraint(['study_id'], ['study.id'], name=op.f('fk_contrast_estimate_study_id_study')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contrast_estimate')),
    sa.UniqueConstraint('outcome_id', 'study_id', 'variant', name=op.f('uq_contrast_estimate_outcome_id_study_id_variant'))
    )
    op.create_index(op.f('ix_contrast_estimate_outcome_id'), 'contrast_estimate', ['outcome_id'], unique=False)
    op.create_index(op.f('ix_contrast_estimate_report_id'), 'contrast_estimate', ['report_id'], unique=False)
    op.create_index(op.f('ix_contrast_estimate_study_id'), 'contrast_estimate', ['study_id'], unique=False)
    op.create_table('dichotomous_data',
    sa.Column('id', sa.Integer(), server_default=sa.text("nextval('dichotomous_data_id_seq')"), nullable=False),
    sa.Column('outcome_id', sa.Integer(), nullable=False),
    sa.Column('arm_id', sa.Integer(), nullable=False),
    sa.Column('events', sa.Integer(), nullable=True),
    sa.Column('total', sa.Integer(), nullable=True),
    sa.Column('percent', sa.Double(), nullable=True),
    sa.Column('derived_from_percent', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('variant', sa.Text(), server_default=sa.text("'primary'"), nullable=False),
    sa.Column('population', sa.Text(), nullable=True),
    sa.Column('report_id', sa.Integer(), nullable=True),
    sa.Column('source_ref', sa.Text(), nullable=True),
    sa.Column('source_quote', sa.Text(), nullable=True),
    sa.CheckConstraint('events IS NULL OR events >= 0', name=op.f('ck_dichotomous_data_events_nonneg')),
    sa.CheckConstraint('events IS NULL OR total IS NULL OR events <= total', name=op.f('ck_dichotomous_data_events_le_total')),
    sa.CheckConstraint('percent IS NULL OR (percent >= 0 AND percent <= 100)', name=op.f('ck_dichotomous_data_percent_range')),
    sa.CheckConstraint('total IS NULL OR total >= 0', name=op.f('ck_dichotomous_data_total_nonneg')),
    sa.ForeignKeyConstraint(['arm_id'], ['arm.id'], name=op.f('fk_dichotomous_data_arm_id_arm')),
    sa.ForeignKeyConstraint(['outcome_id'], ['outcome.id'], name=op.f('fk_dichotomous_data_outcome_id_outcome')),
    sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_dichotomous_data_report_id_report')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dichotomous_data')),
    sa.UniqueConstraint('outcome_id', 'arm_id', 'variant', name=op.f('uq_dichotomous_data_outcome_id_arm_id_variant'))
    )
    op.create_index(op.f('ix_dichotomous_data_arm_id'), 'dichotomous_data', ['arm_id'], unique=False)
    op.create_index(op.f('ix_dichotomous_data_outcome_id'), 'dichotomous_data', ['outcome_id'], unique=False)
    op.create_index(op.f('ix_dichotomous_data_report_id'), 'dichotomous_data', ['report_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_dichotomous_data_report_id'), table_name='dichotomous_data')
    op.drop_index(op.f('ix_dichotomous_data_outcome_id'), table_name='dichotomous_data')
    op.drop_index(op.f('ix_dichotomous_data_arm_id'), table_name='dichotomous_data')
    op.drop_table('dichotomous_data')
    op.drop_index(op.f('ix_contrast_estimate_study_id'), table_name='contrast_estimate')
    op.drop_index(op.f('ix_contrast_estimate_report_id'), table_name='contrast_estimate')
    op.drop_index(op.f('ix_contrast_estimate_outcome_id'), table_name='contrast_estimate')
    op.drop_table('contrast_estimate')
    op.drop_index(op.f('ix_continuous_data_report_id'), table_name='continuous_data')
    op.drop_index(op.f('ix_continuous_data_outcome_id'), table_name='continuous_data')
    op.drop_index(op.f('ix_continuous_data_arm_id'), table_name='continuous_data')
    op.drop_table('continuous_data')
    op.drop_index(op.f('ix_screening_decision_record_id'), table_name='screening_decision')
    op.drop_table('screening_decision')
    op.drop_index(op.f('ix_report_study_id'), table_name='report')
    op.drop_index(op.f('ix_report_record_id'), table_name='report')
    op.drop_table('report')
    op.drop_index(op.f('ix_full_text_retrieval_record_id'), table_name='full_text_retrieval')
    op.drop_table('full_text_retrieval')
    op.drop_index(op.f('ix_duplicate_link_record_id'), table_name='duplicate_link')
    op.drop_index(op.f('ix_duplicate_link_other_record_id'), table_name='duplicate_link')
    op.drop_table('duplicate_link')
    op.drop_index(op.f('ix_duplicate_candidate_record_id'), table_name='duplicate_candidate')
    op.drop_index(op.f('ix_duplicate_candidate_other_record_id'), table_name='duplicate_candidate')
    op.drop_table('duplicate_candidate')
    op.drop_index(op.f('ix_rejected_record_import_batch_id'), table_name='rejected_record')
    op.drop_table('rejected_record')
    op.drop_index(op.f('ix_record_search_id'), table_name='record')
    op.drop_index(op.f('ix_record_import_batch_id'), table_name='record')
    op.drop_table('record')
    op.drop_table('subgroup_test')
    op.drop_table('subgroup_result')
    op.drop_table('study_result')
    op.drop_index(op.f('ix_published_result_analysis_id'), table_name='published_result')
    op.drop_table('published_result')
    op.drop_table('pooled_result')
    op.drop_index(op.f('ix_import_batch_search_id'), table_name='import_batch')
    op.drop_table('import_batch')
    op.drop_index(op.f('ix_study_attribute_study_id'), table_name='study_attribute')
    op.drop_table('study_attribute')
    op.drop_index(op.f('ix_seed_load_review_update_id'), table_name='seed_load')
    op.drop_table('seed_load')
    op.drop_index(op.f('ix_search_review_update_id'), table_name='search')
    op.drop_table('search')
    op.drop_index(op.f('ix_reported_flow_count_review_update_id'), table_name='reported_flow_count')
    op.drop_table('reported_flow_count')
    op.drop_index(op.f('ix_bias_judgement_study_id'), table_name='bias_judgement')
    op.drop_index(op.f('ix_bias_judgement_outcome_id'), table_name='bias_judgement')
    op.drop_table('bias_judgement')
    op.drop_index(op.f('ix_arm_study_id'), table_name='arm')
    op.drop_table('arm')
    op.drop_index(op.f('ix_analysis_run_review_update_id'), table_name='analysis_run')
    op.drop_index(op.f('ix_analysis_run_review_id'), table_name='analysis_run')
    op.drop_table('analysis_run')
    op.drop_index(op.f('ix_analysis_review_id'), table_name='analysis')
    op.drop_index(op.f('ix_analysis_outcome_id'), table_name='analysis')
    op.drop_table('analysis')
    op.drop_index(op.f('ix_study_review_id'), table_name='study')
    op.drop_table('study')
    op.drop_index(op.f('ix_review_update_review_id'), table_name='review_update')
    op.drop_table('review_update')
    op.drop_index(op.f('ix_outcome_review_id'), table_name='outcome')
    op.drop_table('outcome')
    op.drop_index(op.f('ix_eligibility_criterion_review_id'), table_name='eligibility_criterion')
    op.drop_table('eligibility_criterion')
    op.drop_index('ix_correction_target', table_name='correction')
    op.drop_index(op.f('ix_correction_review_id'), table_name='correction')
    op.drop_table('correction')
    op.drop_table('review')
    op.drop_table('ci_level')
    for table in SEQUENCE_TABLES:
        op.execute(sa.schema.DropSequence(sa.Sequence(f"{table}_id_seq")))
