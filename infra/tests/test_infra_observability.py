"""The alert rules pass promtool's check and their unit tests, and they and the Grafana dashboard
read only metrics the services export; Grafana's provisioning names the dashboard's datasource."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.integration
REPOSITORY = Path(__file__).resolve().parents[2]
PRODUCTION = REPOSITORY / "infra" / "production"
DASHBOARDS = REPOSITORY / "infra" / "dashboards"
ALERTS_NAMED_BY_THE_OPERATORS = {
    "LeisureDeadLetters", "LeisureOutboxBacklog", "LeisureOutboxStalled", "LeisureConsumerLag",
    "LeisureUsageReadModelsBehind", "LeisureStatsProjectionBehind", "LeisureHttpErrors",
    "LeisureBrokerLostRecords", "LeisureServiceDown", "LeisureEventsParked",
}


def metric_names(promql: str) -> set[str]:
    """The metric names a PromQL expression reads (ours, the process collector's and `up`)."""
    return set(re.findall(r"\b((?:leisure|process|python)_[a-z_]+|up)\b(?=\s*[{\[)\s]|$)", promql))


def promtool() -> str:
    found = REPOSITORY / ".tools" / "bin" / "promtool"
    if found.exists():
        return str(found)
    if on_path := shutil.which("promtool"):
        return on_path
    raise AssertionError("promtool is missing: `make .tools/bin/promtool` installs it (make test does)")


def alert_rules() -> list[dict]:
    groups = yaml.safe_load((PRODUCTION / "alerts.yml").read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


@pytest.mark.parametrize("command", [["check", "rules", "alerts.yml"], ["test", "rules", "alerts.test.yml"]])
def test_promtool_accepts_the_rules_and_their_unit_tests(command):
    result = subprocess.run([promtool(), *command], cwd=PRODUCTION, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_every_alert_is_there_and_has_a_unit_test():
    names = {rule["alert"] for rule in alert_rules()}
    assert names == ALERTS_NAMED_BY_THE_OPERATORS
    tests = yaml.safe_load((PRODUCTION / "alerts.test.yml").read_text())["tests"]
    tested = {case["alertname"] for test in tests for case in test["alert_rule_test"] if case.get("exp_alerts")}
    assert tested == names


def test_the_alerts_read_only_exported_metrics(exported_metrics):
    for rule in alert_rules():
        read = metric_names(rule["expr"])
        assert read, rule["alert"]
        assert read <= exported_metrics, f"{rule['alert']} reads {sorted(read - exported_metrics)}"


def test_the_dashboard_charts_exported_metrics_from_the_provisioned_datasource(exported_metrics):
    dashboard = json.loads((DASHBOARDS / "leisure-pass-operations.json").read_text())
    [datasource] = yaml.safe_load((DASHBOARDS / "provisioning" / "datasources" / "prometheus.yml").read_text())[
        "datasources"]
    assert dashboard["uid"] and dashboard["panels"]
    charted = set()
    for panel in dashboard["panels"]:
        assert panel["datasource"]["uid"] == datasource["uid"], panel["title"]
        for target in panel["targets"]:
            read = metric_names(target["expr"])
            assert read and read <= exported_metrics, f"{panel['title']}: {sorted(read - exported_metrics)}"
            charted |= read
    # The freshness measures, the loss of the broker's log and the process metrics are charted.
    assert {"leisure_stats_projection_behind_seconds", "leisure_usage_read_model_lag_seconds",
            "leisure_outbox_oldest_pending_seconds", "leisure_broker_log_lost_partitions",
            "process_resident_memory_bytes"} <= charted
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))


def test_grafana_provisioning_loads_the_dashboards_folder():
    [provider] = yaml.safe_load((DASHBOARDS / "provisioning" / "dashboards" / "leisure-pass.yml").read_text())[
        "providers"]
    compose = yaml.safe_load((PRODUCTION / "compose.yaml").read_text())
    mounts = dict(volume.split(":")[1::-1] for volume in compose["services"]["grafana"]["volumes"])
    assert mounts[provider["options"]["path"]] == "../dashboards"
    assert mounts["/etc/grafana/provisioning"] == "../dashboards/provisioning"
