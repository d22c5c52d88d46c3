"""OpenSLO v1 files → SLO definitions: the Prometheus subset that docs/slo.md documents.

A file is a YAML stream of documents, each an object or a list of objects. Each `SLO` becomes a
SloDefinition; the `SLI`s, `DataSource`s and alert objects it names are looked up among the objects of
every file read together (bot/slo/openslo_files.py reads directories); `Service`s are read and ignored.
Every object is checked, named or not, and every problem is one line of the SettingsError,
`<origin>: <object kind and name, or document N>: <field path> <reason>`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot.errors import SettingsError
from bot.slo.models import PrometheusSource, SloDefinition
from bot.slo.openslo_alerts import AlertReader
from bot.slo.openslo_documents import duplicates, read_documents
from bot.slo.openslo_fields import Document as _Document
from bot.slo.openslo_fields import Invalid as _Invalid
from bot.slo.openslo_fields import known as _known
from bot.slo.openslo_fields import mapping as _mapping
from bot.slo.openslo_fields import string as _string
from bot.slo.openslo_fields import unknown
from bot.slo.openslo_mapping import _budgeting, _objective, _Ratio, _slicing, _Threshold, _window

PROMETHEUS_ONLY = "is not supported: oncall-bot measures SLIs from Prometheus only (type: Prometheus)"

_SLO_FIELDS = {"description", "service", "indicator", "indicatorRef", "timeWindow", "budgetingMethod", "objectives"}
_IGNORED_SLO_FIELDS = {"alertPolicies"}  # read by AlertReader (bot/slo/openslo_alerts.py), not by _fields
_SLI_FIELDS = {"description", "thresholdMetric", "ratioMetric"}
_RATIO_FIELDS = {"counter", "good", "bad", "total", "raw", "rawType"}


@dataclass(frozen=True)
class _Query:
    query: str
    url: str


def load_openslo_file(path: Path, *, default_prometheus_url: str | None = None) -> list[SloDefinition]:
    """The SLOs one OpenSLO file defines; SettingsError naming the file if it is unreadable or invalid."""
    return parse_openslo(read_text(path), origin=str(path), default_prometheus_url=default_prometheus_url)


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SettingsError(f"{path}: cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise SettingsError(f"{path}: is not UTF-8 text") from None


def parse_openslo(text: str, *, origin: str, default_prometheus_url: str | None = None) -> list[SloDefinition]:
    """The SLOs an OpenSLO v1 YAML stream defines, in document order, with SLIs and DataSources resolved."""
    documents, problems = read_documents(text, origin)
    return resolve(documents, default_prometheus_url, problems)


def resolve(
    documents: list[_Document], default_prometheus_url: str | None, problems: Iterable[str] = ()
) -> list[SloDefinition]:
    """The SLOs of these objects, references resolved among them; SettingsError with every problem found."""
    found = [*problems, *duplicates(documents)]
    reader = _Reader(documents, default_prometheus_url)
    slos = []
    for document in documents:
        try:
            if document.kind == "SLO":
                slos.append(reader.slo(document))
            else:
                reader.check(document)
        except SettingsError as exc:
            found.append(str(exc))
    if found:
        # An SLI's mistake is found through each SLO naming it and on its own: say it once.
        raise SettingsError("\n".join(dict.fromkeys(found)))
    return slos


class _Reader:
    """Turns SLO documents into SloDefinitions, resolving references among the objects of the files read."""

    def __init__(self, documents: list[_Document], default_url: str | None) -> None:
        self.default_url = default_url
        self.scope = "this file" if len({document.origin for document in documents}) <= 1 else "these files"
        # The first of two objects of one name is the one named (the second is reported as a duplicate).
        self.slis = {d.name: d for d in reversed(documents) if d.kind == "SLI"}
        self.datasources = {d.name: d for d in reversed(documents) if d.kind == "DataSource"}
        self.alerts = AlertReader(documents, self.scope)

    def _error(self, document: _Document, problem: Exception) -> SettingsError:
        return SettingsError(f"{document.origin}: {document.label}: {problem}")

    def check(self, document: _Document) -> None:
        """Refuse what the bot cannot measure in an object no SLO names, as in one that is named."""
        try:
            if document.kind == "SLI":
                self._sli(document.spec, "spec")
            elif document.kind == "DataSource":
                self._datasource(document)
            else:
                self.alerts.check(document)
        except _Invalid as exc:
            raise self._error(document, exc) from None

    def slo(self, document: _Document) -> SloDefinition:
        try:
            fields, paths = self._fields(document)
            fields["burn_alerts"] = self.alerts.rules(document.spec.get("alertPolicies"))
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
            raise _Invalid(path, _unknown("DataSource", name, self.datasources, self.scope))
        return self._datasource(datasource)

    def _datasource(self, datasource: _Document) -> str:
        """The Prometheus URL of a DataSource; SettingsError naming it if it is not one the bot can read."""
        try:
            kind = datasource.spec.get("type")
            if not _is_prometheus(kind):
                raise _Invalid("spec.type", f"{kind!r} {PROMETHEUS_ONLY}")
            details = datasource.spec.get("connectionDetails")
            if isinstance(details, list) and all(isinstance(item, dict) for item in details):
                details = {key: value for item in details for key, value in item.items()}  # `- url: …` items
            details = _mapping(details, "spec.connectionDetails")
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


_unknown = unknown
