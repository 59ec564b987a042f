"""The install as the plan says, retried once when it fails for a reason the build can remove:
a damaged file in pip's cache (the caches pip builds and downloads into are emptied), or a build
prerequisite pip's failure names that the plan did not know (learned, kept in the cache for the
next build: plan/learning.py, and planned first)."""

from __future__ import annotations

import re
import shutil

from pybuildpack import output
from pybuildpack.cache import pip as pipcache
from pybuildpack.context import Layout, Settings
from pybuildpack.environment.engine import Engine
from pybuildpack.environment.install import install_dependencies
from pybuildpack.environment.pipfailure import InstallFailed, missing_at_build
from pybuildpack.plan import learning
from pybuildpack.plan.model import Plan
from pybuildpack.plan.planner import knowledge_for, plan_for
from pybuildpack.plan.show import tell_plan
from pybuildpack.requirements.app import App
from pybuildpack.state import InstallStep, State

_DAMAGED_RE = re.compile(r"located at (?P<path>\S+) is invalid|BadZipFile|zipfile\.BadZipFile")


def install_planned(
    layout: Layout, app: App, settings: Settings, state: State, plan: Plan, engine: Engine
) -> tuple[list[InstallStep], Plan]:
    """Each phase of the plan (environment/install.py), and one retry, never more: after emptying
    a damaged pip cache, or with what pip's failure taught. What installed each step, and the plan
    that installed them."""
    tell_plan(plan, app.graph, app.source.install_command)
    try:
        return install_dependencies(layout, app.source, app.graph, plan, engine), plan
    except InstallFailed as failure:
        damaged = _discard_damaged_pip_cache(layout, failure.tail)
        lessons = [] if damaged else _lessons(layout, app, settings, failure)
        if damaged:
            output.step("pip's cache held a damaged file: it was emptied. Retrying")
        elif lessons:
            for lesson in lessons:
                output.step(f"{lesson.describe()}; retrying")
                output.info(f"pip said: {lesson.evidence}")
            plan = plan_for(layout, app, settings, state.python_version, state.default_index, lessons)
            tell_plan(plan, app.graph, app.source.install_command)
        else:
            raise
        steps = install_dependencies(layout, app.source, app.graph, plan, engine)
        learning.save(learning.kept_file(layout), lessons)
        return steps, plan


def _discard_damaged_pip_cache(layout: Layout, tail: list[str]) -> bool:
    """When pip failed on a damaged file of its own cache (a truncated wheel), empty the caches it
    builds and downloads into (pip keeps no checksum of them): True when there was one."""
    cache = pipcache.cache_dir(layout)
    if cache is None or not any(_DAMAGED_RE.search(line) for line in tail):
        return False
    for name in ("wheels", "http-v2"):
        shutil.rmtree(cache / name, ignore_errors=True)
    return True


def _lessons(layout: Layout, app: App, settings: Settings, failure: InstallFailed) -> list[learning.Lesson]:
    """What pip's failure teaches that the plan did not know already (nothing when learning is off)."""
    if not settings.detect:
        return []
    knowledge = knowledge_for(layout, settings)
    known = {(r.name, n) for r in knowledge.rules for n in r.needs}
    lessons = learning.explain(missing_at_build(failure.tail), app.graph, knowledge)
    return [lesson for lesson in lessons if (lesson.package, lesson.needs) not in known]
