/**
 * Helm values of the Istio `istiod` chart, built from typed settings. The chart's values are
 * flat (istiod's environment is the top-level `env`) and it has no values schema, so a wrong
 * key would be ignored silently: only keys the 1.30 chart reads are written here.
 */
import { WorkloadCertSettings } from "./config";
import { formatDuration } from "./duration";

export const ISTIO_CHART_REPO = "https://istio-release.storage.googleapis.com/charts";

/** The CA-specific part of istiod's values, contributed by each CA strategy. */
export interface IstiodCaValues {
    /** istiod environment variables (chart `env`). */
    env?: Record<string, string>;
    /** Proxy (istio-agent) environment, via `meshConfig.defaultConfig.proxyMetadata`. */
    proxyMetadata?: Record<string, string>;
    /** Chart `global` values such as `caAddress`, `pilotCertProvider`, `certSigners`. */
    global?: Record<string, unknown>;
    /** Extra `meshConfig` fields such as `caCertificates`. */
    meshConfig?: Record<string, unknown>;
}

export interface IstiodValuesSettings {
    trustDomain: string;
    workloadCerts: WorkloadCertSettings;
    ca: IstiodCaValues;
}

/** Renders a ratio without float noise ("0.5", not "0.50000001"). */
function formatRatio(ratio: number): string {
    return String(Number(ratio.toFixed(6)));
}

/** istiod chart values for the given trust domain, workload certificate lifetimes and CA strategy. */
export function istiodValues(settings: IstiodValuesSettings): Record<string, unknown> {
    const { trustDomain, workloadCerts, ca } = settings;
    const values: Record<string, unknown> = {
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
    if (ca.global && Object.keys(ca.global).length > 0) values.global = { ...ca.global };
    return values;
}
