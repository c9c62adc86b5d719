"""Return diagnosis: why goods come back, per SKU and shop, and what each fix would save.

Data flow: ``data`` reads order counts and after-sales cases from the warehouse ->
``classify`` puts each case in a root cause (jieba + a linear model trained on the packaged
``lexicon``; an optional OpenAI-compatible endpoint in ``refine``) with quoted evidence ->
``stats`` tests refund, return and cause rates against the category (exact binomial tests with
Benjamini–Hochberg, and beta-binomial shrinkage) -> ``savings`` prices a fix for each flagged
cause in integer fen -> ``diagnosis`` assembles it; ``report`` renders it as HTML;
``evaluate`` measures it against planted truth and labelled public text. See docs/returns.md.
"""

from merchantry.returns.causes import CAUSES, Cause
from merchantry.returns.classify import Classification, classify_case, classify_texts
from merchantry.returns.diagnosis import ReturnDiagnosis, diagnose_returns

__all__ = [
    "CAUSES",
    "Cause",
    "Classification",
    "ReturnDiagnosis",
    "classify_case",
    "classify_texts",
    "diagnose_returns",
]
