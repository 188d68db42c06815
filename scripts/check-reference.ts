/**
 * Checks what the program writes against the upstream chart schemas and CRDs in
 * ../shared/reference (cert-manager v1.21.1, istio-csr v0.17.0, trust-manager v0.24.0):
 * the Helm values of every jetstack release and every custom resource of the cert-manager
 * stacks' offline plans. Not part of `npm test` (the reference files live outside the project).
 *
 *   npx ts-node --transpile-only scripts/check-reference.ts [referenceDir]
 *
 * Chart values: `ajv` (draft-07) when installed, else a small walker of the JSON-schema keywords
 * these schemas use (type, properties, additionalProperties, required, enum, items, $ref).
 * Custom resources: the walker, which also refuses fields the CRD does not declare (the API
 * server would silently prune them), plus `ajv` when installed.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { PROJECT_DIR, planStack, findStackConfigFile } from "../plan/engine";

const referenceDir = process.argv[2] ?? path.join(PROJECT_DIR, "..", "shared", "reference");

type Schema = Record<string, any>;

function resolve(schema: Schema, root: Schema): Schema {
    let current = schema;
    while (current.$ref) {
        const ref = String(current.$ref).replace(/^#\//, "").split("/").map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"));
        current = ref.reduce<any>((node, key) => node[key], root);
    }
    return current;
}

function typeMatches(value: unknown, type: string | string[] | undefined): boolean {
    if (type === undefined) return true;
    const types = Array.isArray(type) ? type : [type];
    return types.some((t) => {
        if (t === "integer") return Number.isInteger(value);
        if (t === "number") return typeof value === "number";
        if (t === "array") return Array.isArray(value);
        if (t === "object") return value !== null && typeof value === "object" && !Array.isArray(value);
        if (t === "null") return value === null;
        return typeof value === t;
    });
}

/** Problems of a value against a JSON schema (the subset of keywords the reference schemas use). */
function walk(value: unknown, schemaIn: Schema, root: Schema, at: string): string[] {
    const schema = resolve(schemaIn, root);
    const problems: string[] = [];
    if (!typeMatches(value, schema.type)) return [`${at}: type ${JSON.stringify(schema.type)} expected, got ${JSON.stringify(value)}`];
    if (schema.enum && !schema.enum.includes(value)) problems.push(`${at}: ${JSON.stringify(value)} not in enum ${JSON.stringify(schema.enum)}`);
    if (Array.isArray(value) && schema.items) value.forEach((item, i) => problems.push(...walk(item, schema.items, root, `${at}[${i}]`)));
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
        const record = value as Record<string, unknown>;
        for (const key of schema.required ?? []) if (record[key] === undefined) problems.push(`${at}.${key}: required`);
        for (const [key, child] of Object.entries(record)) {
            const property = schema.properties?.[key];
            if (property) problems.push(...walk(child, property, root, `${at}.${key}`));
            else if (schema.additionalProperties === false) problems.push(`${at}.${key}: not allowed (additionalProperties: false)`);
            else if (typeof schema.additionalProperties === "object") problems.push(...walk(child, schema.additionalProperties, root, `${at}.${key}`));
            else if (schema.properties && schema["x-kubernetes-preserve-unknown-fields"] !== true) problems.push(`${at}.${key}: unknown field (the API server prunes it)`);
        }
    }
    return problems;
}

type Validate = (value: unknown, schema: Schema) => string[];

const walker: Validate = (value, schema) => walk(value, schema, schema, "");

function ajvValidator(): Validate | undefined {
    try {
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        const Ajv = require("ajv");
        const ajv = new (Ajv.default ?? Ajv)({ strict: false, allErrors: true, validateFormats: false });
        return (value, schema) => {
            const validate = ajv.compile(schema);
            return validate(value) ? [] : validate.errors.map((e: any) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
        };
    } catch {
        return undefined;
    }
}

const CHART_SCHEMAS: Record<string, string> = {
    "cert-manager": "cert-manager/values.schema.json",
    "cert-manager-istio-csr": "istio-csr/values.schema.json",
    "trust-manager": "trust-manager/values.schema.json",
};

const CRD_FILES: Record<string, string> = {
    Certificate: "cert-manager/cert-manager.io_certificates.yaml",
    ClusterIssuer: "cert-manager/cert-manager.io_clusterissuers.yaml",
    Issuer: "cert-manager/cert-manager.io_issuers.yaml",
    Bundle: "trust-manager/trust.cert-manager.io_bundles.yaml",
};

function crdSchema(kind: string, apiVersion: string): Schema {
    const crd = YAML.parse(fs.readFileSync(path.join(referenceDir, CRD_FILES[kind]), "utf8"));
    const version = crd.spec.versions.find((v: any) => `${crd.spec.group}/${v.name}` === apiVersion && v.served);
    if (!version) throw new Error(`${apiVersion} ${kind} is not a served version of the CRD`);
    return version.schema.openAPIV3Schema;
}

async function main(): Promise<void> {
    const ajv = ajvValidator();
    console.log(`chart values: ${ajv ? "ajv" : "built-in walker (ajv not installed)"}; custom resources: built-in walker${ajv ? " + ajv" : ""}\n`);
    const validateValues = ajv ?? walker;
    const validateResource: Validate = (value, schema) => [...walker(value, schema), ...(ajv ? ajv(value, schema) : [])];
    let failures = 0;
    let checked = 0;
    const stacks = ["cert-manager", "cert-manager-istio-csr", "vault", "vault-istio-csr"];
    const extra = [{ name: "cert-manager-in-cluster-root", values: { "istio-ca:caMode": "cert-manager", "istio-ca:certManagerRoot": "in-cluster", "istio-ca:certManagerServiceMonitor": "true" } }];
    const plans = [
        ...(await Promise.all(stacks.map((stack) => planStack({ stack, configFile: findStackConfigFile(stack) })))),
        ...(await Promise.all(extra.map((e) => planStack({ stack: e.name, config: { values: e.values, secretKeys: [] } })))),
    ];
    // The CSR signer gate is only set when another strategy asks for it; check that rendering too.
    const { certManagerValues } = await import("../src/certManagerValues");
    const releases: { label: string; chart: string; values: unknown }[] = [{ label: "certManagerValues(enableCsrSigner)", chart: "cert-manager", values: certManagerValues({ serviceMonitor: true, enableCsrSigner: true }) }];
    for (const plan of plans) {
        for (const resource of plan.resources) {
            const inputs = resource.inputs as any;
            if (resource.type === "kubernetes:helm.sh/v3:Release" && CHART_SCHEMAS[inputs.chart]) releases.push({ label: `${plan.stack}/${resource.name}`, chart: inputs.chart, values: inputs.values });
            if (resource.type.startsWith("kubernetes:") && CRD_FILES[inputs.kind]) {
                const problems = validateResource({ apiVersion: inputs.apiVersion, kind: inputs.kind, metadata: inputs.metadata, spec: inputs.spec }, crdSchema(inputs.kind, inputs.apiVersion));
                checked++;
                failures += problems.length;
                console.log(`${problems.length ? "FAIL" : "ok  "} ${plan.stack}/${inputs.kind} ${resource.name}${problems.map((p) => `\n     ${p}`).join("")}`);
            }
        }
    }
    for (const release of releases) {
        const schema = JSON.parse(fs.readFileSync(path.join(referenceDir, CHART_SCHEMAS[release.chart]), "utf8"));
        const problems = validateValues(release.values, schema);
        checked++;
        failures += problems.length;
        console.log(`${problems.length ? "FAIL" : "ok  "} ${release.label} values (${release.chart})${problems.map((p) => `\n     ${p}`).join("")}`);
    }
    console.log(`\n${checked} documents checked, ${failures} problem(s)`);
    process.exitCode = failures ? 1 : 0;
}

main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
});
