"""OpenSLO v1 files → SLO definitions: the Prometheus subset that docs/slo.md documents.

A file is a YAML stream of documents. Each `SLO` becomes a SloDefinition; the `SLI`s and `DataSource`s
it names are looked up in the same stream; `Service` and the `Alert…` kinds are read and ignored.
Every problem is one SettingsError line, `<origin>: <SLO name or document N>: <field path> <reason>`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.errors import SettingsError
from bot.slo.models import PrometheusSource, SloDefinition
from bot.slo.openslo_fields import (
    _budgeting,
    _Invalid,
    _known,
    _mapping,
    _objective,
    _Ratio,
    _slicing,
    _string,
    _Threshold,
    _window,
)

API_VERSION = "openslo/v1"
IGNORED_KINDS = ("Service", "AlertPolicy", "AlertCondition", "AlertNotificationTarget")
KINDS = ("SLO", "SLI", "DataSource", *IGNORED_KINDS)

_SLO_FIELDS = {"description", "service", "indicator", "indicatorRef", "timeWindow", "budgetingMethod", "objectives"}
_IGNORED_SLO_FIELDS = {"alertPolicies"}  # the bot judges burn rates itself (bot/slo/math.py)
_SLI_FIELDS = {"description", "thresholdMetric", "ratioMetric"}
_RATIO_FIELDS = {"counter", "good", "bad", "total", "raw", "rawType"}


@dataclass(frozen=True)
class _Document:
    kind: str
    name: str
    metadata: dict[str, Any]
    spec: dict[str, Any]

    @property
    def label(self) -> str:
        return f"{self.kind} {self.name}"


@dataclass(frozen=True)
class _Query:
    query: str
    url: str


def load_openslo_file(path: Path, *, default_prometheus_url: str | None = None) -> list[SloDefinition]:
    """The SLOs one OpenSLO file defines; SettingsError naming the file if it is unreadable or invalid."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SettingsError(f"{path}: cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise SettingsError(f"{path}: is not UTF-8 text") from None
    return parse_openslo(text, origin=str(path), default_prometheus_url=default_prometheus_url)


def parse_openslo(text: str, *, origin: str, default_prometheus_url: str | None = None) -> list[SloDefinition]:
    """The SLOs an OpenSLO v1 YAML stream defines, in document order, with SLIs and DataSources resolved."""
    documents = _documents(text, origin)
    reader = _Reader(origin, documents, default_prometheus_url)
    return [reader.slo(document) for document in documents if document.kind == "SLO"]


def _documents(text: str, origin: str) -> list[_Document]:
    try:
        loaded = list(yaml.safe_load_all(text))
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" line {where.line + 1}" if where is not None else ""
        raise SettingsError(f"{origin}{line}: not valid YAML ({getattr(exc, 'problem', None) or exc})") from None
    documents: list[_Document] = []
    first_index: dict[tuple[str, str], int] = {}
    for index, data in enumerate(loaded, start=1):
        if data is None:  # an empty document, e.g. a trailing `---`
            continue
        try:
            document = _document(data)
        except _Invalid as exc:
            raise SettingsError(f"{origin}: document {index}: {exc}") from None
        if document is None:
            continue
        key = (document.kind, document.name)
        if key in first_index:
            raise SettingsError(
                f"{origin}: {document.label}: metadata.name is also used by document {first_index[key]}"
                f" (each {document.kind} needs its own name)"
            )
        first_index[key] = index
        documents.append(document)
    return documents


def _document(data: Any) -> _Document | None:
    """The document if it is an SLO, SLI or DataSource; None for the kinds that are ignored."""
    if not isinstance(data, dict):
        raise _Invalid("", "must be a mapping with apiVersion, kind, metadata and spec")
    version = data.get("apiVersion")
    if version != API_VERSION:
        raise _Invalid("apiVersion", f"must be {API_VERSION}, got {version!r}")
    kind = data.get("kind")
    if kind in IGNORED_KINDS:
        return None
    if kind not in KINDS:
        raise _Invalid("kind", f"must be one of {', '.join(KINDS)}, got {kind!r}")
    metadata = _mapping(data.get("metadata"), "metadata")
    name = _string(metadata.get("name"), "metadata.name")
    return _Document(kind, name, metadata, _mapping(data.get("spec"), "spec"))


class _Reader:
    """Turns SLO documents into SloDefinitions, resolving references within one stream."""

    def __init__(self, origin: str, documents: list[_Document], default_url: str | None) -> None:
        self.origin = origin
        self.default_url = default_url
        self.slis = {document.name: document for document in documents if document.kind == "SLI"}
        self.datasources = {document.name: document for document in documents if document.kind == "DataSource"}

    def _error(self, document: _Document, problem: Exception) -> SettingsError:
        return SettingsError(f"{self.origin}: {document.label}: {problem}")

    def slo(self, document: _Document) -> SloDefinition:
        try:
            fields, paths = self._fields(document)
        except _Invalid as exc:
            raise self._error(document, exc) from None
        try:
            return SloDefinition.model_validate(fields)
        except ValidationError as exc:
            error = exc.errors()[0]
            path = paths.get(str(error["loc"][0]), "spec") if error["loc"] else "spec"
            raise self._error(document, _Invalid(path, _reason(error))) from None

    def _fields(self, document: _Document) -> tuple[dict[str, Any], dict[str, str]]:
        """SloDefinition's fields, and the OpenSLO path each came from (to name it in errors)."""
        spec = document.spec
        _known(spec, _SLO_FIELDS | _IGNORED_SLO_FIELDS, "spec", "an SLO")
        service = _string(spec.get("service"), "spec.service")
        window = _window(spec.get("timeWindow"))
        method = _budgeting(spec.get("budgetingMethod"))
        objective, objective_path = _objective(spec.get("objectives"))
        indicator = self._indicator(spec)
        fields = {"name": document.name, "service": service, "window": window}
        fields["description"] = _description(document)
        fields |= indicator.fields(objective, _slicing(spec.get("objectives"), method, indicator))
        paths = {"name": "metadata.name", "service": "spec.service", "description": "spec.description"}
        paths |= {
            "window": "spec.timeWindow[0]",
            "budgeting": "spec.budgetingMethod",
            "objective": objective_path,
            "max_error_rate": objective_path,
        }
        return fields, paths

    def _indicator(self, spec: dict[str, Any]) -> _Ratio | _Threshold:
        inline, ref = spec.get("indicator"), spec.get("indicatorRef")
        if inline is not None and ref is not None:
            raise _Invalid("spec.indicatorRef", "cannot be used with spec.indicator: give one of them")
        if inline is not None:
            indicator = _mapping(inline, "spec.indicator")
            _known(indicator, {"apiVersion", "kind", "metadata", "spec"}, "spec.indicator", "an inline SLI")
            return self._sli(_mapping(indicator.get("spec"), "spec.indicator.spec"), "spec.indicator.spec")
        if ref is None:
            raise _Invalid("spec", "needs indicator (an inline SLI) or indicatorRef (the name of an SLI document)")
        name = _string(ref, "spec.indicatorRef")
        sli = self.slis.get(name)
        if sli is None:
            raise _Invalid("spec.indicatorRef", _unknown("SLI", name, self.slis))
        try:
            return self._sli(sli.spec, "spec")
        except _Invalid as exc:
            raise self._error(sli, exc) from None

    def _sli(self, spec: dict[str, Any], path: str) -> _Ratio | _Threshold:
        _known(spec, _SLI_FIELDS, path, "an SLI")
        if "thresholdMetric" in spec and "ratioMetric" in spec:
            raise _Invalid(f"{path}.thresholdMetric", "cannot be used with ratioMetric: give one of them")
        if "thresholdMetric" in spec:
            metric = self._query(spec["thresholdMetric"], f"{path}.thresholdMetric")
            return _Threshold(metric.query, metric.url)
        path += ".ratioMetric"
        ratio = _mapping(spec.get("ratioMetric"), path)
        _known(ratio, _RATIO_FIELDS, path, "a ratioMetric")
        if not isinstance(ratio.get("counter", False), bool):
            raise _Invalid(f"{path}.counter", "must be true or false")
        if "raw" in ratio:
            return self._raw(ratio, path)
        if "rawType" in ratio:
            raise _Invalid(f"{path}.rawType", "goes with raw: give raw, or good or bad with total")
        if "good" in ratio and "bad" in ratio:
            raise _Invalid(f"{path}.bad", "cannot be used with good: give one of them")
        if "good" not in ratio and "bad" not in ratio:
            raise _Invalid(path, "needs good or bad, with total (or raw, a ratio query)")
        part = "good" if "good" in ratio else "bad"
        numerator = self._query(ratio[part], f"{path}.{part}")
        total = self._query(ratio.get("total"), f"{path}.total")
        if total.url != numerator.url:
            reason = f"reads {total.url} but {part} reads {numerator.url}: both must query the same Prometheus"
            raise _Invalid(f"{path}.total.metricSource", reason)
        return _Ratio(is_bad=part == "bad", numerator=numerator.query, total=total.query, url=total.url)

    def _raw(self, ratio: dict[str, Any], path: str) -> _Ratio:
        """`raw` with `rawType: success` (good/total) or `failure` (bad/total), read per time slice."""
        for other in ("good", "bad", "total"):
            if other in ratio:
                raise _Invalid(f"{path}.{other}", "cannot be used with raw: raw is already the ratio")
        kind = ratio.get("rawType")
        if kind not in ("success", "failure"):
            raise _Invalid(f"{path}.rawType", f"must be success or failure, got {kind!r}")
        metric = self._query(ratio["raw"], f"{path}.raw")
        # The query is the ratio itself: its good (or bad) share of a total of one, per window or per slice.
        return _Ratio(is_bad=kind == "failure", numerator=metric.query, total="vector(1)", url=metric.url)

    def _query(self, metric: Any, path: str) -> _Query:
        _known(_mapping(metric, path), {"metricSource"}, path, "a metric")
        path += ".metricSource"
        source = _mapping(metric.get("metricSource"), path)
        _known(source, {"metricSourceRef", "type", "spec"}, path, "a metricSource")
        if "type" in source and not _is_prometheus(source["type"]):
            raise _Invalid(f"{path}.type", f"must be Prometheus, got {source['type']!r}")
        details = _mapping(source.get("spec"), f"{path}.spec")
        query = _string(details.get("query"), f"{path}.spec.query")
        # The most specific URL wins: the query's own, then its DataSource's, then the bot's default.
        if "url" in details:
            return _Query(query, _url(details["url"], f"{path}.spec.url"))
        if "metricSourceRef" in source:
            return _Query(query, self._datasource_url(source["metricSourceRef"], f"{path}.metricSourceRef"))
        if "type" not in source:
            raise _Invalid(path, "needs type: Prometheus, or a metricSourceRef naming a DataSource")
        if self.default_url is None:
            raise _Invalid(path, "has no Prometheus URL: give metricSourceRef (a DataSource) or spec.url")
        return _Query(query, _url(self.default_url, "the default Prometheus URL"))

    def _datasource_url(self, ref: Any, path: str) -> str:
        name = _string(ref, path)
        datasource = self.datasources.get(name)
        if datasource is None:
            raise _Invalid(path, _unknown("DataSource", name, self.datasources))
        kind = datasource.spec.get("type")
        if not _is_prometheus(kind):
            raise _Invalid(path, f"names DataSource {name!r} of type {kind!r}: only Prometheus is supported")
        try:
            details = _mapping(datasource.spec.get("connectionDetails"), "spec.connectionDetails")
            for key in ("url", "address"):
                if key in details:
                    return _url(details[key], f"spec.connectionDetails.{key}")
            raise _Invalid("spec.connectionDetails", "needs url (or address): the Prometheus server's http(s) URL")
        except _Invalid as exc:
            raise self._error(datasource, exc) from None


def _description(document: _Document) -> str:
    description = document.spec.get("description", document.metadata.get("displayName", ""))
    if not isinstance(description, str):
        raise _Invalid("spec.description" if "description" in document.spec else "metadata.displayName", "must be text")
    return description.strip()


def _url(value: Any, path: str) -> str:
    """An http(s) URL checked by PrometheusSource's own rule, so both agree."""
    try:
        return PrometheusSource.model_validate({"type": "prometheus", "url": value}).url
    except ValidationError as exc:
        raise _Invalid(path, _reason(exc.errors()[0])) from None


def _reason(error: Any) -> str:
    return str(error["msg"]).removeprefix("Value error, ")


def _is_prometheus(kind: Any) -> bool:
    return isinstance(kind, str) and kind.lower() == "prometheus"


def _unknown(kind: str, name: str, documents: dict[str, _Document]) -> str:
    known = f"{kind}s here: {', '.join(sorted(documents))}" if documents else f"there is no {kind} here"
    return f"names {kind} {name!r}, which is not defined in this file ({known})"
