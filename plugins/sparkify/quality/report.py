"""What a gate tells people about a checkpoint result: each failed expectation with
its column, severity and unexpected count, and the Data Docs page of each validation."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

SEVERITY_ORDER = ("info", "warning", "critical")


@dataclass(frozen=True)
class Failure:
    suite: str
    expectation: str
    target: str
    severity: str
    unexpected: object
    expected: str = ""


@dataclass
class GateReport:
    worst: str | None = None
    failures: list[Failure] = field(default_factory=list)
    docs_pages: list[tuple[str, str]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    # What the gate found out about a failure beyond GX's result (e.g. the worst record).
    details: list[str] = field(default_factory=list)


def severity_of(expectation_config) -> str:
    severity = expectation_config.severity
    return str(getattr(severity, "value", severity)).lower()


def expectation_columns(expectation_config) -> str | None:
    kwargs = expectation_config.kwargs
    return kwargs.get("column") or ", ".join(kwargs.get("column_list", [])) or None


def expectation_target(expectation_config) -> str:
    """What an expectation checks, in words: its column(s), else its description."""
    return expectation_columns(expectation_config) or expectation_config.description or "the table"


def page_link(url: str) -> str:
    """A Data Docs page's URL as a link: GX joins a public base URL and the page's key
    unescaped, and the key holds spaces."""
    return quote(url, safe=":/?#&=%~")


def expected_range(low: float | None, high: float | None) -> str:
    """The bounds a range expectation held the data to, in words."""
    if low is not None and high is not None:
        return f"expected between {low:g} and {high:g}"
    if low is not None:
        return f"expected at least {low:g}"
    if high is not None:
        return f"expected at most {high:g}"
    return ""


def _expected_range(kwargs) -> str:
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    # An unresolved suite parameter stays a {"$PARAMETER": ...} dict.
    if isinstance(low, dict) or isinstance(high, dict):
        return ""
    return expected_range(low, high)


def describe(result, gx_context) -> GateReport:
    report = GateReport()
    for identifier, validation in result.run_results.items():
        suite = validation.suite_name
        statistics = validation.statistics
        pages = gx_context.get_docs_sites_urls(resource_identifier=identifier)
        page = next((p["site_url"] for p in pages if p.get("site_url")), None)
        if page:
            page = page_link(page)
            report.docs_pages.append((suite, page))
        report.lines.append(
            f"Suite {suite}: {statistics['successful_expectations']} of {statistics['evaluated_expectations']} "
            f"expectations passed; Data Docs: {page or 'not built'}"
        )
        for outcome in validation.results:
            if outcome.success:
                continue
            config = outcome.expectation_config
            failure = Failure(
                suite=suite,
                expectation=config.type,
                target=expectation_target(config),
                severity=severity_of(config),
                unexpected=outcome.result.get("unexpected_count", outcome.result.get("observed_value")),
                expected=_expected_range(config.kwargs),
            )
            report.failures.append(failure)
            if report.worst is None or SEVERITY_ORDER.index(failure.severity) > SEVERITY_ORDER.index(report.worst):
                report.worst = failure.severity
            report.lines.append(
                f"  FAILED [{failure.severity}] {failure.expectation} ({failure.target}): unexpected {failure.unexpected}"
                + (f" ({failure.expected})" if failure.expected else "")
            )
    return report
