"""Dependencies recorded while a page renders, and what an edit changes, in one vocabulary.

A page's dependencies are not declared: they are the reads it makes while it renders.
During one page's render (`recording()`), every lookup through the site's content and
derived data records a *key*:

- `("item", "measures", "huitian-2019-3")` — one entry of a mapping: `content.measures[k]`,
  `.get(k)`, `k in …`, and each entry met while iterating `.items()` or `.values()`;
- `("keys", "measures")` — which keys a mapping has, in which order (iterating it, `len`);
- `("attr", "bulletin", "title")` — one attribute of a single object such as the bulletin;
- `("query", "measures", args, kwargs)` — a call of a `Site` query method: its result
  as a whole (the query's own reads are not recorded one by one, its result stands for
  them); the entities in the result are recorded as items too.

`lookup(site, key)` is the value a key denotes in one build. A page read what its keys
denote, so an edit changes exactly the keys whose value differs between the site before
and the site after (`Changes`): one function answers "what does this page read" and
"what does this edit change". The model is made of frozen dataclasses, so "differs" is
equality. Derived data is read through the same keys (`("item", "assessments", id)`,
queries over statuses), so a programme's `as_of` edit changes its measures' assessments
and every page that showed them.

Lektor does the same with `Context.record_dependency` (files a render reads) and the
checksums of its virtual sources; here the "files" are model entities and the "virtual
sources" are queries, compared by their results.
"""

from __future__ import annotations

import dataclasses
import enum
import datetime as dt
import functools
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, NamedTuple

Key = tuple  # ("item", name, key) | ("keys", name) | ("attr", name, attr) | ("field", name) | ("query", …)

_reads: ContextVar[set | None] = ContextVar("bulletin_reads", default=None)


def record(key: Key) -> None:
    reads = _reads.get()
    if reads is not None:
        reads.add(key)


@contextmanager
def recording() -> Iterator[set]:
    """Collect the keys read inside the block (one page's render)."""
    reads: set = set()
    token = _reads.set(reads)
    try:
        yield reads
    finally:
        _reads.reset(token)


def kept_for_this_page(memo: dict, key: Hashable, compute: Callable[[], Any]) -> Any:
    """`compute()`, kept in `memo` while the same page is being rendered (the same recording):
    a second use by that page (its other file, e.g. a report's workbook) would record the
    same reads again, so it may take the first one's result. Outside a recording, or in
    another page's, it is worked out anew, so no page misses a read."""
    reads = _reads.get()
    hit = memo.get(key)
    if reads is not None and hit is not None and hit[0] is reads:
        return hit[1]
    value = compute()
    if any(entry[0] is not reads for entry in memo.values()):
        memo.clear()  # another page's: never to be used again
    memo[key] = (reads, value)
    return value


@contextmanager
def _not_recording() -> Iterator[None]:
    token = _reads.set(None)
    try:
        yield
    finally:
        _reads.reset(token)


# --- recording views of the model ------------------------------------------------------

class RecordedMap(Mapping):
    """A read-only mapping that records each key looked up, and its key set when iterated."""

    __slots__ = ("name", "data")

    def __init__(self, name: str, data: Mapping):
        self.name, self.data = name, data

    def __getitem__(self, key):
        record(("item", self.name, key))
        return self.data[key]

    def __contains__(self, key) -> bool:
        record(("item", self.name, key))
        return key in self.data

    def __iter__(self):
        record(("keys", self.name))
        return iter(self.data)

    def __len__(self) -> int:
        record(("keys", self.name))
        return len(self.data)

    def __repr__(self) -> str:
        return f"RecordedMap({self.name!r}, {len(self.data)} items)"


class RecordedObject:
    """A single model object (the bulletin) whose attribute reads are recorded one by one."""

    __slots__ = ("_name", "_target")

    def __init__(self, name: str, target: Any):
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_target", target)

    def __getattr__(self, attr: str):
        record(("attr", self._name, attr))
        return getattr(self._target, attr)

    def __setattr__(self, attr: str, value: Any):
        raise dataclasses.FrozenInstanceError(attr)

    def __eq__(self, other: object) -> bool:
        return self._target == (other._target if isinstance(other, RecordedObject) else other)

    def __hash__(self) -> int:
        return hash(self._target)

    def __repr__(self) -> str:
        return repr(self._target)


class RecordedSeq(Sequence):
    """A list field read as a whole."""

    __slots__ = ("name", "data")

    def __init__(self, name: str, data: Sequence):
        self.name, self.data = name, data

    def __getitem__(self, index):
        record(("field", self.name))
        return self.data[index]

    def __len__(self) -> int:
        record(("field", self.name))
        return len(self.data)


def recorded_fields(obj: Any) -> Any:
    """A copy of a dataclass (Content) whose mapping, list and object fields record their reads.

    The copy is still the same class, so its methods work and read through the
    recording fields. A field of any other kind cannot record: `unrecordable_fields`
    names them, and a test keeps that list empty."""
    changes = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if isinstance(value, Mapping):
            changes[f.name] = RecordedMap(f.name, value)
        elif isinstance(value, (list, tuple)):
            changes[f.name] = RecordedSeq(f.name, value)
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            changes[f.name] = RecordedObject(f.name, value)
    return dataclasses.replace(obj, **changes)


def unrecordable_fields(obj: Any) -> list[str]:
    """Fields of `obj` whose reads `recorded_fields` cannot record (plain numbers, strings, dates)."""
    def recordable(value: Any) -> bool:
        return isinstance(value, (Mapping, Sequence, RecordedObject)) and not isinstance(value, (str, bytes)) \
            or dataclasses.is_dataclass(value) and not isinstance(value, type)
    return [f.name for f in dataclasses.fields(obj) if not recordable(getattr(obj, f.name))]


def _raw(value: Any) -> Any:
    if isinstance(value, (RecordedMap, RecordedSeq)):
        return value.data
    if isinstance(value, RecordedObject):
        return object.__getattribute__(value, "_target")
    return value


# --- fingerprints: a value with every model entity replaced by its key ------------------

class Ref(NamedTuple):
    """An entity (a mapping entry of the content or of the derived data) by its key."""

    key: Key


class Struct(NamedTuple):
    type: str
    fields: tuple


class Unrecordable(TypeError):
    pass


_PLAIN = (type(None), bool, int, float, str, bytes, dt.date, enum.Enum)


def entity_index(sources: Mapping[str, Any]) -> dict[int, Key]:
    """Every dataclass held in these mappings, by identity → its item key."""
    index: dict[int, Key] = {}
    for name, mapping in sources.items():
        for key, value in _raw(mapping).items():
            if dataclasses.is_dataclass(value) and not isinstance(value, type):
                index[id(value)] = ("item", name, key)
    return index


# Exact types that are their own fingerprint: checked first, as most values are these.
_PLAIN_TYPES = frozenset({type(None), bool, int, float, str, bytes, dt.date})


@functools.lru_cache(maxsize=None)
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def fingerprint(value: Any, index: Mapping[int, Key], found: set | None = None) -> Any:
    """`value` as hashable data, entities as `Ref`s (collected into `found`)."""
    if type(value) in _PLAIN_TYPES:
        return value
    key = index.get(id(value))
    if key is not None:
        if found is not None:
            found.add(key)
        return Ref(key)
    kind = type(value)
    if kind is list or kind is tuple:  # the common containers, before the slower ABC checks below
        return tuple(fingerprint(v, index, found) for v in value)
    if kind is dict:
        return ("map", tuple((fingerprint(k, index, found), fingerprint(v, index, found)) for k, v in value.items()))
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, (RecordedMap, RecordedSeq, RecordedObject)):
        return fingerprint(_raw(value), index, found)
    if isinstance(value, Mapping):
        return ("map", tuple((fingerprint(k, index, found), fingerprint(v, index, found)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(fingerprint(v, index, found) for v in value)
    if isinstance(value, (set, frozenset)):
        return frozenset(fingerprint(v, index, found) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return Struct(type(value).__qualname__,
                      tuple(fingerprint(getattr(value, name), index, found) for name in _field_names(type(value))))
    raise Unrecordable(f"cannot fingerprint a {type(value).__name__}")


def _resolve(fp: Any, site: Any) -> Any:
    """The inverse of `fingerprint` for query arguments, against another build's site."""
    if isinstance(fp, Ref):
        kind, name, key = fp.key
        return site.collections()[name][key]  # KeyError when the entity is gone: the query changed
    if isinstance(fp, Struct):
        raise Unrecordable("a query argument that is not an entity cannot be looked up again")
    if isinstance(fp, tuple) and fp[:1] == ("map",):
        return {_resolve(k, site): _resolve(v, site) for k, v in fp[1]}
    if isinstance(fp, tuple):
        return [_resolve(v, site) for v in fp]
    return fp


# --- queries -----------------------------------------------------------------------

def recorded_queries(*, exclude: tuple[str, ...] = ()) -> Callable[[type], type]:
    """Class decorator: every public method (but `exclude`) records itself as a query.

    A new query method added to the class is recorded without further work. Arguments
    must be entities, plain values or lists of them; otherwise the call is not recorded
    as a query and the reads inside it are recorded one by one instead (still correct,
    only coarser)."""
    def decorate(cls: type) -> type:
        for name, func in list(vars(cls).items()):
            if name.startswith("_") or name in exclude or not callable(func):
                continue
            setattr(cls, name, _query(name, func))
        return cls
    return decorate


def _query(name: str, func: Callable) -> Callable:
    @functools.wraps(func)
    def query(self, *args, **kwargs):
        reads = _reads.get()
        if reads is None:
            return func(self, *args, **kwargs)
        index = self.entity_index()
        try:
            key = ("query", name, fingerprint(args, index), fingerprint(tuple(sorted(kwargs.items())), index))
            hash(key)
        except (Unrecordable, TypeError):
            return func(self, *args, **kwargs)
        with _not_recording():
            result = func(self, *args, **kwargs)
        reads.add(key)
        try:
            found: set = set()
            _results(self)[key] = fingerprint(result, index, found)  # kept: the next build compares with it
            reads |= found  # the entities it returns are read by the page
        except Unrecordable:
            reads.add(("always",))
        return result
    query.__recorded_query__ = True  # type: ignore[attr-defined]
    return query


def _results(site: Any) -> dict[Key, Any]:
    """The fingerprints of the query results worked out on `site` so far: a site does not change,
    so each is worked out once, when a page asks or when the next build compares with it."""
    return vars(site).setdefault("_query_results", {})


# --- what an edit changes ----------------------------------------------------------------

_MISSING = object()


def lookup(site: Any, key: Key) -> Any:
    """The value `key` denotes in `site` (a `Site`): what a page that recorded it has read."""
    kind = key[0]
    with _not_recording():
        if kind == "item":
            return _raw(site.collections().get(key[1], {})).get(key[2], _MISSING)
        if kind == "keys":
            return tuple(_raw(site.collections().get(key[1], {})))
        if kind == "attr":
            return getattr(_raw(getattr(site.content, key[1])), key[2], _MISSING)
        if kind == "field":
            return tuple(_raw(getattr(site.content, key[1])))
        if kind == "query":
            known = _results(site)
            if key not in known:
                _, name, args, kwargs = key
                result = getattr(site, name)(*_resolve(args, site), **dict(_resolve(kwargs, site)))
                known[key] = fingerprint(result, site.entity_index())
            return known[key]
    raise Unrecordable(f"unknown key {key!r}")


def same_content(before: Any, after: Any) -> bool:
    """Whether two builds' content (the dataclass a `Site` is made from) is the same, mappings
    in the same order: then every key denotes the same value in both, because a site and
    everything derived from it is a function of its content. Checking this first makes a
    rebuild after a save that changed nothing (or a touch) cost one comparison instead of
    working out every query again, which at 300 measures took 1.8 s."""
    def same(a: Any, b: Any) -> bool:
        a, b = _raw(a), _raw(b)
        if isinstance(a, Mapping) and isinstance(b, Mapping):
            return list(a.items()) == list(b.items())
        return a == b
    return type(before) is type(after) and all(
        same(getattr(before, f.name), getattr(after, f.name)) for f in dataclasses.fields(before))


class Changes:
    """The keys whose value differs between two builds' sites, worked out as they are asked for."""

    def __init__(self, before: Any, after: Any, templates: frozenset[str] = frozenset()):
        self.before, self.after = before, after
        self.templates = templates  # the template files changed between the two builds
        self._known: dict[Key, bool] = {}

    @functools.cached_property
    def same_content(self) -> bool:
        """Nothing but templates may have changed: the content is the same (`same_content`)."""
        return same_content(self.before.content, self.after.content)

    def __contains__(self, key: Key) -> bool:
        if key[0] == "template":  # ("template", name): recorded by the renderer as a page loads it
            return key[1] in self.templates
        if self.same_content:  # a save that changed nothing: no key can differ, and none is looked up again
            return False
        known = self._known.get(key)
        if known is None:
            try:
                known = lookup(self.before, key) != lookup(self.after, key)
            except Exception:  # cannot be looked up again (e.g. an argument is gone): changed
                known = True
            self._known[key] = known
        return known

    def any(self, keys) -> bool:
        return any(key in self for key in keys)

    @property
    def changed(self) -> set:
        """The keys asked about so far that changed (for tests and for explaining a rebuild)."""
        return {k for k, v in self._known.items() if v}
