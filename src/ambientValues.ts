/**
 * Helm values of the Istio `cni` and `ztunnel` charts for the ambient data plane (Istio 1.30.3,
 * manifests/charts/istio-cni and manifests/charts/ztunnel). Like istiod's chart they have no values
 * schema, so an unknown key would be ignored silently: only keys their `values.yaml` declares, or
 * `profile`, which their templates/zzz_profile.yaml reads, are written here.
 */
import { formatDuration } from "./duration";
import { AMBIENT_PROFILE } from "./istioValues";

/** Chart and release names, as Istio's Helm install instructions use them. */
export const CNI_CHART = "cni";
export const CNI_RELEASE = "istio-cni";
export const ZTUNNEL_CHART = "ztunnel";
export const ZTUNNEL_RELEASE = "ztunnel";

/** Values of the `cni` chart: the ambient profile turns on ambient redirection (`ambient.enabled`). */
export function cniValues(): Record<string, unknown> {
    return { profile: AMBIENT_PROFILE };
}

export interface ZtunnelValuesSettings {
    /** The workload certificate lifetime ztunnel requests for each identity (`SECRET_TTL`), milliseconds. */
    workloadCertTtlMs: number;
    /**
     * Where ztunnel sends its CSRs (`caAddress`): the address sidecars use when it is not istiod
     * (istio-csr's). The chart does not read istiod's `global.caAddress`; unset, it asks istiod
     * (`istiod.<istioNamespace>.svc:15012`, templates/daemonset.yaml:110-115).
     */
    caAddress?: string;
}

/**
 * Values of the `ztunnel` chart. ztunnel reads `SECRET_TTL` itself (src/config.rs:59, 806; default
 * 24h) and the chart renders `env` as its variables (templates/daemonset.yaml:171-176); istiod's
 * `proxyMetadata` does not reach it (a separate release). No trust domain or root is set: each
 * identity's trust domain comes from istiod (WDS), its roots from its CSR response, and the root
 * ztunnel verifies the CA and istiod with is the mounted `istio-ca-root-cert` ConfigMap
 * (templates/daemonset.yaml:181-183, 208-218).
 */
export function ztunnelValues(settings: ZtunnelValuesSettings): Record<string, unknown> {
    return {
        profile: AMBIENT_PROFILE,
        // duration-str (ztunnel's parser) takes a number with one unit, as formatDuration writes it.
        env: { SECRET_TTL: formatDuration(settings.workloadCertTtlMs) },
        ...(settings.caAddress ? { caAddress: settings.caAddress } : {}),
    };
}
