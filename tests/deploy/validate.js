#!/usr/bin/env node
// Strict offline validation of Kubernetes objects against the API's JSON schemas.
//
//   node tests/deploy/validate.js < objects.json
//
// objects.json is [{"where": "daemonset.yaml#1", "object": {...}}, ...] (test_manifests.sh
// turns the YAML into it with PyYAML). Prints "PASS where: Kind/name" or
// "FAIL where: Kind/name: errors" per object; exits 1 if any failed.
//
// Schemas: kubernetes-models (Kubernetes 1.27 OpenAPI) and @kubernetes-models/prometheus-operator
// (the PodMonitor and PrometheusRule CRDs), both pinned in package-lock.json and read from
// node_modules: nothing is fetched. Those schemas let unknown fields through, as the API server
// does; here every object schema that lists its properties gets additionalProperties: false
// (what kubectl --validate=strict and kubeconform -strict do), so a misspelt key such as
// `hostPid` fails instead of being dropped silently.
"use strict";

const validateLib = require("@kubernetes-models/validate");

let strictened = 0;
function strict(schema) {
	if (Array.isArray(schema)) {
		schema.forEach(strict);
	} else if (schema && typeof schema === "object") {
		if (schema.properties && schema.additionalProperties === undefined &&
		    !schema["x-kubernetes-preserve-unknown-fields"]) {
			schema.additionalProperties = false;
			strictened++;
		}
		Object.values(schema).forEach(strict);
	}
	return schema;
}

// The models register their schemas through this function the first time they validate.
const register = validateLib.register;
validateLib.register = (id, schema) => register(id, strict(schema));

// apiVersion -> the module with its kinds.
function models(apiVersion) {
	if (apiVersion === "monitoring.coreos.com/v1")
		return require("@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1");
	return require("kubernetes-models/" + apiVersion);
}

// Ajv's messages, naming the field that is not in the schema.
function explain(e) {
	if (!Array.isArray(e.errors)) return e.message;
	return e.errors.map((x) => {
		const extra = x.params && x.params.additionalProperty;
		return `${x.instancePath || "/"} ${x.message}${extra ? `: '${extra}'` : ""}`;
	}).join("; ");
}

function check({ where, object }) {
	const id = `${object.kind}/${(object.metadata || {}).name}`;
	let Model;
	try {
		Model = models(object.apiVersion)[object.kind];
	} catch (e) {
		Model = undefined;
	}
	if (!Model)
		return `FAIL ${where}: ${id}: no schema for ${object.apiVersion} ${object.kind}`;
	const before = strictened;
	try {
		new Model(object).validate();
	} catch (e) {
		return `FAIL ${where}: ${id}: ${explain(e)}`;
	}
	if (strictened === before && !check.seen.has(object.kind))
		return `FAIL ${where}: ${id}: validated without strict schemas (did the package change?)`;
	check.seen.add(object.kind);
	return `PASS ${where}: ${id}`;
}
check.seen = new Set();

const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
let failed = 0;
for (const item of input) {
	const line = check(item);
	if (line.startsWith("FAIL")) failed++;
	console.log(line);
}
process.exit(failed ? 1 : 0);
