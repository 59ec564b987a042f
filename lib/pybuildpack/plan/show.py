"""The install plan and the requirements graph as text, for the build log and bin/plan."""

from __future__ import annotations

from pybuildpack import output
from pybuildpack.plan.model import Plan
from pybuildpack.redact import redact
from pybuildpack.requirements.graph import Entry, Graph, display_path


def plan_lines(plan: Plan, graph: Graph, final: str) -> list[str]:
    root = graph.root
    lines: list[str] = []
    step = 1
    for prereq in plan.prerequisites:
        where = f" (asked for at {prereq.origin.show(root)})" if prereq.origin else " (not pinned by the app)"
        users = ", ".join(prereq.needed_by)
        lines.append(f"{step}. {prereq.spec} first{where}: needed to build {users}")
        step += 1
    for item in plan.deferred:
        lines.append(
            f"{step}. {redact(_shown(item.entry))} ({item.entry.origin.show(root)}) "
            f"without build isolation: {item.reason}"
        )
        step += 1
    if plan.ordered:
        lines.append(f"{step}. then {final}")
    else:
        lines.append(f"{final} (no package needs a build prerequisite first)")
    return lines + list(plan.notes)


def graph_lines(graph: Graph) -> list[str]:
    root = graph.root
    lines: list[str] = []
    for item in graph.files:
        kind = "constraints" if item.constraint else "requirements"
        via = f" (from {item.included_from.show(root)})" if item.included_from else ""
        lines.append(f"{display_path(item.path, root)}: {kind}{via}")
    for entry in graph.entries:
        tags = [entry.kind]
        if entry.editable:
            tags.append("editable")
        if entry.constraint:
            tags.append("constraint")
        if entry.from_package:
            tags.append(f"declared in {entry.from_package}")
        if entry.added_extras:
            tags.append(f"extras {', '.join(entry.added_extras)} added: BUILDPACK_INSTALL_EXTRAS")
        lines.append(f"  {entry.origin.show(root)}: {redact(entry.raw or entry.text)} [{', '.join(tags)}]")
    for dest, values in graph.options.items():
        shown = ", ".join(redact(v) for v in values if v) or "on"
        lines.append(f"  option {dest.replace('_', '-')}: {shown}")
    return lines


def _shown(entry: Entry) -> str:
    """A requirement as the plan shows it: as written, less its --hash options."""
    text = entry.raw or entry.text
    return " ".join(word for word in text.split() if not word.startswith("--hash")) if entry.hashes else text


def tell_plan(plan: Plan, graph: Graph, final: str, title: str = "Install plan") -> None:
    """The plan, as a step of the build log (final: how the last step installs)."""
    output.step(title)
    output.info("\n".join(plan_lines(plan, graph, final)))
