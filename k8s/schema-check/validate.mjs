#!/usr/bin/env node
// Offline schema check of the rendered kustomize trees under k8s/.
//
//   node k8s/schema-check/validate.mjs [DIR ...]    DIR: a kustomization directory; default k8s/base and
//                                                   every directory of k8s/overlays
//   node k8s/schema-check/validate.mjs --self-test  proves that broken objects are refused
//
// Every object that `kubectl kustomize DIR` renders is validated with the model class of its apiVersion/kind
// from kubernetes-models, @kubernetes-models/keda or @kubernetes-models/prometheus-operator. Those validators
// check types, enums and required fields but accept any unknown field (the OpenAPI schemas they are generated
// from do not forbid additional properties), so a misspelled field such as `spec.replcas` would pass. The
// strictness check below closes that gap: it runs the same validator on a proxy of the object that records
// which fields the validator looks at; a field it never asked for is not in the schema. Objects whose schema
// is a free-form map are enumerated by the validator and therefore accepted whole.
//
// kafka.strimzi.io objects are not checked here (no model package); they are left to the Java check against
// the io.strimzi:api model classes. Any other apiVersion/kind without a model is an error.
//
// Exit status: 0 all valid, 1 an object is invalid, 2 a usage or tool error.

import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const K8S = path.resolve(HERE, "..");
const KUBECTL = process.env.KUBECTL || "kubectl";

// API groups whose models come from a package other than kubernetes-models.
const GROUP_PACKAGES = {
  "keda.sh": "@kubernetes-models/keda",
  "eventing.keda.sh": "@kubernetes-models/keda",
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
};
const LEFT_TO_JAVA = (group) => group === "kafka.strimzi.io";

class Invalid extends Error {}
class ToolError extends Error {}

// ---------------------------------------------------------------------------------------------------------
// Model lookup

const moduleCache = new Map();

async function loadModule(specifier) {
  if (!moduleCache.has(specifier)) {
    moduleCache.set(
      specifier,
      import(specifier).catch((e) => {
        if (e && (e.code === "ERR_PACKAGE_PATH_NOT_EXPORTED" || e.code === "ERR_MODULE_NOT_FOUND")) {
          return null;
        }
        throw e;
      }),
    );
  }
  return moduleCache.get(specifier);
}

/** The model class for apiVersion/kind, or null when no package knows it. */
async function modelFor(apiVersion, kind) {
  if (typeof apiVersion !== "string" || typeof kind !== "string" || !/^[A-Za-z][A-Za-z0-9]*$/.test(kind)) {
    return null;
  }
  const slash = apiVersion.indexOf("/");
  const group = slash < 0 ? "" : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  if (!/^[a-z0-9.-]*$/.test(group) || !/^v[0-9a-z]+$/.test(version)) {
    return null;
  }
  const pkg = GROUP_PACKAGES[group] || "kubernetes-models";
  const mod = await loadModule(group === "" ? `${pkg}/${version}` : `${pkg}/${group}/${version}`);
  const model = mod && mod[kind];
  if (typeof model !== "function" || model.apiVersion !== apiVersion || model.kind !== kind) {
    return null;
  }
  return model;
}

// ---------------------------------------------------------------------------------------------------------
// Strictness: which fields does the schema validator read?

function isObject(v) {
  return v !== null && typeof v === "object";
}

/**
 * Wraps `root` in proxies that record, per object, the property names the validator reads and whether it
 * enumerated the object's keys (what a validator does for a map: additionalProperties with a schema).
 */
function track(root) {
  const info = new WeakMap();
  const proxies = new WeakMap();
  const wrap = (target) => {
    if (!isObject(target)) {
      return target;
    }
    if (proxies.has(target)) {
      return proxies.get(target);
    }
    const rec = { read: new Set(), enumerated: false, touched: false };
    info.set(target, rec);
    const proxy = new Proxy(target, {
      get(t, prop, receiver) {
        if (typeof prop === "string") {
          rec.touched = true;
          rec.read.add(prop);
        }
        return wrap(Reflect.get(t, prop, receiver));
      },
      has(t, prop) {
        if (typeof prop === "string") {
          rec.touched = true;
          rec.read.add(prop);
        }
        return Reflect.has(t, prop);
      },
      getOwnPropertyDescriptor(t, prop) {
        if (typeof prop === "string") {
          rec.touched = true;
          rec.read.add(prop);
        }
        return Reflect.getOwnPropertyDescriptor(t, prop);
      },
      ownKeys(t) {
        rec.touched = true;
        rec.enumerated = true;
        return Reflect.ownKeys(t);
      },
    });
    proxies.set(target, proxy);
    return proxy;
  };
  return { proxy: wrap(root), info };
}

/** Paths of the fields in `root` that the tracked validator never read. */
function unknownFields(root, info) {
  const found = [];
  const walk = (node, where) => {
    const rec = info.get(node);
    // Never looked into: a free-form object (schema without properties), nothing to hold it against.
    if (!rec || !rec.touched) {
      return;
    }
    if (Array.isArray(node)) {
      node.forEach((item, i) => {
        if (isObject(item)) {
          walk(item, `${where}[${i}]`);
        }
      });
      return;
    }
    for (const key of Object.keys(node)) {
      const at = where ? `${where}.${key}` : key;
      if (!rec.enumerated && !rec.read.has(key)) {
        found.push(at);
      } else if (isObject(node[key])) {
        walk(node[key], at);
      }
    }
  };
  walk(root, "");
  return found;
}

/** Throws Invalid with every problem of one object; returns "checked" or "java" (left to the Strimzi check). */
async function validateObject(obj) {
  if (!isObject(obj) || Array.isArray(obj)) {
    throw new Invalid("not a Kubernetes object (a YAML document that is no mapping)");
  }
  const { apiVersion, kind } = obj;
  const group = typeof apiVersion === "string" && apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
  if (LEFT_TO_JAVA(group)) {
    return "java";
  }
  const Model = await modelFor(apiVersion, kind);
  if (!Model) {
    throw new Invalid(`no validator for apiVersion ${apiVersion} kind ${kind}`);
  }
  try {
    new Model(obj).validate();
  } catch (e) {
    throw new Invalid(`schema: ${e.message}`);
  }
  const { proxy, info } = track(obj);
  Model.prototype.validate.call(proxy);
  const unknown = unknownFields(obj, info);
  if (unknown.length > 0) {
    throw new Invalid(`unknown field${unknown.length > 1 ? "s" : ""}: ${unknown.join(", ")}`);
  }
  return "checked";
}

// ---------------------------------------------------------------------------------------------------------
// Project invariants the schemas cannot express (documented in k8s/README.md).

function envOf(workload, container) {
  const c = workload?.spec?.template?.spec?.containers?.find((x) => x.name === container);
  const env = {};
  for (const e of c?.env || []) {
    if (typeof e.value === "string") {
      env[e.name] = e.value;
    }
  }
  return env;
}

function invariantProblems(objects) {
  const problems = [];
  const find = (kind, name) => objects.find((o) => o?.kind === kind && o?.metadata?.name === name);
  const controller = find("StatefulSet", "nas-controller");
  const worker = find("Deployment", "nas-worker");
  const scaled = find("ScaledObject", "nas-worker");
  const topic = (name) => find("KafkaTopic", name)?.spec?.partitions;

  const nasPartitions = controller ? Number(envOf(controller, "controller").NAS_PARTITIONS) : undefined;
  const trialPartitions = topic("nas.trials") ?? nasPartitions;

  if (topic("nas.experiments") !== topic("nas.trial-results")) {
    problems.push(`KafkaTopics nas.experiments (${topic("nas.experiments")}) and nas.trial-results `
      + `(${topic("nas.trial-results")}) must have the same partition count (co-partitioned)`);
  }
  if (topic("nas.experiments") !== undefined && nasPartitions !== undefined && topic("nas.experiments") !== nasPartitions) {
    problems.push(`NAS_PARTITIONS (${nasPartitions}) differs from the KafkaTopics' partitions (${topic("nas.experiments")})`);
  }
  if (worker) {
    const env = envOf(worker, "worker");
    const grace = Number(env.NAS_SHUTDOWN_GRACE_SECONDS ?? 60);
    const period = worker.spec.template.spec.terminationGracePeriodSeconds ?? 30;
    if (!(period > grace)) {
      problems.push(`nas-worker terminationGracePeriodSeconds (${period}) must exceed NAS_SHUTDOWN_GRACE_SECONDS (${grace})`);
    }
    if (scaled) {
      const trigger = (scaled.spec.triggers || []).find((t) => t.type === "kafka");
      if (!trigger) {
        problems.push("ScaledObject nas-worker has no kafka trigger");
      } else {
        const m = trigger.metadata || {};
        if (m.consumerGroup !== (env.NAS_WORKER_GROUP ?? "nas-workers")) {
          problems.push(`kafka trigger consumerGroup ${m.consumerGroup} is not the workers' NAS_WORKER_GROUP`);
        }
        if (m.topic !== "nas.trials") {
          problems.push(`kafka trigger topic ${m.topic} is not nas.trials`);
        }
        if (m.allowIdleConsumers !== "false") {
          problems.push("kafka trigger must set allowIdleConsumers: \"false\"");
        }
        if (trialPartitions !== undefined && !(scaled.spec.maxReplicaCount <= trialPartitions)) {
          problems.push(`ScaledObject maxReplicaCount (${scaled.spec.maxReplicaCount}) exceeds the partitions of `
            + `nas.trials (${trialPartitions}): the extra workers would idle`);
        }
      }
    }
  }
  problems.push(...envReferenceProblems(objects));
  return problems;
}

/**
 * Kubernetes expands $(NAME) in an env value only when NAME is defined before it (earlier in `env`, or by
 * `envFrom`); otherwise the text stays literally, e.g. a JAAS config with the password `$(KAFKA_SASL_PASSWORD)`.
 * Patches can reorder env lists, so check the rendered order.
 */
function envReferenceProblems(objects) {
  const problems = [];
  const keysOf = (kind, name) => {
    const o = objects.find((x) => x?.kind === kind && x?.metadata?.name === name);
    return o ? [...Object.keys(o.data || {}), ...Object.keys(o.stringData || {})] : [];
  };
  for (const o of objects) {
    const pod = o?.kind === "Pod" ? o.spec : o?.spec?.template?.spec ?? o?.spec?.jobTemplate?.spec?.template?.spec;
    for (const c of [...(pod?.initContainers || []), ...(pod?.containers || [])]) {
      const defined = new Set();
      for (const src of c.envFrom || []) {
        const keys = src.configMapRef ? keysOf("ConfigMap", src.configMapRef.name) : keysOf("Secret", src.secretRef?.name);
        keys.forEach((k) => defined.add(`${src.prefix || ""}${k}`));
      }
      for (const e of c.env || []) {
        for (const [, ref] of (typeof e.value === "string" ? e.value : "").matchAll(/(?<!\$)\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g)) {
          if (!defined.has(ref)) {
            problems.push(`${o.kind}/${o.metadata?.name} container ${c.name}: env ${e.name} uses $(${ref}), `
              + "which is not defined before it (it would stay unexpanded)");
          }
        }
        defined.add(e.name);
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------
// Checking rendered trees

function render(dir) {
  try {
    return execFileSync(KUBECTL, ["kustomize", dir], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    if (e.code === "ENOENT") {
      throw new ToolError(`${KUBECTL} not found (set KUBECTL to kubectl's path)`);
    }
    throw new Error(`kubectl kustomize ${dir} failed: ${(e.stderr || e.message).trim()}`);
  }
}

function parseDocuments(text) {
  const objects = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      throw new Error(`unparsable YAML: ${doc.errors[0].message}`);
    }
    const value = doc.toJS();
    if (value !== null && value !== undefined) {
      objects.push(value);
    }
  }
  return objects;
}

const describe = (o) => `${o?.kind ?? "?"}/${o?.metadata?.name ?? "?"}`;

/** Validates a list of objects; returns { failures: [string], counts: Map kind->n, java: [string] }. */
async function checkObjects(objects) {
  const failures = [];
  const counts = new Map();
  const java = [];
  for (const obj of objects) {
    try {
      if ((await validateObject(obj)) === "java") {
        java.push(describe(obj));
      } else {
        counts.set(obj.kind, (counts.get(obj.kind) || 0) + 1);
      }
    } catch (e) {
      if (!(e instanceof Invalid)) {
        throw e;
      }
      failures.push(`${describe(obj)}: ${e.message}`);
    }
  }
  for (const p of invariantProblems(objects)) {
    failures.push(`invariant: ${p}`);
  }
  return { failures, counts, java };
}

async function checkDirs(dirs) {
  let failed = 0;
  for (const dir of dirs) {
    const label = path.relative(process.cwd(), dir) || dir;
    let objects;
    try {
      objects = parseDocuments(render(dir));
    } catch (e) {
      if (e instanceof ToolError) {
        throw e;
      }
      console.log(`${label}: FAIL ${e.message}`);
      failed++;
      continue;
    }
    const { failures, counts, java } = await checkObjects(objects);
    const kinds = [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k} ${n}`).join(", ");
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    const leftOver = java.length > 0 ? `; left to the Java Strimzi check: ${java.join(", ")}` : "";
    if (failures.length > 0) {
      failed++;
      console.log(`${label}: FAIL`);
      for (const f of failures) {
        console.log(`  ${label}: ${f}`);
      }
    } else {
      console.log(`${label}: OK, ${total} objects validated (${kinds})${leftOver}`);
    }
  }
  return failed;
}

function defaultDirs() {
  const overlays = path.join(K8S, "overlays");
  const dirs = [path.join(K8S, "base")];
  if (existsSync(overlays)) {
    for (const name of readdirSync(overlays).sort()) {
      const dir = path.join(overlays, name);
      if (statSync(dir).isDirectory()) {
        dirs.push(dir);
      }
    }
  }
  return dirs;
}

// ---------------------------------------------------------------------------------------------------------
// Self-test: the validator must refuse these, or it proves nothing.

function goodDeployment() {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "t", labels: { a: "b" } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { a: "b" } },
      template: {
        metadata: { labels: { a: "b" } },
        spec: {
          containers: [{
            name: "c",
            image: "busybox",
            env: [{ name: "X", value: "1" }],
            resources: { limits: { cpu: "1", memory: "1Gi" } },
          }],
        },
      },
    },
  };
}

function goodScaledObject() {
  return {
    apiVersion: "keda.sh/v1alpha1",
    kind: "ScaledObject",
    metadata: { name: "t" },
    spec: {
      scaleTargetRef: { name: "t" },
      minReplicaCount: 1,
      maxReplicaCount: 4,
      triggers: [{ type: "kafka", metadata: { topic: "nas.trials", lagThreshold: "2" } }],
    },
  };
}

function goodPodMonitor() {
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PodMonitor",
    metadata: { name: "t" },
    spec: { selector: { matchLabels: { a: "b" } }, podMetricsEndpoints: [{ port: "http", path: "/metrics" }] },
  };
}

async function selfTest() {
  const mutate = (make, fn) => {
    const o = make();
    fn(o);
    return o;
  };
  const cases = [
    ["valid Deployment", goodDeployment(), true],
    ["valid ScaledObject", goodScaledObject(), true],
    ["valid PodMonitor", goodPodMonitor(), true],
    ["Strimzi kind is left to the Java check", { apiVersion: "kafka.strimzi.io/v1", kind: "KafkaTopic", metadata: { name: "t" }, spec: { partitonz: 1 } }, true],
    ["Deployment with spec.replcas", mutate(goodDeployment, (o) => { o.spec.replcas = o.spec.replicas; delete o.spec.replicas; }), false],
    ["Deployment with a misspelled container field", mutate(goodDeployment, (o) => { o.spec.template.spec.containers[0].resource = {}; }), false],
    ["Deployment with a misspelled env field", mutate(goodDeployment, (o) => { o.spec.template.spec.containers[0].env[0].valeu = "1"; }), false],
    ["Deployment with a wrong type", mutate(goodDeployment, (o) => { o.spec.replicas = "one"; }), false],
    ["Deployment without a selector", mutate(goodDeployment, (o) => { delete o.spec.selector; }), false],
    ["ScaledObject with spec.maxReplicaCont", mutate(goodScaledObject, (o) => { o.spec.maxReplicaCont = 4; delete o.spec.maxReplicaCount; }), false],
    ["ScaledObject with a misspelled trigger field", mutate(goodScaledObject, (o) => { o.spec.triggers[0].metdata = o.spec.triggers[0].metadata; delete o.spec.triggers[0].metadata; }), false],
    ["ScaledObject with a misspelled optional trigger field", mutate(goodScaledObject, (o) => { o.spec.triggers[0].authenticatonRef = { name: "t" }; }), false],
    ["ScaledObject with a wrong type", mutate(goodScaledObject, (o) => { o.spec.minReplicaCount = "one"; }), false],
    ["PodMonitor with a misspelled endpoint field", mutate(goodPodMonitor, (o) => { o.spec.podMetricsEndpoints[0].pth = "/metrics"; }), false],
    ["unknown kind", { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "t" } }, false],
    ["misspelled kind", { apiVersion: "apps/v1", kind: "Deployement", metadata: { name: "t" } }, false],
  ];
  let passed = 0;
  let failedCount = 0;
  for (const [name, obj, shouldPass] of cases) {
    let outcome;
    try {
      outcome = `accepted (${await validateObject(obj)})`;
    } catch (e) {
      if (!(e instanceof Invalid)) {
        throw e;
      }
      outcome = `refused: ${e.message}`;
    }
    const ok = outcome.startsWith("accepted") === shouldPass;
    console.log(`${ok ? "ok  " : "FAIL"} ${name}: ${outcome}`);
    ok ? passed++ : failedCount++;
  }
  // A rendered document goes through the same path as a file from kubectl.
  const rendered = parseDocuments("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: t}\nspec:\n  replcas: 1\n"
    + "  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec:\n"
    + "      containers: [{name: c, image: busybox}]\n");
  const { failures } = await checkObjects(rendered);
  const ok = failures.some((f) => f.includes("spec.replcas"));
  console.log(`${ok ? "ok  " : "FAIL"} rendered YAML with spec.replcas: ${failures.join("; ") || "accepted"}`);
  ok ? passed++ : failedCount++;

  // The invariants: each broken one must be reported.
  const controller = mutate(goodDeployment, (o) => {
    o.kind = "StatefulSet";
    o.metadata.name = "nas-controller";
    o.spec.template.spec.containers[0].name = "controller";
    o.spec.template.spec.containers[0].env = [{ name: "NAS_PARTITIONS", value: "4" }];
  });
  const worker = mutate(goodDeployment, (o) => {
    o.metadata.name = "nas-worker";
    o.spec.template.spec.terminationGracePeriodSeconds = 60;
    o.spec.template.spec.containers[0].name = "worker";
    o.spec.template.spec.containers[0].env = [
      { name: "JAAS", value: "password=\"$(PASSWORD)\"" },
      { name: "PASSWORD", value: "x" },
    ];
  });
  const scaled = mutate(goodScaledObject, (o) => {
    o.metadata.name = "nas-worker";
    o.spec.maxReplicaCount = 8;
    o.spec.triggers[0].metadata = { topic: "nas.trials", consumerGroup: "nas-workers", allowIdleConsumers: "false" };
  });
  const kafkaTopic = (name, partitions) => ({ apiVersion: "kafka.strimzi.io/v1", kind: "KafkaTopic", metadata: { name }, spec: { partitions } });
  const problems = invariantProblems([controller, worker, scaled, kafkaTopic("nas.experiments", 4), kafkaTopic("nas.trial-results", 6)]);
  for (const [name, needle] of [
    ["co-partitioning", "same partition count"],
    ["KEDA cap above the partitions", "maxReplicaCount (8) exceeds"],
    ["grace period", "terminationGracePeriodSeconds (60) must exceed"],
    ["env reference before its definition", "uses $(PASSWORD)"],
  ]) {
    const hit = problems.find((p) => p.includes(needle));
    console.log(`${hit ? "ok  " : "FAIL"} invariant ${name}: ${hit || "not reported"}`);
    hit ? passed++ : failedCount++;
  }

  console.log(`self-test: ${passed} passed, ${failedCount} failed`);
  return failedCount;
}

// ---------------------------------------------------------------------------------------------------------

async function main(argv) {
  if (argv.includes("-h") || argv.includes("--help")) {
    console.log("usage: node validate.mjs [--self-test] [KUSTOMIZATION_DIR ...]");
    return 0;
  }
  if (argv.includes("--self-test")) {
    return (await selfTest()) === 0 ? 0 : 1;
  }
  const unknownOption = argv.find((a) => a.startsWith("-"));
  if (unknownOption) {
    console.error(`unknown option ${unknownOption}`);
    return 2;
  }
  const dirs = argv.length > 0 ? argv.map((d) => path.resolve(d)) : defaultDirs();
  for (const dir of dirs) {
    if (!existsSync(path.join(dir, "kustomization.yaml")) && !existsSync(path.join(dir, "kustomization.yml"))
      && !existsSync(path.join(dir, "Kustomization"))) {
      console.error(`${dir}: no kustomization file`);
      return 2;
    }
  }
  const failed = await checkDirs(dirs);
  console.log(`${dirs.length - failed} of ${dirs.length} kustomizations valid`);
  return failed === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    console.error(e instanceof ToolError ? e.message : e?.stack || String(e));
    process.exit(2);
  },
);
