/**
 * Checks the custom resources of every stack's plan against the real Istio CRD schemas in
 * ../shared/reference (or $ISTIO_CA_REFERENCE), when that folder is present. Not part of `npm test`:
 *
 *   npx ts-node --transpile-only scripts/check-istio-reference.ts
 *
 * Checks structural schema facts with the walker of ./jsonSchema.ts (types, properties, required,
 * enum, pattern, lengths); CEL rules (x-kubernetes-validations) are listed but not evaluated.
 * Kinds without a CRD in the Istio folder (PrometheusRule; the cert-manager kinds, which
 * scripts/check-reference.ts checks) are reported as skipped.
 */
import * as path from "path";
import { checkSchema, loadCrdSchemas, referenceDir as defaultReferenceDir } from "./jsonSchema";
import { customResources, planEveryStack } from "./stackPlans";

const referenceDir = defaultReferenceDir();

async function main(): Promise<void> {
    const schemas = loadCrdSchemas([path.join(referenceDir, "istio", "crd-all.gen.yaml")]);
    if (schemas.size === 0) {
        console.log(`No CRDs under ${referenceDir}; nothing to check.`);
        return;
    }
    let failures = 0;
    let checked = 0;
    let skipped = 0;
    for (const { stack, resource, inputs, key } of customResources(await planEveryStack())) {
        if (!inputs.spec) continue;
        const schema = schemas.get(key);
        if (!schema) {
            skipped++;
            console.log(`SKIP ${stack} ${key} ${resource.name}: no CRD in ${referenceDir}`);
            continue;
        }
        const { problems, celRules } = checkSchema(inputs, schema, { kubernetesObject: true });
        checked++;
        failures += problems.length ? 1 : 0;
        console.log(`${problems.length ? "FAIL" : "OK  "} ${stack} ${key} ${resource.name}${problems.map((p) => `\n       ${p}`).join("")}`);
        for (const rule of new Set(celRules)) console.log(`       (CEL rule not evaluated) ${rule}`);
    }
    console.log(`\n${checked} custom resource(s) checked against an Istio CRD, ${skipped} skipped (no CRD), ${failures} resource(s) failing`);
    if (failures > 0) {
        console.error(`${failures} resource(s) do not match their CRD.`);
        process.exit(1);
    }
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
