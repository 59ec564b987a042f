"""The cached environment: CACHE_DIR/python/env is a symlink to env-TOKEN/, which holds venv/, the
environment as the last successful build left it, meta.json (the fingerprint and what is
installed) and manifest.json (every file's size, modification time and sha256: a restore checks
the sizes and times, and after the hooks ran every file written since the restore is checked by
its content, so that a file edited in place, in the cache or in a slug that shares it, reaches
no later build). A file's sha256 is its distribution's RECORD's when the installer wrote both
and the build did not write the file since (its size the recorded one, its modification time
not after the RECORD's: tree.manifest's vouched), else read from the file (bytecode, the RECORDs
themselves, what the build rewrote). A RECORD wrong about a file (a malformed wheel) can only
make a later build discard the cache needlessly (the file found to differ once a hook touched
it) and the bytecode store forget a module's .pyc (compiled again); never a changed file kept.
Saving writes a new env-TOKEN/ and swaps the symlink, so an interrupted save leaves the previous
cache intact; after a sync, the entry is updated in place with the symlink taken away meanwhile
(update). The environment's tree is kept as the runtime's is (cache/tree.py's Kept: one
protocol).

The build's side: install saves the environment (save_environment, before any hook runs); the
slug shares the cache's files from decide on (mark_shared), and finish drops from the cache what
the build's own code wrote into them since (check_shared)."""

from __future__ import annotations

import json
import os
import shutil
import threading
import uuid
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from pybuildpack import output
from pybuildpack.cache import bytecode, entries, tree
from pybuildpack.cache import layers as layers_mod
from pybuildpack.context import LAYER_ENV, LAYER_RUNTIME, Layout
from pybuildpack.faults import checkpoint
from pybuildpack.state import State

FORMAT = 3  # 2: libraries are objects, not bin/compile's tab-separated lines; 3: sha256 in the manifest


@dataclass
class Meta:
    fingerprint: str
    inputs: dict[str, str]
    installed: list[list[str]] = field(default_factory=list)  # [[name, version], ...]
    libraries: list[dict[str, str]] = field(default_factory=list)  # the native libraries (state.LibraryUse)
    format: int = FORMAT

    @classmethod
    def from_json(cls, text: str) -> Meta:
        return cls.from_dict(json.loads(text))

    @classmethod
    def from_dict(cls, data: object) -> Meta:
        if not isinstance(data, dict):
            raise ValueError("not an object")
        if isinstance(data.get("format"), int) and data["format"] != FORMAT:
            raise OtherFormat(str(data["format"]))
        if data.get("format") != FORMAT:
            raise ValueError("no format")
        unknown = set(data) - {f.name for f in fields(cls)}
        if unknown:  # as State.read: a field this version does not know is not ours to drop
            raise ValueError(f"unknown fields: {', '.join(sorted(unknown))}")
        meta = cls(
            fingerprint=str(data["fingerprint"]),
            inputs={str(k): str(v) for k, v in dict(data["inputs"]).items()},
            installed=[[str(n), str(v)] for n, v in data["installed"]],
            libraries=[{str(k): str(v) for k, v in dict(item).items()} for item in data["libraries"]],
        )
        return meta


class CacheDamaged(Exception):
    pass


class OtherFormat(ValueError):
    """The metadata of another version of the buildpack."""


def _kept(entry: Path) -> tree.Kept:
    """An entry's environment: its venv/, with manifest.json beside it."""
    return tree.Kept(entry / "venv", entry / "manifest.json")


def _link(state: Path) -> Path:
    return state / "env"


def _current(state: Path) -> Path | None:
    """The env-TOKEN directory the env symlink names; None unless it is one, in the cache (a link
    that leads anywhere else is never followed: nothing outside the cache is read or removed)."""
    link = _link(state)
    if not link.is_symlink():
        return None
    name = os.readlink(link)
    target = state / name
    if "/" in name or not name.startswith("env-") or target.is_symlink() or not target.is_dir():
        return None
    return target


def clean_strays(state: Path) -> None:
    """Remove env-* directories no symlink points at (left by interrupted saves or restores)."""
    current = _current(state)
    for path in state.glob("env-*"):
        if path.is_symlink():
            path.unlink()
        elif current is None or path != current:
            shutil.rmtree(path, ignore_errors=True)


def _read(entry: Path) -> tuple[Meta, tree.Manifest]:
    """An entry's metadata and manifest; CacheDamaged when either is unusable."""
    try:
        meta = Meta.from_json((entry / "meta.json").read_text())
    except FileNotFoundError as exc:
        raise CacheDamaged("its metadata file is missing") from exc
    except OtherFormat as exc:
        raise CacheDamaged("it was saved by another version of the buildpack") from exc
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CacheDamaged("its metadata file is unreadable") from exc
    manifest = _kept(entry).expected()
    if manifest is None:
        raise CacheDamaged("its file list is missing or unreadable")
    if not (entry / "venv" / "pyvenv.cfg").is_file():
        raise CacheDamaged("it has no pyvenv.cfg")
    return meta, manifest


def restore(state: Path, target: Path) -> tuple[Meta | None, str]:
    """Put the cached environment at target: hard links to the cache's files (nothing of ours edits
    them in place), so that an unchanged environment costs no copy and the cache keeps it; every
    file's size and time checked against the manifest while cp links (a copy across filesystems).
    (meta, "") or (None, why nothing was restored)."""
    clean_strays(state)
    entry = _current(state)
    if entry is None:
        return None, "no cached environment"
    try:
        meta, manifest = _read(entry)
        if target.exists():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        damage = _kept(entry).restore(target, manifest)
        if damage is not None:
            raise CacheDamaged(damage)
    except CacheDamaged as exc:
        discard(state)
        return None, f"the cached environment is damaged ({exc}); discarded"
    return meta, ""


def restore_layer(layers: Path, env: Path) -> tuple[Meta | None, str]:
    """The environment's layer (CNB): (its metadata, "") when the lifecycle restored it whole; else
    (None, why), with whatever is left of it removed."""
    found = layers_mod.metadata(layers, env.name)
    if not env.is_dir():
        layers_mod.drop(layers, env.name)
        # (metadata without the layer: the previous image's, with no build cache to restore from)
        return None, "no cached environment" if found is None else "no cached environment (no build cache)"
    try:
        if found is None:
            raise CacheDamaged("its metadata is missing")
        try:
            meta = Meta.from_dict({key: value for key, value in found.items() if key != layers_mod.SIZE})
        except OtherFormat as exc:
            raise CacheDamaged("it was saved by another version of the buildpack") from exc
        except (ValueError, KeyError, TypeError) as exc:
            raise CacheDamaged("its metadata is unreadable") from exc
        if not (env / "pyvenv.cfg").is_file():
            raise CacheDamaged("it has no pyvenv.cfg")
    except CacheDamaged as exc:
        layers_mod.drop(layers, env.name)
        return None, f"the cached environment is damaged ({exc}); discarded"
    return meta, ""


class Restoring:
    """restore(state, target) in a thread from the start of a build's first run, so that a warm
    build's copy overlaps reading the app, choosing the version and putting the runtime in place.
    result() waits for it; without a cache it is (None, "no cache") at once. Used as a context
    manager, it is waited for however the run ends (nothing copies into the build afterwards)."""

    @classmethod
    def for_layout(cls, layout: Layout) -> Restoring:
        """The slug's copy from CACHE_DIR, or with layers the environment's layer as the lifecycle
        restored it (in place: nothing to copy, its metadata read at once)."""
        if layout.layers is None:
            return cls(layout.cache, layout.env)
        restoring = cls(None, layout.env)
        restoring._outcome = restore_layer(layout.layers, layout.env)
        return restoring

    def __init__(self, state: Path | None, target: Path) -> None:
        self._outcome: tuple[Meta | None, str] = (None, "no cache")
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        if state is not None:
            self._thread = threading.Thread(target=self._run, args=(state, target), name="restore")
            self._thread.start()

    def _run(self, state: Path, target: Path) -> None:
        try:
            self._outcome = restore(state, target)
        except BaseException as exc:  # raised where result() is called
            self._error = exc

    def result(self) -> tuple[Meta | None, str]:
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise self._error
        return self._outcome

    def __enter__(self) -> Restoring:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._thread is not None:
            self._thread.join()


def current_fingerprint(state: Path) -> str | None:
    entry = _current(state)
    if entry is None:
        return None
    try:
        return Meta.from_json((entry / "meta.json").read_text()).fingerprint
    except (OSError, ValueError, KeyError, TypeError):
        return None


def layer_meta(state: State, installed: dict[str, str]) -> dict[str, object]:
    """The environment layer's metadata (CNB): the cached environment's meta.json, as a table."""
    listed = sorted([name, version] for name, version in installed.items())
    return asdict(Meta(state.fingerprint, state.inputs, listed, [asdict(use) for use in state.libraries]))


def check_touched(state: Path, since: Path) -> str | None:
    """After the build's own code ran (collectstatic, the hooks): the cached environment discarded
    when a file of it was written since the file since was made (tree.touched_since): why, or None."""
    entry = _current(state)
    why = _kept(entry).touched_since(since) if entry is not None else None
    if why is not None:
        discard(state)
    return why


def discard(state: Path) -> None:
    entry = _current(state)
    link = _link(state)
    if link.is_symlink() or link.exists():
        link.unlink()
    if entry is not None:
        shutil.rmtree(entry, ignore_errors=True)


def update(state: Path, venv: Path, meta: Meta, vouched: tree.Vouched | None = None) -> set[str]:
    """Put venv into the cache when it was restored from the current entry and then changed (a
    sync): the entry is brought up to date in place (only what changed is linked or removed).
    The env symlink is taken away first, so an interrupted update leaves no cached environment
    (the entry is a stray the next build removes), never a half-updated one."""
    entry = _current(state)
    if entry is None:
        return save(state, venv, meta, vouched=vouched)
    known = _kept(entry).expected() or {}
    _link(state).unlink()
    for relative in tree.update_links(venv, entry / "venv"):
        known.pop(relative, None)  # put afresh: hashed again
    checkpoint("save")
    saved = _write_metadata(entry, meta, known, vouched)
    checkpoint("save-swap")
    _point_link_at(state, entry, uuid.uuid4().hex[:12])
    return saved


def _write_metadata(
    entry: Path, meta: Meta, known: tree.Manifest | None = None, vouched: tree.Vouched | None = None
) -> set[str]:
    """An entry's manifest (of its venv/ as it is now; known, vouched: tree.manifest's) and
    meta.json; the sha256 of every file of it."""
    saved = _kept(entry).write_manifest(known, vouched)
    (entry / "meta.json").write_text(json.dumps(asdict(meta), indent=1, sort_keys=True))
    return saved


def _point_link_at(state: Path, entry: Path, token: str) -> None:
    """The env symlink swapped to name entry at once (a new link renamed over it)."""
    tmp_link = state / f"env.{token}.link"
    os.symlink(entry.name, tmp_link)
    os.replace(tmp_link, _link(state))


def begin_save(state: Path, venv: Path, skip: frozenset[str] = frozenset({"__pycache__"})) -> Path:
    """Start a new entry: venv's tree linked into a partial entry (env-TOKEN.partial/, a stray
    until save finishes it), but for its bytecode (__pycache__/), which may still be being
    written. Returns the partial entry, for save."""
    partial = tree.partial_of(state / f"env-{uuid.uuid4().hex[:12]}")
    try:
        partial.mkdir(parents=True)
        tree.update_links(venv, partial / "venv", skip=skip)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return partial


def save(
    state: Path, venv: Path, meta: Meta, partial: Path | None = None, vouched: tree.Vouched | None = None
) -> set[str]:
    """Put venv into the cache with its metadata, atomically replacing the previous entry (partial:
    begin_save's start of it, brought up to date here); the sha256 of every file it saved."""
    started = partial is not None
    partial = partial if partial is not None else begin_save(state, venv, skip=frozenset())
    final = state / partial.name.removesuffix(".partial")

    def complete() -> set[str]:
        if started:
            tree.update_links(venv, partial / "venv")  # what changed since begin_save, and the bytecode
        checkpoint("save")
        return _write_metadata(partial, meta, vouched=vouched)

    saved = tree.save_partial(partial, final, complete)
    checkpoint("save-swap")
    previous = _current(state)
    _point_link_at(state, final, final.name.removeprefix("env-"))
    if previous is not None and previous.resolve() != final.resolve():
        shutil.rmtree(previous, ignore_errors=True)
    return saved


def shared_mark(layout: Layout) -> Path:
    """A file made when the slug starts sharing the cache's files (mark_shared): what is written
    into them after it, the cache checks by content (check_shared)."""
    return layout.work / "shared-since"


def mark_shared(layout: Layout) -> None:
    mark = shared_mark(layout)
    mark.unlink(missing_ok=True)
    mark.touch()


def say_discarded(why: str) -> None:
    """The cached environment is dropped for what the build's own code wrote into it."""
    output.step(f"Discarding the cached environment: {why} (by collectstatic or a hook)")
    output.info("The next build makes a fresh one; this build is not affected.")


def _app_code_ran(layout: Layout) -> bool:
    """Whether the app's own code can have run since mark_shared: the app has a bin/post_compile
    (lib/hooks.sh runs it when it is a file), or collectstatic ran (WORK_DIR/collectstatic names a
    manage.py: webapp/django.py's hand_collectstatic). bin/pre_compile ran before the mark, and
    what it left running was stopped when it ended."""
    from pybuildpack.webapp.django import COLLECTSTATIC_FILE

    if (layout.app / "bin" / "post_compile").is_file():
        return True
    try:
        return bool((layout.work / COLLECTSTATIC_FILE).read_text().strip())
    except OSError:
        return True  # (not known: looked at)


def written_layers(layout: Layout) -> dict[str, str]:
    """CNB: the layers used in place (the environment's, the runtime's) that the build's own code
    (collectstatic, the hooks) wrote into since mark_shared: their names and why. The image keeps
    what they wrote; the cache must not (launch.py writes them without the cache type), or the
    next build would reuse it after the hook is gone. When none of that code ran, nothing is
    walked (the environment's layer holds 16,600 files in the bench app: 0.03 s of CPU)."""
    if layout.layers is None or not _app_code_ran(layout):
        return {}
    mark = shared_mark(layout)
    found = {}
    for name, root in ((LAYER_ENV, layout.env), (LAYER_RUNTIME, layout.runtime)):
        why = tree.written_since(root, mark) if root.is_dir() else None
        if why is not None:
            found[name] = why
    return found


def check_shared(layout: Layout, environment: str) -> None:
    """After collectstatic and the hooks: the cached environment and runtime tree, which the slug
    shares (hard links), lose what the build's own code wrote into them (even with its size and
    time put back), so that it reaches no later build. environment: decide's (state.py). Since
    the mark, only collectstatic and the hooks ran, but in a sync (the install, with the build
    scripts of what it built, ran after decide's mark): when neither ran, nothing is walked (the
    bench app's 11,900 files and two manifests read: about 0.06 s of CPU)."""
    cache = layout.cache
    if cache is None or layout.layers is not None:  # (a layer is the environment: nothing is shared)
        return
    if environment != "sync" and not _app_code_ran(layout):
        return
    why = check_touched(cache, shared_mark(layout))
    if why is not None:
        say_discarded(why)
    for kept in entries.path(cache, "runtime-tree").glob("*"):
        if tree.Kept.holding_its_manifest(kept).touched_since(shared_mark(layout)) is not None:
            shutil.rmtree(kept, ignore_errors=True)  # the next build unpacks the (checked) archive


def tidy_after_build(layout: Layout, environment: str) -> None:
    """After a successful build: what its own code wrote into files shared with the cache dropped
    (check_shared; environment: decide's), and what the cache table does not know removed
    (entries.remove_unknown)."""
    check_shared(layout, environment)
    if layout.cache is not None:
        entries.remove_unknown(layout.cache)


def begin_saving(layout: Layout, state: State) -> Path | None:
    """Start putting a fresh environment into the cache while its bytecode is still being compiled
    (all of it but its __pycache__ directories); None when there is nothing to start."""
    if layout.cache is None or layout.layers is not None or state.environment != "fresh":
        return None
    try:
        return begin_save(layout.cache, layout.env)
    except OSError:
        return None  # save_environment tries again, and says why it can't


def save_environment(
    layout: Layout,
    state: State,
    installed: dict[str, str],
    started: Path | None = None,
    vouched: tree.Vouched | None = None,
) -> None:
    """The environment as install left it (installed: what it holds), into the cache (started:
    begin_saving's): before collectstatic and the app's hooks run, so that what they change is
    never replayed by a later build (and what they edit in place, the next build's check of every
    file's content notices). The bytecode store then keeps only what the saved entry holds. With
    layers, the environment's layer is what the lifecycle keeps: its metadata is written by finish
    (launch.py), nothing is copied. vouched: the sha256 the environment's RECORDs give of the
    files the installers wrote (environment/metadata.py's recorded_digests), taken for a file the
    build has not written since instead of reading it (tree.manifest)."""
    cache = layout.cache
    if cache is None:
        return
    if layout.layers is not None:
        if state.environment != "reuse":  # the store keeps what the layer holds
            kept = tree.digests_of_modules(layout.env, vouched)
            bytecode.prune(entries.path(cache, "bytecode"), kept)
        mark_shared(layout)  # what is written into the layers from here on is the app's code's
        return
    if state.environment == "reuse" and current_fingerprint(cache) == state.fingerprint:
        return  # the cache holds this environment already
    listed = sorted([name, version] for name, version in installed.items())
    meta = Meta(state.fingerprint, state.inputs, listed, [asdict(use) for use in state.libraries])
    try:
        if state.environment == "sync":
            saved = update(cache, layout.env, meta, vouched)  # only what the sync changed
        else:
            saved = save(cache, layout.env, meta, started, vouched)
        bytecode.prune(entries.path(cache, "bytecode"), saved)
    except OSError as exc:
        output.warning(
            [
                f"Could not save the environment to the build cache: {_why(exc)}",
                "This build is fine; the next one starts without a cached environment.",
            ]
        )
    if state.environment == "fresh":
        mark_shared(layout)  # a fresh environment shares nothing with the cache before it is saved


def _why(exc: OSError) -> str:
    """One short line for a failed save (shutil.Error holds one message per file it could not copy)."""
    if isinstance(exc, shutil.Error) and exc.args and isinstance(exc.args[0], list) and exc.args[0]:
        first = exc.args[0][0]
        reason = str(first[-1]) if isinstance(first, tuple) else str(first)
        return f"{reason} (and {len(exc.args[0]) - 1} more files)" if len(exc.args[0]) > 1 else reason
    text = exc.strerror or str(exc)
    return text if len(text) <= 200 else text[:200] + "..."
