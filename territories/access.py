"""What a user may do with territory plans: named predicates, each correct on its own.

Seeing a plan (404 outside the scope) is the selectors' job; these answer the 403 questions and tell
templates which buttons to show. Roles come from `mentors.access`.
"""

from mentors.access import access_for

from .models import TerritoryPlan


def can_view_plans(user) -> bool:
    """Plans are the office's business: admins, staff and superusers; readers read them."""
    return access_for(user).sees_regencies


def can_create_plan(user) -> bool:
    return access_for(user).is_admin


def can_manage_plans_of(user, regency_id: int) -> bool:
    return access_for(user).manages(regency_id)


def can_edit_plan(user, plan: TerritoryPlan) -> bool:
    """Change a draft (territories, villages, proposal, import, publish, discard): an admin of its regency.
    A published plan is never changed."""
    return plan.is_draft and access_for(user).manages(plan.regency_id)


def can_withdraw_plan(user, plan: TerritoryPlan) -> bool:
    """Take a scheduled plan back to a draft before its date: an admin of its regency. (A plan already in force,
    or a draft, has nothing to withdraw: the service says so.)"""
    return access_for(user).manages(plan.regency_id)


def can_compare_plans(plan: TerritoryPlan, other: TerritoryPlan) -> bool:
    return plan.regency_id == other.regency_id
