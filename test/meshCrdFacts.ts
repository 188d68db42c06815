/**
 * Hand-written facts from the CRDs of the custom resources this project emits, and a small checker.
 * Sources: Istio 1.30.3 `crd-all.gen.yaml` (PeerAuthentication security.istio.io/v1, DestinationRule
 * networking.istio.io/v1) and prometheus-operator's `monitoring.coreos.com_prometheusrules.yaml`
 * (v1). Only the fields this project can emit are listed in full; an unknown field is an error,
 * as it would be pruned or refused by the API server.
 */

export type Schema =
    | { type: "string"; enum?: readonly string[]; pattern?: RegExp; minLength?: number; maxLength?: number; rules?: [string, (v: string) => boolean][] }
    | { type: "boolean" }
    | { type: "integer" }
    | { type: "int-or-string" }
    | { type: "array"; items: Schema }
    | {
          type: "object";
          properties?: Record<string, Schema>;
          required?: readonly string[];
          additionalProperties?: Schema;
          maxProperties?: number;
          minProperties?: number;
          rules?: [string, (v: Record<string, unknown>) => boolean][];
      };

const str: Schema = { type: "string" };
const stringMap: Schema = { type: "object", additionalProperties: str };
const PROM_DURATION = /^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$/;

const metadata: Schema = {
    type: "object",
    required: ["name", "namespace"],
    properties: { name: str, namespace: str, labels: stringMap, annotations: stringMap },
};

/** `selector.matchLabels` of Istio's WorkloadSelector. */
const workloadSelector: Schema = {
    type: "object",
    properties: {
        matchLabels: {
            type: "object",
            maxProperties: 4096,
            additionalProperties: { type: "string", maxLength: 63, rules: [["wildcard not allowed in label value match", (v) => !v.includes("*")]] },
            rules: [
                ["wildcard not allowed in label key match", (m) => Object.keys(m).every((k) => !k.includes("*"))],
                ["key must not be empty", (m) => Object.keys(m).every((k) => k.length !== 0)],
            ],
        },
    },
};

/** The root schema of a custom resource: its apiVersion and kind, ObjectMeta, and `spec`. */
function customResource(apiVersion: string, kind: string, spec: Schema): Schema {
    return {
        type: "object",
        required: ["apiVersion", "kind", "metadata", "spec"],
        properties: { apiVersion: { type: "string", enum: [apiVersion] }, kind: { type: "string", enum: [kind] }, metadata, spec },
    };
}

const mtlsMode: Schema = { type: "object", properties: { mode: { type: "string", enum: ["UNSET", "DISABLE", "PERMISSIVE", "STRICT"] } } };

export const PEER_AUTHENTICATION: Schema = customResource("security.istio.io/v1", "PeerAuthentication", {
    type: "object",
    properties: {
        mtls: mtlsMode,
        portLevelMtls: { type: "object", minProperties: 1, additionalProperties: mtlsMode },
        selector: workloadSelector,
    },
    rules: [["portLevelMtls requires selector", (s) => !("portLevelMtls" in s) || Object.keys((s.selector as any)?.matchLabels ?? {}).length > 0]],
});

const clientTls: Schema = {
    type: "object",
    properties: {
        caCertificates: str,
        caCrl: str,
        clientCertificate: str,
        credentialName: str,
        insecureSkipVerify: { type: "boolean" },
        mode: { type: "string", enum: ["DISABLE", "SIMPLE", "MUTUAL", "ISTIO_MUTUAL"] },
        privateKey: str,
        sni: str,
        subjectAltNames: { type: "array", items: str },
    },
};

export const DESTINATION_RULE: Schema = customResource("networking.istio.io/v1", "DestinationRule", {
    type: "object",
    required: ["host"],
    properties: {
        host: str,
        exportTo: { type: "array", items: str },
        workloadSelector,
        // Other trafficPolicy fields (connectionPool, loadBalancer, ...) exist but are not emitted here.
        trafficPolicy: { type: "object", properties: { tls: clientTls } },
    },
});

const promRule: Schema = {
    type: "object",
    required: ["expr"],
    properties: {
        alert: str,
        record: str,
        expr: { type: "int-or-string" },
        for: { type: "string", pattern: PROM_DURATION },
        keep_firing_for: { type: "string", pattern: PROM_DURATION, minLength: 1 },
        labels: stringMap,
        annotations: stringMap,
    },
    rules: [["exactly one of record and alert", (r) => "alert" in r !== "record" in r]],
};

export const PROMETHEUS_RULE: Schema = customResource("monitoring.coreos.com/v1", "PrometheusRule", {
    type: "object",
    properties: {
        groups: {
            type: "array",
            items: {
                type: "object",
                required: ["name"],
                properties: {
                    name: { type: "string", minLength: 1 },
                    interval: { type: "string", pattern: PROM_DURATION },
                    labels: stringMap,
                    limit: { type: "integer" },
                    partial_response_strategy: { type: "string", pattern: /^(abort|warn)?$/i },
                    query_offset: { type: "string", pattern: PROM_DURATION },
                    rules: { type: "array", items: promRule },
                },
            },
        },
    },
    rules: [["group names are unique (list-map key name)", (s) => new Set(((s.groups as any[]) ?? []).map((g) => g.name)).size === ((s.groups as any[]) ?? []).length]],
});

export const CRD_SCHEMAS: Record<string, Schema> = {
    "security.istio.io/v1/PeerAuthentication": PEER_AUTHENTICATION,
    "networking.istio.io/v1/DestinationRule": DESTINATION_RULE,
    "monitoring.coreos.com/v1/PrometheusRule": PROMETHEUS_RULE,
};

/** Problems of `value` against `schema`, each prefixed with its path. */
export function validate(value: unknown, schema: Schema, path = ""): string[] {
    const at = path || "(root)";
    switch (schema.type) {
        case "string": {
            if (typeof value !== "string") return [`${at}: expected a string, got ${JSON.stringify(value)}`];
            const problems: string[] = [];
            if (schema.enum && !schema.enum.includes(value)) problems.push(`${at}: ${JSON.stringify(value)} is not one of ${schema.enum.join(", ")}`);
            if (schema.pattern && !schema.pattern.test(value)) problems.push(`${at}: ${JSON.stringify(value)} does not match ${schema.pattern}`);
            if (schema.minLength !== undefined && value.length < schema.minLength) problems.push(`${at}: shorter than ${schema.minLength}`);
            if (schema.maxLength !== undefined && value.length > schema.maxLength) problems.push(`${at}: longer than ${schema.maxLength}`);
            for (const [message, rule] of schema.rules ?? []) if (!rule(value)) problems.push(`${at}: ${message}`);
            return problems;
        }
        case "boolean":
            return typeof value === "boolean" ? [] : [`${at}: expected a boolean`];
        case "integer":
            return Number.isInteger(value) ? [] : [`${at}: expected an integer`];
        case "int-or-string":
            return typeof value === "string" || Number.isInteger(value) ? [] : [`${at}: expected an integer or a string`];
        case "array":
            if (!Array.isArray(value)) return [`${at}: expected an array`];
            return value.flatMap((item, index) => validate(item, schema.items, `${path}[${index}]`));
        case "object": {
            if (typeof value !== "object" || value === null || Array.isArray(value)) return [`${at}: expected an object`];
            const record = value as Record<string, unknown>;
            const problems: string[] = [];
            for (const key of schema.required ?? []) if (!(key in record)) problems.push(`${at}: missing required field ${key}`);
            const count = Object.keys(record).length;
            if (schema.maxProperties !== undefined && count > schema.maxProperties) problems.push(`${at}: more than ${schema.maxProperties} properties`);
            if (schema.minProperties !== undefined && count < schema.minProperties) problems.push(`${at}: fewer than ${schema.minProperties} properties`);
            for (const [key, child] of Object.entries(record)) {
                const childPath = path ? `${path}.${key}` : key;
                const childSchema = schema.properties?.[key] ?? schema.additionalProperties;
                if (!childSchema) problems.push(`${childPath}: unknown field`);
                else problems.push(...validate(child, childSchema, childPath));
            }
            for (const [message, rule] of schema.rules ?? []) if (!rule(record)) problems.push(`${at}: ${message}`);
            return problems;
        }
    }
}

/** Validates an emitted custom resource against the facts for its apiVersion and kind. */
export function validateCustomResource(object: Record<string, any>): string[] {
    const schema = CRD_SCHEMAS[`${object.apiVersion}/${object.kind}`];
    if (!schema) return [`no CRD facts for ${object.apiVersion} ${object.kind}`];
    return validate(object, schema);
}
