/**
 * The JSON-schema walker and CRD loader the reference check scripts share. It covers the
 * keywords the upstream chart schemas and CRDs use: $ref, type, enum, pattern, min/maxLength,
 * items, required, properties, additionalProperties, x-kubernetes-int-or-string and
 * x-kubernetes-preserve-unknown-fields. CEL rules (x-kubernetes-validations) are collected, not evaluated.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { PROJECT_DIR } from "../plan/engine";

export type JsonSchema = Record<string, any>;

export interface SchemaCheck {
    problems: string[];
    /** CEL rules met on the way (`<path>: <rule>`), for the caller to list. */
    celRules: string[];
}

export interface SchemaCheckOptions {
    /**
     * Check a Kubernetes object against its CRD's structural schema: apiVersion, kind and metadata
     * are implicit at the root, ObjectMeta is left to the API server, and a field the schema does
     * not declare is a problem (the API server prunes it) unless preserve-unknown-fields is set.
     * Otherwise plain JSON-schema semantics: only `additionalProperties: false` refuses a key.
     */
    kubernetesObject?: boolean;
}

/** Upstream reference data: `$ISTIO_CA_REFERENCE`, else ../shared/reference next to the project. */
export function referenceDir(override?: string): string {
    return override ?? process.env.ISTIO_CA_REFERENCE ?? path.join(PROJECT_DIR, "..", "shared", "reference");
}

/** Follows `$ref`s until a schema without one; throws on a `$ref` cycle (e.g. a definition that refers to itself), which no value could satisfy. */
function resolve(schema: JsonSchema, root: JsonSchema): JsonSchema {
    let current = schema;
    const seen = new Set<string>();
    while (current.$ref) {
        if (seen.has(String(current.$ref))) throw new Error(`$ref cycle: ${[...seen, current.$ref].join(" -> ")}`);
        seen.add(String(current.$ref));
        const ref = String(current.$ref)
            .replace(/^#\//, "")
            .split("/")
            .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"));
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

/** Problems of `value` against `schema` (`$ref`s resolve against the same schema). */
export function checkSchema(value: unknown, schema: JsonSchema, options: SchemaCheckOptions = {}): SchemaCheck {
    const result: SchemaCheck = { problems: [], celRules: [] };
    walk(value, schema, schema, "", options, result);
    return result;
}

function walk(value: unknown, schemaIn: JsonSchema, root: JsonSchema, at: string, options: SchemaCheckOptions, result: SchemaCheck): void {
    const schema = resolve(schemaIn, root);
    const where = at || "(root)";
    for (const rule of schema["x-kubernetes-validations"] ?? []) result.celRules.push(`${where}: ${rule.rule}`);
    if (schema["x-kubernetes-int-or-string"]) {
        if (typeof value !== "string" && !Number.isInteger(value)) result.problems.push(`${where}: expected int or string, got ${JSON.stringify(value)}`);
        return;
    }
    if (!typeMatches(value, schema.type)) return void result.problems.push(`${where}: expected ${JSON.stringify(schema.type)}, got ${JSON.stringify(value)}`);
    if (schema.enum && !schema.enum.includes(value)) result.problems.push(`${where}: ${JSON.stringify(value)} not in enum ${JSON.stringify(schema.enum)}`);
    if (typeof value === "string") {
        if (schema.pattern && !new RegExp(schema.pattern).test(value)) result.problems.push(`${where}: does not match ${schema.pattern}`);
        if (schema.maxLength !== undefined && value.length > schema.maxLength) result.problems.push(`${where}: longer than ${schema.maxLength}`);
        if (schema.minLength !== undefined && value.length < schema.minLength) result.problems.push(`${where}: shorter than ${schema.minLength}`);
    }
    if (Array.isArray(value) && schema.items) value.forEach((item, i) => walk(item, schema.items, root, `${at}[${i}]`, options, result));
    if (value === null || typeof value !== "object" || Array.isArray(value)) return;
    const record = value as Record<string, unknown>;
    for (const key of schema.required ?? []) if (record[key] === undefined) result.problems.push(`${at ? `${at}.` : ""}${key}: required`);
    // ObjectMeta is validated by the API server itself.
    if (options.kubernetesObject && at === "metadata") return;
    for (const [key, child] of Object.entries(record)) {
        const childAt = at ? `${at}.${key}` : key;
        const property = schema.properties?.[key];
        if (property) walk(child, property, root, childAt, options, result);
        else if (typeof schema.additionalProperties === "object") walk(child, schema.additionalProperties, root, childAt, options, result);
        else if (schema.additionalProperties === false) result.problems.push(`${childAt}: not allowed (additionalProperties: false)`);
        // apiVersion, kind and metadata are implicit in every CRD's root schema.
        else if (options.kubernetesObject && at === "" && ["apiVersion", "kind", "metadata"].includes(key)) continue;
        else if (options.kubernetesObject && schema["x-kubernetes-preserve-unknown-fields"] !== true) result.problems.push(`${childAt}: unknown field (the API server prunes it)`);
    }
}

/** The served versions' schemas of every CRD in the given YAML files, by `<group>/<version>/<Kind>`. */
export function loadCrdSchemas(files: string[]): Map<string, JsonSchema> {
    const schemas = new Map<string, JsonSchema>();
    for (const file of files.filter((f) => fs.existsSync(f))) {
        for (const doc of YAML.parseAllDocuments(fs.readFileSync(file, "utf8"))) {
            const crd = doc.toJS();
            if (crd?.kind !== "CustomResourceDefinition") continue;
            for (const version of crd.spec.versions ?? []) {
                if (version.served === false) continue;
                schemas.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, version.schema.openAPIV3Schema);
            }
        }
    }
    return schemas;
}
