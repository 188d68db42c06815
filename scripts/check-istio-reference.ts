/**
 * Checks the custom resources of every stack's plan against the real Istio CRD schemas in
 * ../shared/reference (or $ISTIO_CA_REFERENCE), when that folder is present. Not part of `npm test`:
 *
 *   npx ts-node --transpile-only scripts/check-istio-reference.ts
 *
 * Checks structural schema facts (types, properties, required, enum, pattern, lengths); CEL rules
 * (x-kubernetes-validations) are listed but not evaluated. Kinds without a CRD in the folder
 * (PrometheusRule) are reported as skipped.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { PROJECT_DIR, listStacks, planStack } from "../plan/engine";

type JsonSchema = Record<string, any>;

const referenceDir = process.env.ISTIO_CA_REFERENCE ?? path.join(PROJECT_DIR, "..", "shared", "reference");

function loadSchemas(): Map<string, JsonSchema> {
    const schemas = new Map<string, JsonSchema>();
    const files = [path.join(referenceDir, "istio", "crd-all.gen.yaml")];
    for (const file of files.filter((f) => fs.existsSync(f))) {
        for (const doc of YAML.parseAllDocuments(fs.readFileSync(file, "utf8"))) {
            const crd = doc.toJS();
            if (crd?.kind !== "CustomResourceDefinition") continue;
            for (const version of crd.spec.versions ?? []) {
                schemas.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, version.schema.openAPIV3Schema);
            }
        }
    }
    return schemas;
}

function check(value: unknown, schema: JsonSchema, at: string, problems: string[], celRules: Set<string>): void {
    for (const rule of schema["x-kubernetes-validations"] ?? []) celRules.add(`${at}: ${rule.rule}`);
    if (schema["x-kubernetes-int-or-string"]) {
        if (typeof value !== "string" && !Number.isInteger(value)) problems.push(`${at}: expected int or string`);
        return;
    }
    switch (schema.type) {
        case "string":
            if (typeof value !== "string") return void problems.push(`${at}: expected string`);
            if (schema.enum && !schema.enum.includes(value)) problems.push(`${at}: ${value} not in ${schema.enum.join(",")}`);
            if (schema.pattern && !new RegExp(schema.pattern).test(value)) problems.push(`${at}: does not match ${schema.pattern}`);
            if (schema.maxLength !== undefined && value.length > schema.maxLength) problems.push(`${at}: longer than ${schema.maxLength}`);
            if (schema.minLength !== undefined && value.length < schema.minLength) problems.push(`${at}: shorter than ${schema.minLength}`);
            return;
        case "boolean":
            if (typeof value !== "boolean") problems.push(`${at}: expected boolean`);
            return;
        case "integer":
            if (!Number.isInteger(value)) problems.push(`${at}: expected integer`);
            return;
        case "array":
            if (!Array.isArray(value)) return void problems.push(`${at}: expected array`);
            value.forEach((item, i) => check(item, schema.items ?? {}, `${at}[${i}]`, problems, celRules));
            return;
        case "object": {
            if (typeof value !== "object" || value === null || Array.isArray(value)) return void problems.push(`${at}: expected object`);
            const record = value as Record<string, unknown>;
            for (const key of schema.required ?? []) if (!(key in record)) problems.push(`${at}: missing ${key}`);
            if (at === "metadata") return; // ObjectMeta is validated by the API server itself.
            for (const [key, child] of Object.entries(record)) {
                // apiVersion, kind and metadata are implicit in every CRD's root schema.
                if (at === "" && ["apiVersion", "kind", "metadata"].includes(key)) continue;
                const childSchema = schema.properties?.[key] ?? (typeof schema.additionalProperties === "object" ? schema.additionalProperties : undefined);
                if (!childSchema) {
                    if (!schema["x-kubernetes-preserve-unknown-fields"]) problems.push(`${at ? `${at}.` : ""}${key}: unknown field (would be pruned)`);
                    continue;
                }
                check(child, childSchema, at ? `${at}.${key}` : key, problems, celRules);
            }
            return;
        }
    }
}

async function main(): Promise<void> {
    const schemas = loadSchemas();
    if (schemas.size === 0) {
        console.log(`No CRDs under ${referenceDir}; nothing to check.`);
        return;
    }
    let failures = 0;
    for (const { stack, file } of listStacks()) {
        const plan = await planStack({ stack, configFile: file });
        for (const resource of plan.resources) {
            const inputs = resource.inputs as Record<string, any>;
            if (typeof inputs.apiVersion !== "string" || !inputs.apiVersion.includes(".") || !inputs.spec) continue;
            const key = `${inputs.apiVersion}/${inputs.kind}`;
            const schema = schemas.get(key);
            if (!schema) {
                console.log(`SKIP ${stack} ${key} ${resource.name}: no CRD in ${referenceDir}`);
                continue;
            }
            const problems: string[] = [];
            const celRules = new Set<string>();
            check(inputs, schema, "", problems, celRules);
            failures += problems.length ? 1 : 0;
            console.log(`${problems.length ? "FAIL" : "OK  "} ${stack} ${key} ${resource.name}${problems.map((p) => `\n       ${p}`).join("")}`);
            for (const rule of celRules) console.log(`       (CEL rule not evaluated) ${rule}`);
        }
    }
    if (failures > 0) {
        console.error(`${failures} resource(s) do not match their CRD.`);
        process.exit(1);
    }
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
