/** Pure accounting of the drill: latency percentiles and handshake failure reasons. */

/** Nearest-rank percentile (p in (0, 100]) of unsorted values; undefined when there are none. */
export function percentile(values: readonly number[], p: number): number | undefined {
    if (!(p > 0 && p <= 100)) throw new Error(`percentile must be in (0, 100], got ${p}`);
    if (values.length === 0) return undefined;
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.ceil((p / 100) * sorted.length) - 1];
}

type TlsError = { code?: string; message?: string };

const UNKNOWN_CA_CODES = new Set([
    "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
    "UNABLE_TO_GET_ISSUER_CERT",
    "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    "SELF_SIGNED_CERT_IN_CHAIN",
    "DEPTH_ZERO_SELF_SIGNED_CERT",
    "CERT_SIGNATURE_FAILURE",
]);

function isUnknownCa(err: TlsError): boolean {
    return UNKNOWN_CA_CODES.has(err.code ?? "") || err.code === "ERR_SSL_TLSV1_ALERT_UNKNOWN_CA" || /alert unknown ca|unable to get (local )?issuer/i.test(err.message ?? "");
}

/**
 * A short reason for a failed mTLS exchange. The server's verdict wins when it refused the
 * client: in TLS 1.3 it arrives after the client's handshake completes, so the client may
 * only see an alert or a reset on its first read.
 */
export function failureReason(clientError: TlsError | undefined, serverError?: TlsError): string {
    if (serverError) {
        if (isUnknownCa(serverError)) return "unknown CA: server rejected the client certificate";
        if (serverError.code === "ERR_SPIFFE_ID") return "SPIFFE ID: server rejected the client";
        if (serverError.code === "CERT_HAS_EXPIRED") return "certificate expired: server rejected the client certificate";
        return `server: ${serverError.code ?? (serverError.message ?? "").slice(0, 80)}`;
    }
    const code = clientError?.code ?? "";
    const message = clientError?.message ?? String(clientError);
    if (code === "ERR_SSL_TLSV1_ALERT_UNKNOWN_CA") return "unknown CA: server rejected the client certificate";
    if (clientError && isUnknownCa(clientError)) return "unknown CA: client rejected the server certificate";
    if (code === "CERT_HAS_EXPIRED" || code === "ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED") return "certificate expired";
    if (code === "ERR_SPIFFE_ID") return "SPIFFE ID: client rejected the server";
    if (code === "ETIMEDOUT") return "timeout";
    if (code === "ECONNRESET") return "connection reset";
    if (code === "ECONNREFUSED") return "connection refused";
    return code || message.slice(0, 80);
}

export interface PhaseFigures {
    phase: string;
    /**
     * Attempted mTLS exchanges that ended (completed or failed) in this phase, the moment trust
     * was decided; those still in flight when the run ends count in its last phase.
     */
    attempts: number;
    /** Completed: handshake verified on both sides and a request answered. */
    handshakes: number;
    failures: number;
    failureReasons: Record<string, number>;
    /** Attempts the load generator skipped because too many were in flight. */
    skipped: number;
    durationMs: number;
    handshakesPerSecond: number;
    /** Latency of completed exchanges (connect, handshake, one request), ms. */
    p50Ms?: number;
    p95Ms?: number;
    p99Ms?: number;
    maxMs?: number;
    /** Workload certificates issued (renewals) during the phase. */
    renewals: number;
}

/** Collects outcomes per phase. */
export class PhaseTally {
    private readonly latencies: number[] = [];
    private readonly reasons = new Map<string, number>();
    attempts = 0;
    failures = 0;
    skipped = 0;
    renewals = 0;

    constructor(
        readonly phase: string,
        readonly durationMs: number,
    ) {}

    success(latencyMs: number): void {
        this.attempts++;
        this.latencies.push(latencyMs);
    }

    failure(reason: string): void {
        this.attempts++;
        this.failures++;
        this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + 1);
    }

    figures(): PhaseFigures {
        const handshakes = this.latencies.length;
        const round = (value: number | undefined) => (value === undefined ? undefined : Math.round(value * 100) / 100);
        return {
            phase: this.phase,
            attempts: this.attempts,
            handshakes,
            failures: this.failures,
            failureReasons: Object.fromEntries([...this.reasons.entries()].sort((a, b) => b[1] - a[1])),
            skipped: this.skipped,
            durationMs: this.durationMs,
            handshakesPerSecond: Math.round((handshakes / (this.durationMs / 1000)) * 10) / 10,
            p50Ms: round(percentile(this.latencies, 50)),
            p95Ms: round(percentile(this.latencies, 95)),
            p99Ms: round(percentile(this.latencies, 99)),
            maxMs: round(percentile(this.latencies, 100)),
            renewals: this.renewals,
        };
    }
}
