"""Growth programmes: eligibility, tasks, rewards and budgets, from programme rulebooks.

Data flow: ``rulebooks/programs/<name>.yaml`` → :func:`load_programme` (checked, every problem
with file, line and key) → :func:`run_programme` reads shops, orders, logistics events,
after-sales and scores and writes ``program_tasks``, ``program_rewards`` and
``program_order_subsidies`` → the ledger posts the rewards (``ledger/rewards.py``) → the
report compares participants with matched non-participants (``programs/report.py``).
"""

from merchantry.programs.engine import ProgrammeRun, reward_id, run_programme
from merchantry.programs.rulebook import (
    COUPON_KINDS,
    REWARD_KINDS,
    TASK_KINDS,
    Programme,
    check_programme_file,
    load_programme,
    parse_programme,
    shipped_programmes,
)

__all__ = [
    "COUPON_KINDS",
    "REWARD_KINDS",
    "TASK_KINDS",
    "Programme",
    "ProgrammeRun",
    "check_programme_file",
    "load_programme",
    "parse_programme",
    "reward_id",
    "run_programme",
    "shipped_programmes",
]
