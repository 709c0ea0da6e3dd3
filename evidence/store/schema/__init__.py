"""The schema: one module per part of a review. Importing this package registers every table."""

from evidence.store.schema.analyses import (
    Analysis,
    AnalysisComparison,
    AnalysisRun,
    CumulativeResult,
    PooledResult,
    PublishedResult,
    StudyResult,
    SubgroupResult,
    SubgroupTest,
)
from evidence.store.schema.base import Base, metadata
from evidence.store.schema.bias import BiasJudgement
from evidence.store.schema.certainty import CertaintyAssessment
from evidence.store.schema.extraction import ExtractedValue, ExtractionFormOutcome, ExtractionResolution
from evidence.store.schema.outcomes import (
    CiLevel,
    ContinuousData,
    ContrastEstimate,
    DichotomousData,
    GenericEstimate,
    Outcome,
)
from evidence.store.schema.review import (
    EligibilityCriterion,
    ExclusionReason,
    ProtocolEdit,
    Review,
    ReviewUpdate,
    SeedLoad,
)
from evidence.store.schema.searching import (
    DuplicateCandidate,
    DuplicateLink,
    FullTextRetrieval,
    ImportBatch,
    Record,
    RejectedRecord,
    ReportedFlowCount,
    ScreeningDecision,
    Search,
)
from evidence.store.schema.studies import (
    Arm,
    ArmAttribute,
    AttributeDefinition,
    Correction,
    Report,
    Study,
    StudyAttribute,
)

__all__ = [
    "Analysis", "AnalysisComparison", "AnalysisRun", "Arm", "ArmAttribute", "AttributeDefinition", "CumulativeResult", "Base", "BiasJudgement", "CertaintyAssessment", "CiLevel", "ContinuousData", "GenericEstimate",
    "ContrastEstimate", "Correction", "DichotomousData", "DuplicateCandidate", "DuplicateLink",
    "EligibilityCriterion", "ExclusionReason", "ExtractedValue", "ExtractionFormOutcome", "ExtractionResolution", "FullTextRetrieval", "ImportBatch", "Outcome", "RejectedRecord",
    "PooledResult", "ProtocolEdit", "PublishedResult", "Record", "Report", "ReportedFlowCount", "Review",
    "ReviewUpdate", "ScreeningDecision", "Search", "SeedLoad", "Study", "StudyAttribute",
    "StudyResult", "SubgroupResult", "SubgroupTest", "metadata",
]
