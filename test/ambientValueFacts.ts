/**
 * What the program may write into the Istio 1.30 `cni` and `ztunnel` charts' values, taken from the
 * charts' `values.yaml` and templates at Istio 1.30.3 (manifests/charts/istio-cni,
 * manifests/charts/ztunnel), and what their ambient profile sets. Like istiod's, these charts have
 * no values schema, so a misspelt key would be ignored silently: these allowlists catch it.
 * `scripts/check-istio-values.ts` checks the same values against the real files.
 */

/** `profile` is read by every Istio chart's templates/zzz_profile.yaml, not declared in values.yaml. */
export const PROFILE_KEY = "profile";
/** The profiles of the 1.30.3 charts this program selects (files/profile-<name>.yaml in each chart). */
export const PROFILES: ReadonlySet<string> = new Set(["ambient"]);

/** Top-level `cni` chart keys this program may set. */
export const CNI_CHART_KEYS: ReadonlySet<string> = new Set([PROFILE_KEY]);

/** Top-level `ztunnel` chart keys this program may set (all in values.yaml but `profile`). */
export const ZTUNNEL_CHART_KEYS: ReadonlySet<string> = new Set([PROFILE_KEY, "env", "caAddress", "istioNamespace"]);

/** ztunnel environment variables (src/config.rs at ztunnel 1.30.3) this program may set in the chart's `env`. */
export const ZTUNNEL_ENV_VARS: ReadonlySet<string> = new Set(["SECRET_TTL"]);

/**
 * Variables the ztunnel DaemonSet template renders itself (templates/daemonset.yaml:109-180), and
 * those the ambient profile adds through `meshConfig.defaultConfig.proxyMetadata`: the same name in
 * `env` would be a second entry.
 */
export const CHART_RENDERED_ZTUNNEL_ENV: ReadonlySet<string> = new Set([
    "CA_ADDRESS",
    "XDS_ADDRESS",
    "LOG_FORMAT",
    "NETWORK",
    "RUST_LOG",
    "RUST_BACKTRACE",
    "ISTIO_META_CLUSTER_ID",
    "INPOD_ENABLED",
    "TERMINATION_GRACE_PERIOD_SECONDS",
    "POD_NAME",
    "POD_NAMESPACE",
    "NODE_NAME",
    "INSTANCE_IP",
    "SERVICE_ACCOUNT",
    "ZTUNNEL_CPU_LIMIT",
    "CRL_PATH",
    "ISTIO_META_ENABLE_HBONE",
]);

/**
 * What files/profile-ambient.yaml sets (identical in the istiod, cni and ztunnel charts, a copy of
 * manifests/helm-profiles/ambient.yaml), flattened: the program must not set these paths to anything else.
 */
export const AMBIENT_PROFILE_VALUES: Readonly<Record<string, string | boolean>> = {
    "meshConfig.defaultConfig.proxyMetadata.ISTIO_META_ENABLE_HBONE": "true",
    "global.variant": "distroless",
    "pilot.env.PILOT_ENABLE_AMBIENT": "true",
    "cni.ambient.enabled": true,
};

function isRecord(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

function topLevel(values: unknown, allowed: ReadonlySet<string>, chart: string): string[] {
    if (!isRecord(values)) return [`${chart} values: expected an object`];
    const problems = Object.keys(values)
        .filter((key) => !allowed.has(key))
        .map((key) => `${key}: not a ${chart} chart key this program sets`);
    if (values[PROFILE_KEY] !== undefined && !PROFILES.has(String(values[PROFILE_KEY])))
        problems.push(`profile: ${JSON.stringify(values[PROFILE_KEY])} is not a profile of the chart`);
    return problems;
}

/** Problems of `cni` chart values against the allowlists above. */
export function checkCniValues(values: unknown): string[] {
    return topLevel(values, CNI_CHART_KEYS, "cni");
}

/** Problems of `ztunnel` chart values against the allowlists above. */
export function checkZtunnelValues(values: unknown): string[] {
    const problems = topLevel(values, ZTUNNEL_CHART_KEYS, "ztunnel");
    if (!isRecord(values) || values.env === undefined) return problems;
    if (!isRecord(values.env)) return [...problems, "env: expected a map of variables"];
    for (const [name, value] of Object.entries(values.env)) {
        if (CHART_RENDERED_ZTUNNEL_ENV.has(name)) problems.push(`env.${name}: the chart renders it already; a second entry breaks Helm upgrades`);
        else if (!ZTUNNEL_ENV_VARS.has(name)) problems.push(`env.${name}: not a ztunnel 1.30 environment variable this program sets`);
        if (typeof value !== "string") problems.push(`env.${name}: environment values are strings, got ${JSON.stringify(value)}`);
    }
    for (const key of ["caAddress", "istioNamespace"]) {
        if (values[key] !== undefined && typeof values[key] !== "string") problems.push(`${key}: expected a string`);
    }
    return problems;
}

/**
 * Paths of the ambient profile that the given values set to something else than the profile does,
 * also at the top level: istiod copies `pilot.*` there, and cni `cni.*` (templates/zzy_descope_legacy.yaml).
 */
export function profileOverrides(values: unknown): string[] {
    const at = (path: string) => path.split(".").reduce<unknown>((node, key) => (isRecord(node) ? node[key] : undefined), values);
    return Object.entries(AMBIENT_PROFILE_VALUES).flatMap(([path, expected]) =>
        [path, path.replace(/^(pilot|cni)\./, "")].filter((p, i, all) => all.indexOf(p) === i && at(p) !== undefined && at(p) !== expected),
    );
}
