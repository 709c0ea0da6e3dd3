"""The schema: one module per part of a review. Importing this package registers every table."""

from .analyses import (
    Analysis,
    AnalysisRun,
    CumulativeResult,
    PooledResult,
    PublishedResult,
    StudyResult,
    SubgroupResult,
    SubgroupTest,
)
from .base import Base, metadata
from .bias import BiasJudgement
from .certainty import CertaintyAssessment
from .outcomes import CiLevel, ContinuousData, ContrastEstimate, DichotomousData, GenericEstimate, Outcome
from .review import EligibilityCriterion, Review, ReviewUpdate, SeedLoad
from .searching import (
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
from .studies import Arm, Correction, Report, Study, StudyAttribute

__all__ = [
    "Analysis", "AnalysisRun", "Arm", "CumulativeResult", "Base", "BiasJudgement", "CertaintyAssessment", "CiLevel", "ContinuousData", "GenericEstimate",
    "ContrastEstimate", "Correction", "DichotomousData", "DuplicateCandidate", "DuplicateLink",
    "EligibilityCriterion", "FullTextRetrieval", "ImportBatch", "Outcome", "RejectedRecord",
    "PooledResult", "PublishedResult", "Record", "Report", "ReportedFlowCount", "Review",
    "ReviewUpdate", "ScreeningDecision", "Search", "SeedLoad", "Study", "StudyAttribute",
    "StudyResult", "SubgroupResult", "SubgroupTest", "metadata",
]
