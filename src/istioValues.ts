/**
 * Helm values of the Istio `istiod` chart, built from typed settings. The chart's values are
 * flat (istiod's environment is the top-level `env`) and it has no values schema, so a wrong
 * key would be ignored silently: only keys the 1.30 chart reads are written here.
 */
import type { DataPlane } from "./ambient";
import { WorkloadCertSettings } from "./config";
import { formatDuration } from "./duration";

export const ISTIO_CHART_REPO = "https://istio-release.storage.googleapis.com/charts";

/** Annotation prefix on the istiod Deployment naming an env override for the post-renderer. */
export const ISTIOD_ENV_ANNOTATION_PREFIX = "istio-ca.io/istiod-env.";

/** The CA-specific part of istiod's values, contributed by each CA strategy. */
export interface IstiodCaValues {
    /** istiod environment variables (chart `env`). */
    env?: Record<string, string>;
    /** Proxy (istio-agent) environment, via `meshConfig.defaultConfig.proxyMetadata`. */
    proxyMetadata?: Record<string, string>;
    /**
     * Chart `global` values such as `caAddress` and `certSigners`. Never `pilotCertProvider`: the
     * sidecar injector reads it too, and its templates mount the root ConfigMap only when it is
     * `istiod` (files/injection-template.yaml, gateway-injection-template.yaml, kube-gateway.yaml).
     */
    global?: Record<string, unknown>;
    /**
     * istiod variables the chart already renders from other values (`PILOT_CERT_PROVIDER` from
     * `global.pilotCertProvider`), set in istiod's container only. They cannot go in `env`: the
     * chart appends `env` after its own entries (templates/deployment.yaml), and a duplicate name
     * breaks Helm's three-way merge on upgrade. A post-renderer sets them in the rendered Deployment.
     */
    istiodEnvOverrides?: Record<string, string>;
    /** Extra `meshConfig` fields such as `caCertificates`. */
    meshConfig?: Record<string, unknown>;
    /** Extra volumes of the istiod pod (chart `volumes`), e.g. the RA's root file. */
    volumes?: Record<string, unknown>[];
    /** Mounts of those volumes in istiod's container (chart `volumeMounts`). */
    volumeMounts?: Record<string, unknown>[];
    /** Annotations of istiod's pods (chart `podAnnotations`); a changed value rolls istiod's pods. */
    podAnnotations?: Record<string, unknown>;
}

/** A cluster's place in a multi-cluster mesh. */
export interface MultiClusterSettings {
    /** `global.meshID`, the same in every cluster of the mesh. */
    meshId: string;
    /** `global.multiCluster.clusterName`, this cluster's name. */
    clusterName: string;
    /** `global.network`; undefined: one flat network. */
    network?: string;
}

export interface IstiodValuesSettings {
    trustDomain: string;
    workloadCerts: WorkloadCertSettings;
    ca: IstiodCaValues;
    multiCluster?: MultiClusterSettings;
    /** `ambient`: the chart's ambient profile (`profile`). Default: sidecar. */
    dataPlane?: DataPlane;
}

/** The chart's `global` values that place a cluster in a multi-cluster mesh. */
export function multiClusterGlobalValues(settings: MultiClusterSettings): Record<string, unknown> {
    return { meshID: settings.meshId, multiCluster: { clusterName: settings.clusterName }, ...(settings.network ? { network: settings.network } : {}) };
}

/**
 * The chart profile of the ambient data plane, in the istiod, cni and ztunnel charts alike. Each
 * chart's templates/zzz_profile.yaml reads `profile` and merges files/profile-ambient.yaml under the
 * values given (Istio 1.30.3): for istiod `env.PILOT_ENABLE_AMBIENT: "true"`,
 * `meshConfig.defaultConfig.proxyMetadata.ISTIO_META_ENABLE_HBONE: "true"`,
 * `global.variant: distroless` and a global service scope; for cni `ambient.enabled: true`.
 */
export const AMBIENT_PROFILE = "ambient";

/** Renders a ratio without float noise ("0.5", not "0.50000001"). */
function formatRatio(ratio: number): string {
    return String(Number(ratio.toFixed(6)));
}

/** istiod chart values for the given trust domain, workload certificate lifetimes and CA strategy. */
export function istiodValues(settings: IstiodValuesSettings): Record<string, unknown> {
    const { trustDomain, workloadCerts, ca } = settings;
    const values: Record<string, unknown> = {
        ...(settings.dataPlane === "ambient" ? { profile: AMBIENT_PROFILE } : {}),
        env: {
            DEFAULT_WORKLOAD_CERT_TTL: formatDuration(workloadCerts.ttlMs),
            MAX_WORKLOAD_CERT_TTL: formatDuration(workloadCerts.maxTtlMs),
            ...ca.env,
        },
        meshConfig: {
            trustDomain,
            ...ca.meshConfig,
            defaultConfig: {
                proxyMetadata: {
                    SECRET_TTL: formatDuration(workloadCerts.ttlMs),
                    SECRET_GRACE_PERIOD_RATIO: formatRatio(workloadCerts.gracePeriodRatio),
                    ...ca.proxyMetadata,
                },
            },
        },
    };
    const global = { ...(settings.multiCluster ? multiClusterGlobalValues(settings.multiCluster) : {}), ...(ca.global ?? {}) };
    if (Object.keys(global).length > 0) values.global = global;
    if (ca.volumes && ca.volumes.length > 0) values.volumes = [...ca.volumes];
    if (ca.volumeMounts && ca.volumeMounts.length > 0) values.volumeMounts = [...ca.volumeMounts];
    if (ca.podAnnotations && Object.keys(ca.podAnnotations).length > 0) values.podAnnotations = { ...ca.podAnnotations };
    const overrides = Object.entries(ca.istiodEnvOverrides ?? {});
    // Read by bin/istiod-env-postrender.js from the rendered Deployment.
    if (overrides.length > 0) values.deploymentAnnotations = Object.fromEntries(overrides.map(([name, value]) => [`${ISTIOD_ENV_ANNOTATION_PREFIX}${name}`, value]));
    return values;
}
