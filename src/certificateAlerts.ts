/**
 * Certificate health alerts as plain data: thresholds derived from the configured lifetimes
 * (all arithmetic in seconds) and the Prometheus alerting rules built from them.
 *
 * Metrics used (names checked against the exporters' source):
 * - istiod: `citadel_server_root_cert_expiry_timestamp`, `citadel_server_cert_chain_expiry_timestamp`
 *   (gauges, unix seconds), `citadel_server_csr_sign_err_count` and
 *   `citadel_server_success_cert_issuance_count` (counters without a `_total` suffix).
 * - cert-manager: `certmanager_certificate_expiration_timestamp_seconds`,
 *   `certmanager_certificate_renewal_timestamp_seconds` (gauges, unix seconds) and
 *   `certmanager_certificate_ready_status{condition="True"|"False"|"Unknown"}` (one-hot).
 */
import type { CaCertSettings, IntermediateCaSettings, WorkloadCertSettings } from "./config";

export interface AlertSettings {
    /** Create the PrometheusRule at all. */
    enabled: boolean;
    /** Slack after a renewal was due before "renewal overdue" fires, milliseconds. */
    renewalMarginMs: number;
    /** Page when the root expires within this, milliseconds. */
    rootExpiryWindowMs: number;
    /** Labels on the PrometheusRule, so that a Prometheus `ruleSelector` picks it up. */
    ruleLabels: Record<string, string>;
}

/** Every threshold of the rules, in seconds. */
export interface AlertThresholds {
    /** Warn when the intermediate (istiod's CA chain) expires within this: renewal should have happened. */
    chainRenewalOverdueSec: number;
    /** Page when the chain expires within this: half the renewal window is gone. */
    chainCriticalSec: number;
    /** Warn when the root expires within this: a new intermediate can no longer get its full lifetime. */
    rootWarningSec: number;
    /** Page when the root expires within this. */
    rootCriticalSec: number;
    /** How long CSR signing may fail with no success before paging: a quarter of the workload renewal grace. */
    csrFailingForSec: number;
    /** Slack after a cert-manager renewal time before "renewal overdue" fires. */
    renewalMarginSec: number;
}

const MINUTE = 60;
const HOUR = 3600;

function seconds(ms: number): number {
    return Math.round(ms / 1000);
}

/** Thresholds from the configured lifetimes. Pure; config validation guarantees their order. */
export function alertThresholds(
    intermediateCa: Pick<IntermediateCaSettings, "validityMs" | "renewBeforeMs">,
    rootCa: Pick<CaCertSettings, "validityMs">,
    workloadCerts: Pick<WorkloadCertSettings, "ttlMs" | "gracePeriodRatio">,
    settings: Pick<AlertSettings, "renewalMarginMs" | "rootExpiryWindowMs">,
): AlertThresholds {
    const renewBeforeSec = seconds(intermediateCa.renewBeforeMs);
    const marginSec = seconds(settings.renewalMarginMs);
    const graceSec = seconds(workloadCerts.ttlMs) * workloadCerts.gracePeriodRatio;
    return {
        chainRenewalOverdueSec: renewBeforeSec - marginSec,
        chainCriticalSec: Math.floor(renewBeforeSec / 2),
        rootWarningSec: Math.min(seconds(intermediateCa.validityMs), seconds(rootCa.validityMs)),
        rootCriticalSec: seconds(settings.rootExpiryWindowMs),
        csrFailingForSec: Math.min(HOUR, Math.max(5 * MINUTE, Math.floor(graceSec / 4))),
        renewalMarginSec: marginSec,
    };
}

/** A Prometheus duration as the PrometheusRule CRD accepts it (e.g. "1h30m", "15m", "45s"). */
export function promDuration(totalSeconds: number): string {
    if (!Number.isInteger(totalSeconds) || totalSeconds < 0) throw new Error(`not a whole number of seconds: ${totalSeconds}`);
    if (totalSeconds === 0) return "0";
    const parts: string[] = [];
    const hours = Math.floor(totalSeconds / HOUR);
    const minutes = Math.floor((totalSeconds % HOUR) / MINUTE);
    const rest = totalSeconds % MINUTE;
    if (hours) parts.push(`${hours}h`);
    if (minutes) parts.push(`${minutes}m`);
    if (rest) parts.push(`${rest}s`);
    return parts.join("");
}

/** Readable form of a threshold for alert texts ("30d", "12h", "45m"). */
export function humanSeconds(totalSeconds: number): string {
    if (totalSeconds % 86400 === 0) return `${totalSeconds / 86400}d`;
    if (totalSeconds % HOUR === 0) return `${totalSeconds / HOUR}h`;
    if (totalSeconds % MINUTE === 0) return `${totalSeconds / MINUTE}m`;
    return `${totalSeconds}s`;
}

export interface AlertRule {
    alert: string;
    expr: string;
    for: string;
    labels: { severity: "warning" | "critical" };
    annotations: { summary: string; description: string };
}

export interface AlertRuleGroup {
    name: string;
    rules: AlertRule[];
}

export interface AlertRuleOptions {
    thresholds: AlertThresholds;
    /**
     * Add the istiod CA rules (`citadel_server_*`). Those metrics exist only where istiod holds a
     * CA: not with istio-csr (istiod's CA server is off) nor as a Kubernetes CSR registration
     * authority. Default: true.
     */
    istiodCa?: boolean;
    /** Add the cert-manager rules (only where cert-manager issues the mesh's certificates). */
    certManager: boolean;
    /** Namespaces whose cert-manager Certificates belong to the mesh. */
    certManagerNamespaces: string[];
}

/** `namespace=~"a|b"`: namespace names are DNS labels, so they need no regex escaping. */
function namespaceMatcher(namespaces: string[]): string {
    return `namespace=~"${namespaces.join("|")}"`;
}

const CHAIN_EXPIRY = "min(citadel_server_cert_chain_expiry_timestamp > 0) - time()";
const ROOT_EXPIRY = "min(citadel_server_root_cert_expiry_timestamp > 0) - time()";

function istiodRules(t: AlertThresholds): AlertRule[] {
    return [
        {
            alert: "IstioCaMetricsAbsent",
            expr: "absent(citadel_server_root_cert_expiry_timestamp)",
            for: "15m",
            labels: { severity: "warning" },
            annotations: {
                summary: "istiod CA metrics are not scraped, so no certificate alert can fire.",
                description: "Prometheus has no citadel_server_root_cert_expiry_timestamp series. Check that istiod's monitoring port (15014) is scraped.",
            },
        },
        {
            alert: "IstioCaIntermediateRenewalOverdue",
            expr: `${CHAIN_EXPIRY} < ${t.chainRenewalOverdueSec}`,
            for: "1h",
            labels: { severity: "warning" },
            annotations: {
                summary: "istiod's CA certificate was not renewed in its renewBefore window.",
                description: `istiod's CA chain expires in {{ $value | humanizeDuration }}, less than ${humanSeconds(t.chainRenewalOverdueSec)}: it should have been re-issued already.`,
            },
        },
        {
            alert: "IstioCaIntermediateExpiring",
            expr: `${CHAIN_EXPIRY} < ${t.chainCriticalSec}`,
            for: "10m",
            labels: { severity: "critical" },
            annotations: {
                summary: "istiod's CA certificate expires soon and renewal has failed.",
                description: `istiod's CA chain expires in {{ $value | humanizeDuration }}, less than ${humanSeconds(t.chainCriticalSec)} (half the renewal window). Workloads lose mTLS when it expires.`,
            },
        },
        {
            alert: "IstioCaRootExpiryApproaching",
            expr: `${ROOT_EXPIRY} < ${t.rootWarningSec}`,
            for: "1h",
            labels: { severity: "warning" },
            annotations: {
                summary: "The mesh root CA expires within one intermediate lifetime.",
                description: `The root expires in {{ $value | humanizeDuration }}, less than ${humanSeconds(t.rootWarningSec)}: new intermediates are cut short. Plan the root rotation.`,
            },
        },
        {
            alert: "IstioCaRootExpiring",
            expr: `${ROOT_EXPIRY} < ${t.rootCriticalSec}`,
            for: "10m",
            labels: { severity: "critical" },
            annotations: {
                summary: "The mesh root CA is close to expiry.",
                description: `The root expires in {{ $value | humanizeDuration }}, less than ${humanSeconds(t.rootCriticalSec)}. Rotate the root now.`,
            },
        },
        {
            alert: "IstioCaCsrSigningErrors",
            expr: "sum(increase(citadel_server_csr_sign_err_count[15m])) > 0",
            for: "15m",
            labels: { severity: "warning" },
            annotations: {
                summary: "istiod fails to sign some workload certificate requests.",
                description: "{{ $value }} signing errors in the last 15 minutes. Check istiod logs for the error type.",
            },
        },
        {
            alert: "IstioCaCsrSigningFailing",
            // The success counter only exists after istiod's first issuance, hence the `absent` branch.
            expr: "sum(increase(citadel_server_csr_sign_err_count[15m])) > 0 and (sum(increase(citadel_server_success_cert_issuance_count[15m])) == 0 or absent(citadel_server_success_cert_issuance_count))",
            for: promDuration(t.csrFailingForSec),
            labels: { severity: "critical" },
            annotations: {
                summary: "istiod signs no workload certificates: renewals are failing.",
                description: `Every certificate request failed for ${humanSeconds(t.csrFailingForSec)}. Workloads whose certificates are in their renewal grace period will lose mTLS when they expire.`,
            },
        },
    ];
}

function certManagerRules(t: AlertThresholds, namespaces: string[]): AlertRule[] {
    const ns = namespaceMatcher(namespaces);
    return [
        {
            alert: "CertManagerMeshMetricsAbsent",
            expr: `absent(certmanager_certificate_ready_status{${ns}})`,
            for: "15m",
            labels: { severity: "warning" },
            annotations: {
                summary: "No cert-manager Certificate metrics for the mesh namespaces.",
                description: `Prometheus has no certmanager_certificate_ready_status series in ${namespaces.join(", ")}. Check that cert-manager's controller metrics are scraped.`,
            },
        },
        {
            alert: "CertManagerMeshCertificateNotReady",
            expr: `max by (namespace, name) (certmanager_certificate_ready_status{condition="True", ${ns}}) == 0`,
            for: "15m",
            labels: { severity: "critical" },
            annotations: {
                summary: "A mesh CA Certificate is not Ready: issuance or renewal failed.",
                description:
                    "Certificate {{ $labels.namespace }}/{{ $labels.name }} is not Ready. Run: kubectl describe certificate -n {{ $labels.namespace }} {{ $labels.name }}.",
            },
        },
        {
            alert: "CertManagerMeshCertificateRenewalOverdue",
            expr: `time() - (certmanager_certificate_renewal_timestamp_seconds{${ns}} > 0) > ${t.renewalMarginSec}`,
            for: "15m",
            labels: { severity: "warning" },
            annotations: {
                summary: "A mesh CA Certificate passed its renewal time without being renewed.",
                description: `Certificate {{ $labels.namespace }}/{{ $labels.name }} should have renewed {{ $value | humanizeDuration }} ago (allowed slack ${humanSeconds(t.renewalMarginSec)}).`,
            },
        },
        {
            alert: "CertManagerMeshCertificateExpiring",
            // Relative to each Certificate's own renewal window (expiry - renewal time), so that short-lived
            // certificates in these namespaces (istio-csr's 1h istiod certificate) page only when their
            // own renewal is halfway overdue, as the mesh CA certificates do.
            expr: `(certmanager_certificate_expiration_timestamp_seconds{${ns}} > 0) - time() < (certmanager_certificate_expiration_timestamp_seconds{${ns}} - certmanager_certificate_renewal_timestamp_seconds{${ns}}) / 2`,
            for: "10m",
            labels: { severity: "critical" },
            annotations: {
                summary: "A mesh CA Certificate expires soon.",
                description:
                    "Certificate {{ $labels.namespace }}/{{ $labels.name }} expires in {{ $value | humanizeDuration }}, less than half of its renewBefore window: renewal has failed.",
            },
        },
    ];
}

/** The rule groups of the mesh's certificate alerts. */
export function certificateAlertGroups(options: AlertRuleOptions): AlertRuleGroup[] {
    const groups: AlertRuleGroup[] = [];
    if (options.istiodCa ?? true) groups.push({ name: "istio-ca.istiod", rules: istiodRules(options.thresholds) });
    if (options.certManager) groups.push({ name: "istio-ca.cert-manager", rules: certManagerRules(options.thresholds, options.certManagerNamespaces) });
    return groups;
}
