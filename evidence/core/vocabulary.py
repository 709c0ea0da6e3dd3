"""The closed vocabularies of a review: what a role, stage, measure or judgement may be.

One home for each word list: the file formats check input against them and the
store's schema turns them into CHECK constraints, so the two can never disagree.
"""

# Searching and screening (schema/searching.py).
SCREENING_STAGES = ("title_abstract", "full_text")
DECISIONS = ("include", "exclude", "maybe")
SCREENING_ROLES = ("screener", "resolver")
# How many screeners decide a record at a stage: one, or two who agree (else a resolver).
SCREENING_MODES = ("single", "dual")
RECORD_FORMATS = ("ris", "medline", "csv")
DUPLICATE_ACTIONS = ("link", "unlink", "distinct")
DUPLICATE_METHODS = ("doi", "pmid", "rules", "manual", "screening")
# PRISMA 2020 boxes, by the field names of the PRISMA2020 R package.
FLOW_STAGES = (
    "database_results",
    "register_results",
    "other_results",
    "duplicates",
    "excluded_automatic",
    "excluded_other",
    "records_screened",
    "records_excluded",
    "dbr_sought_reports",
    "dbr_notretrieved_reports",
    "dbr_assessed",
    "dbr_excluded",
    "new_studies",
    "new_reports",
    "previous_studies",
    "previous_reports",
)

# The review's protocol (schema/review.py).
# How many extractors give each value: one, or two whose values are compared (else a resolver decides).
EXTRACTION_MODES = ("single", "dual")
# The sheets of an extraction workbook (and the files of its CSV form), one per kind of data.
EXTRACTION_SHEETS = ("studies", "arms", "dichotomous", "continuous", "estimates", "risk_of_bias")
ELIGIBILITY_KINDS = ("design", "population", "intervention", "comparator", "outcome", "language", "exclusion", "other")
BIAS_TOOLS = ("RoB 1", "RoB 2")

# Studies, reports and arms (schema/studies.py).
STUDY_STATUSES = ("included", "excluded", "awaiting", "ongoing")
REPORT_KINDS = ("journal", "abstract", "regulatory", "press", "registry", "web", "other")
# An arm's role in the comparisons an analysis makes: each experimental arm against each control arm.
ARM_ROLES = ("experimental", "control")
# The characteristics a review declares (schema/studies.py, attribute_definition): of a study or of an arm,
# each of one kind: a whole number (a count of participants), a number, a percentage (0 to 100), or text.
ATTRIBUTE_LEVELS = ("study", "arm")
ATTRIBUTE_KINDS = ("integer", "number", "percent", "text")

# Outcomes and their data (schema/outcomes.py).
OUTCOME_KINDS = ("dichotomous", "time_to_event", "continuous")
MEASURES = ("RR", "OR", "RD", "PETO", "HR", "MD", "SMD", "GENERIC")
CONTRAST_MEASURES = ("HR", "OR", "RR")
# Generic inverse-variance estimates on a difference scale; ratios are contrast estimates.
GENERIC_MEASURES = ("MD", "SMD", "RD", "GENERIC")
DIRECTIONS = ("higher_is_better", "lower_is_better")
CATEGORIES = ("efficacy", "safety", "other")

# The analysis plan (schema/analyses.py).
FIXED_METHODS = ("MH", "IV", "PETO")
MODEL_CHOICES = ("rule", "fixed", "random")
MODELS = ("fixed", "random")

# Risk of bias (schema/bias.py).
ROB1_DOMAINS = (
    "random_sequence_generation",
    "allocation_concealment",
    "blinding_participants_personnel",
    "blinding_outcome_assessment",
    "incomplete_outcome_data",
    "selective_reporting",
    "other_bias",
)
# RoB 2's "Some concerns" is stored as unclear (the middle level of both tools).
JUDGEMENTS = ("low", "unclear", "high")
# RoB 2's optional predicted direction of bias, per domain.
BIAS_DIRECTIONS = ("favours experimental", "favours comparator", "towards null", "away from null", "unpredictable")

# GRADE (schema/certainty.py).
DESIGNS = ("randomised", "non-randomised")
# Downgrading domains: not serious (0), serious (-1), very serious (-2).
DOMAIN_LEVELS = ("not serious", "serious", "very serious")
DOMAINS = ("risk_of_bias", "inconsistency", "indirectness", "imprecision")
# Publication bias: undetected (0) or strongly suspected (-1).
PUBLICATION_BIAS_LEVELS = ("undetected", "strongly suspected")
# Upgrading factors (non-randomised evidence only): large effect +1, very large +2; the others +1.
LARGE_EFFECT_LEVELS = ("no", "large", "very large")
PRESENT = ("no", "yes")
UPGRADES = ("large_effect", "dose_response", "plausible_confounding")
