#!/usr/bin/env node
// Helm post-renderer for the istiod chart (Helm passes the rendered manifests on stdin and reads
// them back from stdout). It sets istiod's own environment variables that the chart already
// renders from other values, named by `istio-ca.io/istiod-env.<NAME>: <value>` annotations on the
// istiod Deployment, in place.
//
// Why: the chart renders PILOT_CERT_PROVIDER from global.pilotCertProvider, a value the sidecar
// injector reads too (injection-template.yaml mounts the istio-ca-root-cert ConfigMap only when it
// is "istiod"). istiod alone must get k8s.io/<signer> as a Kubernetes CSR registration authority.
// A second entry through the chart's `env` value would duplicate the variable name, which Helm's
// three-way merge of later upgrades fails on ("doesn't match $setElementOrder list",
// kubernetes/kubernetes#86163) or resolves by dropping both entries (helm/helm#12438).
"use strict";
const YAML = require("yaml");

const ANNOTATION_PREFIX = "istio-ca.io/istiod-env.";
const CONTAINER = "discovery";

/** The rendered manifests with the annotated istiod env entries set; throws when one is not there exactly once. */
function overrideIstiodEnv(manifests) {
    const documents = YAML.parseAllDocuments(manifests);
    for (const document of documents) {
        if (document.errors.length > 0) throw new Error(`cannot parse the rendered manifests: ${document.errors[0].message}`);
        const object = document.toJS();
        if (!object || object.kind !== "Deployment") continue;
        const annotations = (object.metadata && object.metadata.annotations) || {};
        const overrides = Object.entries(annotations).filter(([key]) => key.startsWith(ANNOTATION_PREFIX));
        if (overrides.length === 0) continue;
        const containers = document.getIn(["spec", "template", "spec", "containers"]);
        const container = containers && containers.items.find((item) => item.get("name") === CONTAINER);
        if (!container) throw new Error(`Deployment ${object.metadata.name} has ${ANNOTATION_PREFIX}* annotations but no container named ${CONTAINER}`);
        const env = container.get("env");
        for (const [key, value] of overrides) {
            const name = key.slice(ANNOTATION_PREFIX.length);
            const entries = env ? env.items.filter((item) => item.get("name") === name) : [];
            if (entries.length !== 1) {
                throw new Error(
                    `expected exactly one ${name} in the env of container ${CONTAINER} of Deployment ${object.metadata.name}, found ${entries.length}; this chart version renders istiod's env differently`,
                );
            }
            entries[0].delete("valueFrom");
            entries[0].set("value", String(value));
        }
    }
    return documents.map((document) => document.toString({ lineWidth: 0 })).join("");
}

module.exports = { overrideIstiodEnv, ANNOTATION_PREFIX };

if (require.main === module) {
    const chunks = [];
    process.stdin.on("data", (chunk) => chunks.push(chunk));
    process.stdin.on("end", () => {
        try {
            process.stdout.write(overrideIstiodEnv(Buffer.concat(chunks).toString("utf8")));
        } catch (err) {
            process.stderr.write(`istiod-env-postrender: ${err.message}\n`);
            process.exit(1);
        }
    });
}
