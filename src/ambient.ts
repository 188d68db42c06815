/**
 * Istio's ambient data plane: its name in config, and how long ztunnel takes to hold a new root.
 * Read from istio/ztunnel and istio/istio at tag 1.30.3 (docs/ambient.md cites each line):
 *
 * - ztunnel asks the CA for one certificate per workload identity on its node, and takes the peer
 *   roots of that identity only from the last element of the CSR response
 *   (src/identity/caclient.rs:179-190, src/tls/certificate.rs:240-273). It reads neither
 *   `meshConfig.caCertificates` nor the trust bundle istiod pushes to sidecars (it subscribes to
 *   Address and Authorization only, src/xds/types.rs:44-46).
 * - An identity's roots change only when its certificate renews: at half its life, with no jitter
 *   and no setting (`refresh_at`, src/tls/certificate.rs:375-381). A failed renewal is retried with
 *   a per-identity backoff capped at 150 s, and the old certificate and roots are kept meanwhile
 *   (src/identity/manager.rs:39, 369-406).
 *
 * So a new root reaches every ztunnel identity only once each has renewed after istiod holds it:
 * up to half the longest workload certificate after the propagation delay, plus retry slack.
 */

export const DATA_PLANES = ["sidecar", "ambient"] as const;
export type DataPlane = (typeof DATA_PLANES)[number];

/** Share of a certificate's life after which ztunnel renews it (src/tls/certificate.rs:375-381). */
export const ZTUNNEL_RENEWAL_FRACTION = 0.5;

/**
 * Slack for ztunnel renewals that fail and are retried: the backoff starts at 1 s, doubles (±20 %)
 * and is capped at 150 s (src/identity/manager.rs:39, 377-386), so 15 minutes covers several
 * failed attempts in a row. A CA outage longer than that is not covered: check ztunnel's
 * certificates before sign-new (docs/ambient.md).
 */
export const ZTUNNEL_RENEWAL_RETRY_SLACK_MS = 15 * 60000;

/**
 * The oldest Istio minor whose ztunnel can take a root rotation without a restart: 1.26 split the
 * CSR response's last element into several roots (ztunnel #1510; before, only its first PEM block
 * was trusted), and 1.30 watches the CA root file and rebuilds its CA channel before the next CSR
 * (ztunnel #1775, src/tls/control.rs:283-400, src/identity/caclient.rs:109-134; before, the root
 * read at start stayed in force, so istiod's re-issued serving certificate was refused, the
 * failure of ztunnel#1679).
 */
export const MIN_AMBIENT_ROTATION_ISTIO_MINOR = 30;

/** ztunnel's ServiceAccount (chart `resourceName`, default "ztunnel"), in istiod's namespace: the node account a CA lets request certificates for the workloads on its node. */
export const ZTUNNEL_SERVICE_ACCOUNT = "ztunnel";

/** `<namespace>/<serviceaccount>` of ztunnel, as istiod's `CA_TRUSTED_NODE_ACCOUNTS` and istio-csr's `caTrustedNodeAccounts` name it. */
export function ztunnelNodeAccount(istioNamespace: string): string {
    return `${istioNamespace}/${ZTUNNEL_SERVICE_ACCOUNT}`;
}

/**
 * How long after a new trust bundle reaches the CA every ztunnel identity has renewed and holds
 * it: half the longest workload certificate a ztunnel can hold (every CA here caps a workload
 * certificate at `maxWorkloadCertTtl`), rounded up, plus the retry slack.
 */
export function ztunnelRootRefreshMs(longestWorkloadCertMs: number): number {
    if (!(longestWorkloadCertMs > 0)) throw new Error(`a workload certificate lifetime must be positive, got ${longestWorkloadCertMs}`);
    return Math.ceil(longestWorkloadCertMs * ZTUNNEL_RENEWAL_FRACTION) + ZTUNNEL_RENEWAL_RETRY_SLACK_MS;
}
