/**
 * Checks the Helm values of every Istio release in the offline plans of all stacks (`base`,
 * `istiod`, and in ambient mode `cni` and `ztunnel`) against the charts' own `values.yaml` and
 * istiod's ambient profile from Istio 1.30.3 in ../shared/reference (or $ISTIO_CA_REFERENCE). Not
 * part of `npm test` (the reference files live outside the project; test/istiodValueFacts.ts and
 * test/ambientValueFacts.ts keep the facts the tests rely on):
 *
 *   npx ts-node --transpile-only scripts/check-istio-values.ts
 *
 * The Istio charts have no values schema, so each written path is checked by hand: it must be a key
 * of the chart's defaults (`_internal_defaults_do_not_set`), or below a map the chart leaves open
 * (`env`, `podAnnotations`, ...), or `profile` (read by every chart's templates/zzz_profile.yaml);
 * a default that is a list or scalar fixes the written value's type; `meshConfig` takes MeshConfig's
 * fields and `meshConfig.defaultConfig` ProxyConfig's (istio/api, meshconfig-fields.json). The
 * ambient profile file is compared with the facts of test/ambientValueFacts.ts, and no release may
 * set one of its paths to something else.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { AMBIENT_PROFILE_VALUES, profileOverrides } from "../test/ambientValueFacts";
import { referenceDir as defaultReferenceDir } from "./jsonSchema";
import { planEveryStack } from "./stackPlans";

const referenceDir = defaultReferenceDir(process.argv[2]);
const ISTIO = path.join(referenceDir, "istio");

/** The chart values files by chart name, as the releases name their charts. */
const CHART_VALUES: Record<string, string> = { base: "base-values.yaml", istiod: "istiod-values.yaml", cni: "cni-values.yaml", ztunnel: "ztunnel-values.yaml" };
/** Charts whose profile files are in the reference folder; the others' copies of files/profile-ambient.yaml are identical in the source tree at 1.30.3. */
const PROFILE_FILES: Record<string, string> = { istiod: "istiod-profile-ambient.yaml" };

type Node = Record<string, unknown>;
const isMap = (value: unknown): value is Node => value !== null && typeof value === "object" && !Array.isArray(value);

function typeName(value: unknown): string {
    return Array.isArray(value) ? "list" : value === null ? "null" : typeof value;
}

/** Problems of `values` below `at` against the chart defaults `defaults`. */
function walk(values: unknown, defaults: unknown, at: string, fields: { mesh: Set<string>; proxy: Set<string> }, problems: string[]): void {
    if (!isMap(values)) return;
    for (const [key, value] of Object.entries(values)) {
        const here = at ? `${at}.${key}` : key;
        if (here === "profile") continue; // checked by the caller
        if (here === "meshConfig" || here === "meshConfig.defaultConfig") {
            const allowed = here === "meshConfig" ? fields.mesh : fields.proxy;
            if (!isMap(value)) problems.push(`${here}: expected a map, got ${typeName(value)}`);
            else
                for (const field of Object.keys(value)) {
                    if (!allowed.has(field)) problems.push(`${here}.${field}: not a ${here === "meshConfig" ? "MeshConfig" : "ProxyConfig"} field of istio/api`);
                    else if (field === "defaultConfig") walk({ defaultConfig: value[field] }, { defaultConfig: {} }, here, fields, problems);
                }
            continue;
        }
        if (!isMap(defaults) || !(key in defaults)) {
            problems.push(`${here}: not a key of the chart's values.yaml`);
            continue;
        }
        const expected = defaults[key];
        if (isMap(expected)) {
            if (!isMap(value)) problems.push(`${here}: the chart has a map here, got ${typeName(value)}`);
            // An empty map in the defaults is open: any key (env, podAnnotations, deploymentAnnotations, ...).
            else if (Object.keys(expected).length > 0) walk(value, expected, here, fields, problems);
        } else if (Array.isArray(expected)) {
            if (!Array.isArray(value)) problems.push(`${here}: the chart has a list here, got ${typeName(value)}`);
        } else if (expected !== null && typeof expected !== typeof value) {
            problems.push(`${here}: the chart's default is a ${typeName(expected)}, got ${typeName(value)}`);
        }
    }
}

/** Problems of one release's values against its chart's defaults and istio/api's MeshConfig and ProxyConfig fields. */
export function chartValuesProblems(values: Node, defaults: unknown, fields: { mesh: Set<string>; proxy: Set<string> }): string[] {
    const problems: string[] = [];
    walk(values, defaults, "", fields, problems);
    const chosen = values.profile;
    if (chosen !== undefined) {
        if (chosen !== "ambient") problems.push(`profile: ${JSON.stringify(chosen)} is not files/profile-ambient.yaml`);
        problems.push(...profileOverrides(values).map((key) => `${key}: set to something else than the ambient profile sets`));
    }
    return problems;
}

/** Paths and values of a nested map, dotted. */
function flatten(node: unknown, at = ""): Record<string, unknown> {
    if (!isMap(node)) return { [at]: node };
    return Object.assign({}, ...Object.entries(node).map(([key, value]) => flatten(value, at ? `${at}.${key}` : key)));
}

async function main(): Promise<void> {
    if (!fs.existsSync(path.join(ISTIO, CHART_VALUES.istiod))) {
        console.log(`No Istio values under ${ISTIO}; nothing to check.`);
        return;
    }
    const defaults = Object.fromEntries(
        Object.entries(CHART_VALUES).map(([chart, file]) => [chart, (YAML.parse(fs.readFileSync(path.join(ISTIO, file), "utf8")) as Node)._internal_defaults_do_not_set]),
    );
    const meshFields = JSON.parse(fs.readFileSync(path.join(ISTIO, "meshconfig-fields.json"), "utf8")) as { MeshConfig: string[]; ProxyConfig: string[] };
    const fields = { mesh: new Set(meshFields.MeshConfig), proxy: new Set(meshFields.ProxyConfig) };
    let failures = 0;
    let checked = 0;

    // The facts the tests keep about the ambient profile are the profile's.
    const profile = flatten(YAML.parse(fs.readFileSync(path.join(ISTIO, PROFILE_FILES.istiod), "utf8")));
    const facts = Object.entries(AMBIENT_PROFILE_VALUES).filter(([key, value]) => profile[key] !== value);
    const unrecorded = Object.keys(profile).filter((key) => !key.startsWith("meshConfig.serviceScopeConfigs") && !(key in AMBIENT_PROFILE_VALUES));
    checked++;
    failures += facts.length + unrecorded.length;
    console.log(
        `${facts.length + unrecorded.length ? "FAIL" : "ok  "} ${PROFILE_FILES.istiod} against test/ambientValueFacts.ts${[...facts.map(([key]) => `${key}: the facts say ${JSON.stringify(AMBIENT_PROFILE_VALUES[key])}, the profile ${JSON.stringify(profile[key])}`), ...unrecorded.map((key) => `${key}: set by the profile, not in the facts`)].map((p) => `\n     ${p}`).join("")}`,
    );

    const releases = new Map<string, number>();
    for (const plan of await planEveryStack()) {
        for (const resource of plan.resources) {
            const inputs = resource.inputs as { chart?: string; values?: Node };
            if (resource.type !== "kubernetes:helm.sh/v3:Release" || !inputs.chart || !(inputs.chart in CHART_VALUES)) continue;
            const problems = chartValuesProblems(inputs.values ?? {}, defaults[inputs.chart], fields);
            releases.set(inputs.chart, (releases.get(inputs.chart) ?? 0) + 1);
            checked++;
            failures += problems.length;
            console.log(`${problems.length ? "FAIL" : "ok  "} ${plan.stack}/${resource.name} values (${inputs.chart})${problems.map((p) => `\n     ${p}`).join("")}`);
        }
    }
    const counts = [...releases].map(([chart, count]) => `${count} ${chart}`).join(", ");
    console.log(`\n${checked} documents checked (the ambient profile; Istio chart values: ${counts}), ${failures} problem(s) in all`);
    process.exitCode = failures ? 1 : 0;
}

if (require.main === module) {
    main().catch((err) => {
        console.error(err);
        process.exitCode = 1;
    });
}
