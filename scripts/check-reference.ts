/**
 * Checks what the program writes against the upstream chart schemas and CRDs in
 * ../shared/reference (cert-manager v1.21.1, istio-csr v0.17.0, trust-manager v0.24.0, approver-policy v0.27.0):
 * the Helm values of every jetstack release and every cert-manager and trust-manager custom
 * resource in the offline plans of all stacks. Not part of `npm test` (the reference files live outside the project).
 *
 *   npx ts-node --transpile-only scripts/check-reference.ts [referenceDir]
 *
 * Chart values: `ajv` (draft-07) when installed, else the shared walker of ./jsonSchema.ts.
 * Custom resources: that walker, which also refuses fields the CRD does not declare (the API
 * server would silently prune them), plus `ajv` when installed.
 */
import * as fs from "fs";
import * as path from "path";
import { JsonSchema, checkSchema, loadCrdSchemas, referenceDir as defaultReferenceDir } from "./jsonSchema";
import { customResources, planEveryStack } from "./stackPlans";

const referenceDir = defaultReferenceDir(process.argv[2]);

type Validate = (value: unknown, schema: JsonSchema) => string[];

const resourceWalker: Validate = (value, schema) => checkSchema(value, schema, { kubernetesObject: true }).problems;
const valuesWalker: Validate = (value, schema) => checkSchema(value, schema).problems;

function ajvValidator(): Validate | undefined {
    try {
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
    "cert-manager-approver-policy": "approver-policy/values.schema.json",
};

const CRD_FILES = [
    "cert-manager/cert-manager.io_certificates.yaml",
    "cert-manager/cert-manager.io_clusterissuers.yaml",
    "cert-manager/cert-manager.io_issuers.yaml",
    "trust-manager/trust.cert-manager.io_bundles.yaml",
    "approver-policy/crd-certificaterequestpolicies.yaml",
];

async function main(): Promise<void> {
    const ajv = ajvValidator();
    console.log(`chart values: ${ajv ? "ajv" : "built-in walker (ajv not installed)"}; custom resources: built-in walker${ajv ? " + ajv" : ""}\n`);
    const validateValues = ajv ?? valuesWalker;
    const crdSchemas = loadCrdSchemas(CRD_FILES.map((file) => path.join(referenceDir, file)));
    const crdGroups = new Set([...crdSchemas.keys()].map((key) => key.split("/")[0]));
    const validateResource: Validate = (value, schema) => [...resourceWalker(value, schema), ...(ajv ? ajv(value, schema) : [])];
    let failures = 0;
    let checked = 0;
    // Every stack: any of them may install a jetstack chart or create cert-manager resources.
    const plans = await planEveryStack([
        {
            name: "cert-manager-in-cluster-root",
            values: { "istio-ca:caMode": "cert-manager", "istio-ca:certManagerRoot": "in-cluster", "istio-ca:certManagerServiceMonitor": "true" },
        },
    ]);
    // The CSR signer gate is only set when another strategy asks for it; check that rendering too.
    const { certManagerValues } = await import("../src/certManagerValues");
    const releases: { label: string; chart: string; values: unknown }[] = [
        { label: "certManagerValues(enableCsrSigner)", chart: "cert-manager", values: certManagerValues({ serviceMonitor: true, enableCsrSigner: true }) },
    ];
    for (const plan of plans) {
        for (const resource of plan.resources) {
            const inputs = resource.inputs as any;
            if (resource.type === "kubernetes:helm.sh/v3:Release" && CHART_SCHEMAS[inputs.chart])
                releases.push({ label: `${plan.stack}/${resource.name}`, chart: inputs.chart, values: inputs.values });
        }
    }
    for (const { stack, resource, inputs, key } of customResources(plans)) {
        if (!crdGroups.has(String(inputs.apiVersion).split("/")[0])) continue;
        const schema = crdSchemas.get(key);
        const problems = schema
            ? validateResource({ apiVersion: inputs.apiVersion, kind: inputs.kind, metadata: inputs.metadata, spec: inputs.spec }, schema)
            : [`${inputs.apiVersion} ${inputs.kind} is not a served version of a CRD in ${referenceDir}`];
        checked++;
        failures += problems.length;
        console.log(`${problems.length ? "FAIL" : "ok  "} ${stack}/${inputs.kind} ${resource.name}${problems.map((p) => `\n     ${p}`).join("")}`);
    }
    for (const release of releases) {
        const schema = JSON.parse(fs.readFileSync(path.join(referenceDir, CHART_SCHEMAS[release.chart]), "utf8"));
        const problems = validateValues(release.values, schema);
        checked++;
        failures += problems.length;
        console.log(`${problems.length ? "FAIL" : "ok  "} ${release.label} values (${release.chart})${problems.map((p) => `\n     ${p}`).join("")}`);
    }
    console.log(`\n${checked} documents checked (cert-manager and trust-manager custom resources, jetstack chart values), ${failures} problem(s) in all`);
    process.exitCode = failures ? 1 : 0;
}

main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
});
