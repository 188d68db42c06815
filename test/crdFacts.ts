/**
 * Structural facts of the custom resources this program emits, written from the
 * cert-manager v1.21.1 CRDs (`cert-manager.io_certificates.yaml`, `..._clusterissuers.yaml`,
 * `..._issuers.yaml`), the trust-manager v0.24.0 `Bundle` CRD and approver-policy v0.27.0's
 * `CertificateRequestPolicy` CRD (`policy.cert-manager.io_certificaterequestpolicies.yaml`). Only the parts the program
 * uses are listed, with their types, enums and required fields; any other field is refused, so a
 * typo or a field from another version fails the tests. `oneOf` records CEL rules and
 * webhook checks ("exactly one of").
 */

export interface FieldSpec {
    type: "string" | "boolean" | "integer" | "object" | "array" | "stringMap";
    enum?: readonly string[];
    required?: readonly string[];
    properties?: Record<string, FieldSpec>;
    items?: FieldSpec;
    /** Exactly one of these fields must be set. */
    exactlyOne?: readonly string[];
    /** At least one of these fields must be set. */
    atLeastOne?: readonly string[];
}

const str: FieldSpec = { type: "string" };
const strings: FieldSpec = { type: "array", items: str };
const stringMap: FieldSpec = { type: "stringMap" };

/** cert-manager `usages` enum (KeyUsage). */
const KEY_USAGES = [
    "signing",
    "digital signature",
    "content commitment",
    "key encipherment",
    "key agreement",
    "data encipherment",
    "cert sign",
    "crl sign",
    "encipher only",
    "decipher only",
    "any",
    "server auth",
    "client auth",
    "code signing",
    "email protection",
    "s/mime",
    "ipsec end system",
    "ipsec tunnel",
    "ipsec user",
    "timestamping",
    "ocsp signing",
    "microsoft sgc",
    "netscape sgc",
];

const issuerRef: FieldSpec = { type: "object", required: ["name"], properties: { name: str, kind: str, group: str } };

export const CERTIFICATE_SPEC: FieldSpec = {
    type: "object",
    required: ["issuerRef", "secretName"],
    properties: {
        isCA: { type: "boolean" },
        commonName: str,
        dnsNames: strings,
        uris: strings,
        duration: str,
        renewBefore: str,
        secretName: str,
        secretTemplate: { type: "object", properties: { annotations: stringMap, labels: stringMap } },
        subject: { type: "object", properties: { organizations: strings, organizationalUnits: strings, countries: strings, localities: strings, provinces: strings } },
        privateKey: {
            type: "object",
            properties: {
                algorithm: { type: "string", enum: ["RSA", "ECDSA", "Ed25519"] },
                encoding: { type: "string", enum: ["PKCS1", "PKCS8"] },
                rotationPolicy: { type: "string", enum: ["Never", "Always"] },
                size: { type: "integer" },
            },
        },
        usages: { type: "array", items: { type: "string", enum: KEY_USAGES } },
        issuerRef,
    },
};

/** Issuer and ClusterIssuer share `IssuerSpec`; the webhook requires exactly one issuer type. */
export const ISSUER_SPEC: FieldSpec = {
    type: "object",
    exactlyOne: ["acme", "ca", "selfSigned", "vault", "venafi"],
    properties: {
        ca: { type: "object", required: ["secretName"], properties: { secretName: str, crlDistributionPoints: strings, issuingCertificateURLs: strings, ocspServers: strings } },
        selfSigned: { type: "object", properties: { crlDistributionPoints: strings } },
        vault: {
            type: "object",
            required: ["auth", "path", "server"],
            properties: {
                server: str,
                path: str,
                namespace: str,
                // format: byte (base64 of the PEM bundle).
                caBundle: { type: "string" },
                auth: {
                    type: "object",
                    // The webhook requires exactly one auth method.
                    exactlyOne: ["appRole", "aws", "clientCertificate", "kubernetes", "tokenSecretRef"],
                    properties: {
                        kubernetes: {
                            type: "object",
                            required: ["role"],
                            // The webhook requires exactly one of a token Secret and a ServiceAccount reference;
                            // only the reference (bound, short-lived tokens) is listed as usable here.
                            exactlyOne: ["secretRef", "serviceAccountRef"],
                            properties: { mountPath: str, role: str, serviceAccountRef: { type: "object", required: ["name"], properties: { name: str, audiences: strings } } },
                        },
                    },
                },
            },
        },
    },
};

const bundleSourceObject: FieldSpec = {
    type: "object",
    exactlyOne: ["name", "selector"],
    properties: { name: str, key: str, includeAllKeys: { type: "boolean" }, selector: { type: "object", properties: { matchLabels: stringMap } } },
};

export const BUNDLE_SPEC: FieldSpec = {
    type: "object",
    required: ["sources"],
    properties: {
        sources: {
            type: "array",
            items: {
                type: "object",
                exactlyOne: ["configMap", "secret", "inLine", "useDefaultCAs"],
                properties: { configMap: bundleSourceObject, secret: bundleSourceObject, inLine: str, useDefaultCAs: { type: "boolean" } },
            },
        },
        target: {
            type: "object",
            atLeastOne: ["configMap", "secret"],
            properties: {
                configMap: { type: "object", required: ["key"], properties: { key: str } },
                secret: { type: "object", required: ["key"], properties: { key: str } },
                namespaceSelector: {
                    type: "object",
                    properties: {
                        matchLabels: stringMap,
                        matchExpressions: {
                            type: "array",
                            items: {
                                type: "object",
                                required: ["key", "operator"],
                                properties: { key: str, operator: { type: "string", enum: ["In", "NotIn", "Exists", "DoesNotExist"] }, values: strings },
                            },
                        },
                    },
                },
            },
        },
    },
};

/** approver-policy's `allowed` entry for a single value, or for a list of values. */
const allowedValue: FieldSpec = { type: "object", properties: { value: str, required: { type: "boolean" } } };
const allowedValues: FieldSpec = { type: "object", properties: { values: strings, required: { type: "boolean" } } };

export const CERTIFICATE_REQUEST_POLICY_SPEC: FieldSpec = {
    type: "object",
    required: ["selector"],
    properties: {
        allowed: {
            type: "object",
            properties: {
                commonName: allowedValue,
                dnsNames: allowedValues,
                uris: allowedValues,
                isCA: { type: "boolean" },
                usages: { type: "array", items: { type: "string", enum: KEY_USAGES } },
                subject: { type: "object", properties: { organizations: allowedValues } },
            },
        },
        constraints: {
            type: "object",
            properties: {
                minDuration: str,
                maxDuration: str,
                privateKey: {
                    type: "object",
                    properties: { algorithm: { type: "string", enum: ["RSA", "ECDSA", "Ed25519"] }, minSize: { type: "integer" }, maxSize: { type: "integer" } },
                },
            },
        },
        selector: {
            type: "object",
            properties: {
                issuerRef: { type: "object", properties: { name: str, kind: str, group: str } },
                namespace: { type: "object", properties: { matchNames: strings, matchLabels: stringMap } },
            },
        },
    },
};

/** Custom resource kinds: API version, scope and spec facts. */
export const CUSTOM_RESOURCE_FACTS: Record<string, { apiVersion: string; namespaced: boolean; spec: FieldSpec }> = {
    Certificate: { apiVersion: "cert-manager.io/v1", namespaced: true, spec: CERTIFICATE_SPEC },
    Issuer: { apiVersion: "cert-manager.io/v1", namespaced: true, spec: ISSUER_SPEC },
    ClusterIssuer: { apiVersion: "cert-manager.io/v1", namespaced: false, spec: ISSUER_SPEC },
    Bundle: { apiVersion: "trust.cert-manager.io/v1alpha1", namespaced: false, spec: BUNDLE_SPEC },
    CertificateRequestPolicy: { apiVersion: "policy.cert-manager.io/v1alpha1", namespaced: false, spec: CERTIFICATE_REQUEST_POLICY_SPEC },
};

/** Problems of `value` against `spec`, each naming its path; empty when it conforms. */
export function validateField(value: unknown, spec: FieldSpec, path: string): string[] {
    switch (spec.type) {
        case "string":
            if (typeof value !== "string") return [`${path}: expected a string, got ${JSON.stringify(value)}`];
            return spec.enum && !spec.enum.includes(value) ? [`${path}: "${value}" is not one of ${spec.enum.join(", ")}`] : [];
        case "boolean":
            return typeof value === "boolean" ? [] : [`${path}: expected a boolean, got ${JSON.stringify(value)}`];
        case "integer":
            return Number.isInteger(value) ? [] : [`${path}: expected an integer, got ${JSON.stringify(value)}`];
        case "stringMap":
            if (value === null || typeof value !== "object" || Array.isArray(value)) return [`${path}: expected a map of strings`];
            return Object.entries(value)
                .filter(([, v]) => typeof v !== "string")
                .map(([k]) => `${path}.${k}: expected a string`);
        case "array":
            if (!Array.isArray(value)) return [`${path}: expected an array, got ${JSON.stringify(value)}`];
            return value.flatMap((item, index) => validateField(item, spec.items!, `${path}[${index}]`));
        case "object": {
            if (value === null || typeof value !== "object" || Array.isArray(value)) return [`${path}: expected an object, got ${JSON.stringify(value)}`];
            const record = value as Record<string, unknown>;
            const problems: string[] = [];
            for (const key of spec.required ?? []) if (record[key] === undefined) problems.push(`${path}.${key}: required`);
            if (spec.exactlyOne) {
                const set = spec.exactlyOne.filter((key) => record[key] !== undefined);
                if (set.length !== 1) problems.push(`${path}: exactly one of ${spec.exactlyOne.join(", ")} must be set (got ${set.join(", ") || "none"})`);
            }
            if (spec.atLeastOne && !spec.atLeastOne.some((key) => record[key] !== undefined)) problems.push(`${path}: at least one of ${spec.atLeastOne.join(", ")} must be set`);
            for (const [key, child] of Object.entries(record)) {
                const childSpec = spec.properties?.[key];
                if (!childSpec) problems.push(`${path}.${key}: not a field of this schema`);
                else problems.push(...validateField(child, childSpec, `${path}.${key}`));
            }
            return problems;
        }
    }
}

/** Problems of a whole custom resource (apiVersion, kind, metadata, spec). */
export function validateCustomResource(resource: { apiVersion?: unknown; kind?: unknown; metadata?: any; spec?: unknown }): string[] {
    const kind = String(resource.kind);
    const facts = CUSTOM_RESOURCE_FACTS[kind];
    if (!facts) return [`kind ${kind} has no CRD facts`];
    const problems: string[] = [];
    if (resource.apiVersion !== facts.apiVersion) problems.push(`apiVersion ${resource.apiVersion} of ${kind} is not ${facts.apiVersion}`);
    if (typeof resource.metadata?.name !== "string" || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(resource.metadata.name))
        problems.push(`metadata.name ${resource.metadata?.name} is not a DNS subdomain name`);
    if (facts.namespaced && typeof resource.metadata?.namespace !== "string") problems.push(`${kind} is namespaced but has no metadata.namespace`);
    if (!facts.namespaced && resource.metadata?.namespace !== undefined) problems.push(`${kind} is cluster-scoped but has metadata.namespace`);
    problems.push(...validateField(resource.spec, facts.spec, "spec"));
    return problems;
}
