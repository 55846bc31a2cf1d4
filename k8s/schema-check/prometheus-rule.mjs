#!/usr/bin/env node
// Builds the PrometheusRule of k8s/base from the alert rules in dashboards/alerts.yaml, so that the rules exist
// once: Prometheus under docker-compose and promtool read dashboards/alerts.yaml, the prometheus-operator reads
// the PrometheusRule.
//
//   node k8s/schema-check/prometheus-rule.mjs > k8s/base/prometheus-rule.yaml   regenerate
//   node k8s/schema-check/prometheus-rule.mjs --check                           exit 1 when the file is stale
//
// The PrometheusRule's spec.groups are the groups of dashboards/alerts.yaml, unchanged.
//
// Exit status: 0 printed or in sync, 1 k8s/base/prometheus-rule.yaml differs, 2 a usage or input error.

import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseDocument, stringify } from "yaml";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, "..", "..");
const SOURCE = path.join(REPO, "dashboards", "alerts.yaml");
const TARGET = path.join(REPO, "k8s", "base", "prometheus-rule.yaml");
const REGENERATE = "node k8s/schema-check/prometheus-rule.mjs > k8s/base/prometheus-rule.yaml";

class UsageError extends Error {}

/** The groups of dashboards/alerts.yaml, with the checks a rule file must pass to be worth deploying. */
function readGroups(file) {
  if (!existsSync(file)) {
    throw new UsageError(`${path.relative(REPO, file)} not found`);
  }
  const doc = parseDocument(readFileSync(file, "utf8"));
  if (doc.errors.length > 0) {
    throw new UsageError(`${path.relative(REPO, file)}: ${doc.errors[0].message}`);
  }
  const rules = doc.toJS();
  const groups = rules?.groups;
  if (!Array.isArray(groups) || groups.length === 0) {
    throw new UsageError(`${path.relative(REPO, file)} has no groups`);
  }
  for (const group of groups) {
    if (typeof group?.name !== "string" || !Array.isArray(group.rules) || group.rules.length === 0) {
      throw new UsageError(`${path.relative(REPO, file)}: every group needs a name and rules`);
    }
  }
  return groups;
}

/** The YAML text of the PrometheusRule, header comment included. */
function render(groups) {
  const rule = {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PrometheusRule",
    metadata: {
      name: "nas-pipeline",
      labels: { "app.kubernetes.io/part-of": "nas-pipeline" },
    },
    spec: { groups },
  };
  const header = [
    "# GENERATED from dashboards/alerts.yaml by k8s/schema-check/prometheus-rule.mjs: do not edit by hand.",
    `# Change dashboards/alerts.yaml, then run \`${REGENERATE}\``,
    "# (DashboardsStaticIT fails while this file is out of date). docs/observability.md explains every alert.",
    "# A Prometheus from kube-prometheus-stack selects PrometheusRules by its release label unless",
    "# ruleSelectorNilUsesHelmValues=false; add that label in an overlay if yours does.",
  ];
  return `${header.join("\n")}\n${stringify(rule, { lineWidth: 0 })}`;
}

function main(argv) {
  if (argv.includes("-h") || argv.includes("--help")) {
    console.log("usage: node prometheus-rule.mjs [--check]");
    console.log(`  prints the PrometheusRule built from dashboards/alerts.yaml; regenerate with: ${REGENERATE}`);
    return 0;
  }
  const unknown = argv.find((a) => a !== "--check");
  if (unknown) {
    console.error(`unknown argument ${unknown} (usage: node prometheus-rule.mjs [--check])`);
    return 2;
  }
  const text = render(readGroups(SOURCE));
  if (!argv.includes("--check")) {
    process.stdout.write(text);
    return 0;
  }
  const current = existsSync(TARGET) ? readFileSync(TARGET, "utf8") : null;
  if (current === text) {
    console.log(`${path.relative(REPO, TARGET)} is in sync with dashboards/alerts.yaml`);
    return 0;
  }
  console.error(`${path.relative(REPO, TARGET)} ${current === null ? "is missing" : "differs from what dashboards/alerts.yaml gives"}; `
    + `regenerate it with: ${REGENERATE}`);
  return 1;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  console.error(e instanceof UsageError ? e.message : e?.stack || String(e));
  process.exitCode = 2;
}
