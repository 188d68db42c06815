/**
 * Values paths the program writes to the jetstack charts, with their schema types, taken from
 * each chart's strict `values.schema.json` (cert-manager v1.21.1, istio-csr v0.17.0,
 * trust-manager v0.24.0). Every object on these paths has `additionalProperties: false` in
 * the schema, so a path not listed here would fail `helm install`.
 */
import { valuePaths } from "../src/certManagerValues";

export type ValueType = "string" | "boolean" | "number" | "array" | "any";

export const CERT_MANAGER_VALUE_PATHS: Record<string, ValueType> = {
    "crds.enabled": "boolean",
    "crds.keep": "boolean",
    "prometheus.enabled": "boolean",
    "prometheus.servicemonitor.enabled": "boolean",
    // A comma-separated string, not a map.
    featureGates: "string",
    clusterResourceNamespace: "string",
    disableAutoApproval: "boolean",
};

/** approver-policy v0.27.0: the program sets nothing (the chart's CRDs and signer defaults are what it needs). */
export const APPROVER_POLICY_VALUE_PATHS: Record<string, ValueType> = {};

export const ISTIO_CSR_VALUE_PATHS: Record<string, ValueType> = {
    "app.certmanager.namespace": "string",
    "app.certmanager.issuer.name": "string",
    "app.certmanager.issuer.kind": "string",
    "app.certmanager.issuer.group": "string",
    "app.istio.namespace": "string",
    "app.server.maxCertificateDuration": "string",
    // A comma-separated list of ServiceAccounts, e.g. "istio-system/ztunnel".
    "app.server.caTrustedNodeAccounts": "string",
    "app.tls.trustDomain": "string",
    // The schema gives no type for rootCAFile.
    "app.tls.rootCAFile": "any",
    volumes: "array",
    volumeMounts: "array",
};

export const TRUST_MANAGER_VALUE_PATHS: Record<string, ValueType> = {
    "crds.enabled": "boolean",
    "crds.keep": "boolean",
    "app.trust.namespace": "string",
    "app.metrics.service.servicemonitor.enabled": "boolean",
    "defaultPackage.enabled": "boolean",
    "app.webhook.tls.approverPolicy.enabled": "boolean",
};

function typeOf(value: unknown): ValueType {
    if (Array.isArray(value)) return "array";
    return typeof value as ValueType;
}

/** Problems of a values object against an allowlist of schema paths. */
export function checkValues(values: Record<string, unknown>, allowed: Record<string, ValueType>): string[] {
    const problems: string[] = [];
    for (const path of valuePaths(values)) {
        const expected = allowed[path];
        const value = path.split(".").reduce<any>((node, key) => node?.[key], values);
        if (!expected) problems.push(`${path}: not a values key the chart schema declares`);
        else if (expected !== "any" && typeOf(value) !== expected) problems.push(`${path}: expected ${expected}, got ${typeOf(value)}`);
    }
    return problems;
}
