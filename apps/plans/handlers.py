"""Plans answers the hooks of the apps below it (``apps.core.hooks``); imported by ``PlansConfig.ready``."""

from apps.alerts.support import own_safety_plan_url
from apps.insights.selectors import daily_factors
from apps.notes.services.live import plan_goals
from apps.plans.selectors import coping_log_daily_factors, safety_plan_own_url, treatment_plan_goal_texts

own_safety_plan_url.register(safety_plan_own_url)
daily_factors.register(coping_log_daily_factors)
plan_goals.register(treatment_plan_goal_texts)
