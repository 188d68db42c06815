/** The mesh-wide settings: CA mode, trust domain, Istio version and workload certificate lifetimes. */
import { formatDuration } from "../duration";
import { CA_MODES, CaMode } from "./keys";
import { WorkloadCertSettings } from "./model";
import { ConfigReader, fullKey } from "./reader";

/** DNS-style labels of lower-case letters, digits, '-' and '_', joined by single dots; no empty label. */
export const TRUST_DOMAIN_RE = /^[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?)*$/;
export const ISTIO_VERSION_RE = /^1\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?$/;
export const MIN_ISTIO_MINOR = 24;

export function readCaMode(reader: ConfigReader): CaMode {
    return reader.oneOf("caMode", CA_MODES, "istiod");
}

export function readTrustDomain(reader: ConfigReader): string {
    const trustDomain = reader.stringOr("trustDomain", "cluster.local");
    if (trustDomain.length === 0 || trustDomain.length > 255 || !TRUST_DOMAIN_RE.test(trustDomain)) {
        reader.problem(
            "trustDomain",
            "is not a valid SPIFFE trust domain (labels of lower-case letters, digits, '-' and '_' that start and end with a letter or digit, joined by single dots; at most 255 characters; no scheme or path)",
            `set ${fullKey("trustDomain")} to a name such as "cluster.local" or "prod.example.com".`,
        );
    }
    return trustDomain;
}

export function readIstioVersion(reader: ConfigReader): string {
    const version = reader.stringOr("istioVersion", "1.30.3");
    const match = ISTIO_VERSION_RE.exec(version);
    if (!match) {
        reader.problem(
            "istioVersion",
            "is not an Istio release version of the form 1.<minor>.<patch>",
            `set ${fullKey("istioVersion")} to a chart version such as "1.30.3" (no leading "v").`,
        );
    } else if (Number(match[1]) < MIN_ISTIO_MINOR) {
        reader.problem(
            "istioVersion",
            `is older than 1.${MIN_ISTIO_MINOR}, whose flat istiod chart values this program writes`,
            `set ${fullKey("istioVersion")} to 1.${MIN_ISTIO_MINOR}.0 or later, e.g. "1.30.3".`,
        );
    }
    return version;
}

/** Shortest workload certificate lifetime accepted (the Kubernetes CSR API's minimum, 600 s). */
export const MIN_WORKLOAD_CERT_TTL_MS = 10 * 60 * 1000;

export function readWorkloadCerts(reader: ConfigReader): WorkloadCertSettings {
    const ttlMs = reader.duration("workloadCertTtl", "24h");
    const maxTtlMs = reader.duration("maxWorkloadCertTtl", "48h");
    for (const [key, valueMs] of [
        ["workloadCertTtl", ttlMs],
        ["maxWorkloadCertTtl", maxTtlMs],
    ] as const) {
        if (reader.has(key) && valueMs < MIN_WORKLOAD_CERT_TTL_MS) {
            reader.problem(
                key,
                `is shorter than ${formatDuration(MIN_WORKLOAD_CERT_TTL_MS)}: the Kubernetes CSR API refuses such lifetimes (expirationSeconds < 600), and elsewhere every proxy would renew every few minutes`,
                `set ${fullKey(key)} to ${formatDuration(MIN_WORKLOAD_CERT_TTL_MS)} or more; "1h" to "24h" is usual.`,
            );
        }
    }
    if (ttlMs > maxTtlMs) {
        reader.problem(
            reader.has("workloadCertTtl") ? "workloadCertTtl" : "maxWorkloadCertTtl",
            `workload certificate TTL ${formatDuration(ttlMs)} exceeds MAX_WORKLOAD_CERT_TTL ${formatDuration(maxTtlMs)}; istiod rejects such requests outright, so no workload would get a certificate`,
            `set ${fullKey("workloadCertTtl")} to ${formatDuration(maxTtlMs)} or less, or raise ${fullKey("maxWorkloadCertTtl")} to at least ${formatDuration(ttlMs)}.`,
        );
    }
    const gracePeriodRatio = reader.number("gracePeriodRatio", 0.5);
    if (!(gracePeriodRatio > 0 && gracePeriodRatio < 1)) {
        reader.problem(
            "gracePeriodRatio",
            "must be strictly between 0 and 1 (0 never renews before expiry, 1 renews continuously)",
            `set ${fullKey("gracePeriodRatio")} to a value such as 0.5.`,
        );
    }
    return { ttlMs, maxTtlMs, gracePeriodRatio };
}
