/**
 * What the program may write into the istiod 1.30 chart's values, taken from the chart's
 * `values.yaml` (istiod 1.30.3), istio/api's MeshConfig and ProxyConfig, and the environment
 * variables istiod and istio-agent register. The chart has no values schema and the variables
 * are free-form maps, so a misspelt key would be ignored silently: these allowlists catch it.
 */

/**
 * Top-level chart keys this program may set (all present in the chart's values, but `profile`,
 * which templates/zzz_profile.yaml reads: `ambient` selects files/profile-ambient.yaml).
 */
export const ISTIOD_CHART_KEYS: ReadonlySet<string> = new Set(["env", "meshConfig", "global", "deploymentAnnotations", "profile", "volumes", "volumeMounts", "podAnnotations"]);

/**
 * `global.*` keys this program may set (all present under the chart's `global`). Not
 * `pilotCertProvider`: the sidecar injector reads it too and mounts the root ConfigMap only when it
 * is `istiod` (files/injection-template.yaml, gateway-injection-template.yaml, grpc-agent.yaml,
 * kube-gateway.yaml in the 1.30.3 chart). A fleet's cluster sets `meshID`, `multiCluster.clusterName`
 * and `network` (values.yaml `global:`, the sidecar injector labels proxies with them).
 */
export const ISTIOD_GLOBAL_KEYS: ReadonlySet<string> = new Set(["caAddress", "certSigners", "meshID", "multiCluster", "network"]);

/**
 * Variables the istiod Deployment template renders itself, unconditionally
 * (templates/deployment.yaml, env list before and after `.Values.env`). The same name in `env`
 * duplicates the entry, which Helm's three-way merge of a later upgrade fails on.
 */
export const CHART_RENDERED_ISTIOD_ENV: ReadonlySet<string> = new Set([
    "REVISION",
    "PILOT_CERT_PROVIDER",
    "POD_NAME",
    "POD_NAMESPACE",
    "SERVICE_ACCOUNT",
    "KUBECONFIG",
    "PILOT_ENABLE_ANALYSIS",
    "CLUSTER_ID",
    "GOMAXPROCS",
    "PLATFORM",
]);

/** MeshConfig fields (istio/api 1.30) this program may set. */
export const MESH_CONFIG_FIELDS: ReadonlySet<string> = new Set(["trustDomain", "trustDomainAliases", "defaultConfig", "caCertificates"]);

/** MeshConfig.CertificateData fields (entries of `caCertificates`) this program may set. */
export const CERTIFICATE_DATA_FIELDS: ReadonlySet<string> = new Set(["pem", "certSigners"]);

/** ProxyConfig fields (istio/api 1.30; `meshConfig.defaultConfig`) this program may set. */
export const PROXY_CONFIG_FIELDS: ReadonlySet<string> = new Set(["proxyMetadata"]);

/** istiod environment variables of Istio 1.30 this program may set (chart `env`). */
export const ISTIOD_ENV_VARS: ReadonlySet<string> = new Set([
    "DEFAULT_WORKLOAD_CERT_TTL",
    "MAX_WORKLOAD_CERT_TTL",
    "ISTIO_MULTIROOT_MESH",
    "EXTERNAL_CA",
    "K8S_SIGNER",
    "ENABLE_CA_SERVER",
]);

/** istio-agent environment variables of Istio 1.30 this program may set (`proxyMetadata`). */
export const PROXY_METADATA_VARS: ReadonlySet<string> = new Set(["SECRET_TTL", "SECRET_GRACE_PERIOD_RATIO", "PROXY_CONFIG_XDS_AGENT", "OUTPUT_CERTS"]);

function isRecord(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

function unknownKeys(value: unknown, allowed: ReadonlySet<string>, at: string, what: string): string[] {
    if (!isRecord(value)) return [`${at}: expected an object, got ${JSON.stringify(value)}`];
    return Object.keys(value)
        .filter((key) => !allowed.has(key))
        .map((key) => `${at ? `${at}.` : ""}${key}: not ${what}`);
}

function stringMap(value: unknown, allowed: ReadonlySet<string>, at: string, what: string): string[] {
    const problems = unknownKeys(value, allowed, at, what);
    if (isRecord(value))
        for (const [key, child] of Object.entries(value))
            if (typeof child !== "string") problems.push(`${at}.${key}: environment values are strings, got ${JSON.stringify(child)}`);
    return problems;
}

/** Problems of istiod chart values against the allowlists above. */
export function checkIstiodValues(values: unknown): string[] {
    const problems = unknownKeys(values, ISTIOD_CHART_KEYS, "", "an istiod chart key this program sets");
    if (!isRecord(values)) return problems;
    if (values.env !== undefined) problems.push(...stringMap(values.env, ISTIOD_ENV_VARS, "env", "an istiod 1.30 environment variable"));
    if (isRecord(values.env))
        for (const name of Object.keys(values.env))
            if (CHART_RENDERED_ISTIOD_ENV.has(name)) problems.push(`env.${name}: the chart renders it already; a second entry breaks Helm upgrades`);
    if (values.global !== undefined) problems.push(...unknownKeys(values.global, ISTIOD_GLOBAL_KEYS, "global", "a chart global key this program sets"));
    if (values.profile !== undefined && values.profile !== "ambient")
        problems.push(`profile: ${JSON.stringify(values.profile)} is not a profile this program selects (files/profile-ambient.yaml)`);
    for (const key of ["volumes", "volumeMounts"])
        if (values[key] !== undefined && !Array.isArray(values[key])) problems.push(`${key}: the chart renders it as a list (templates/deployment.yaml)`);
    if (values.podAnnotations !== undefined)
        problems.push(...stringMap(values.podAnnotations, new Set(Object.keys(isRecord(values.podAnnotations) ? values.podAnnotations : {})), "podAnnotations", "an annotation"));
    const mesh = values.meshConfig;
    if (mesh === undefined) return problems;
    problems.push(...unknownKeys(mesh, MESH_CONFIG_FIELDS, "meshConfig", "a MeshConfig field"));
    if (!isRecord(mesh)) return problems;
    if (mesh.caCertificates !== undefined) {
        if (!Array.isArray(mesh.caCertificates)) problems.push("meshConfig.caCertificates: expected a list");
        else mesh.caCertificates.forEach((entry, i) => problems.push(...unknownKeys(entry, CERTIFICATE_DATA_FIELDS, `meshConfig.caCertificates[${i}]`, "a CertificateData field")));
    }
    if (mesh.defaultConfig !== undefined) {
        problems.push(...unknownKeys(mesh.defaultConfig, PROXY_CONFIG_FIELDS, "meshConfig.defaultConfig", "a ProxyConfig field"));
        const proxyMetadata = isRecord(mesh.defaultConfig) ? mesh.defaultConfig.proxyMetadata : undefined;
        if (proxyMetadata !== undefined)
            problems.push(...stringMap(proxyMetadata, PROXY_METADATA_VARS, "meshConfig.defaultConfig.proxyMetadata", "an istio-agent 1.30 environment variable"));
    }
    return problems;
}
