/**
 * Helm values of the jetstack charts (cert-manager, cert-manager-istio-csr, trust-manager).
 * All three charts have a strict values schema (`additionalProperties: false`), so an
 * unknown key fails the install: only keys their schemas declare are written here, and
 * the tests check every written path against allowlists taken from those schemas.
 */

export const JETSTACK_CHART_REPO = "https://charts.jetstack.io";
export const DEFAULT_CERT_MANAGER_VERSION = "v1.21.1";
export const DEFAULT_ISTIO_CSR_VERSION = "v0.17.0";
export const DEFAULT_TRUST_MANAGER_VERSION = "v0.24.0";
export const DEFAULT_CERT_MANAGER_NAMESPACE = "cert-manager";

/** cert-manager's controller feature gate for signing Kubernetes CertificateSigningRequests. */
export const CSR_SIGNER_FEATURE_GATE = "ExperimentalCertificateSigningRequestControllers";

export interface CertManagerValuesSettings {
    /** Create a Prometheus Operator ServiceMonitor. */
    serviceMonitor: boolean;
    /** Enable the controllers that sign `certificates.k8s.io` CertificateSigningRequests. */
    enableCsrSigner: boolean;
    /** Turn off the default approver, which approves every CertificateRequest (approver-policy approves instead). */
    disableAutoApproval?: boolean;
}

/** Values of the `jetstack/cert-manager` chart. */
export function certManagerValues(settings: CertManagerValuesSettings): Record<string, unknown> {
    const values: Record<string, unknown> = {
        // CRDs come with the release and stay when it is uninstalled: deleting them would
        // garbage-collect every Certificate and Issuer, including the mesh's CA.
        crds: { enabled: true, keep: true },
        prometheus: { enabled: true, servicemonitor: { enabled: settings.serviceMonitor } },
    };
    if (settings.enableCsrSigner) values.featureGates = `${CSR_SIGNER_FEATURE_GATE}=true`;
    // The chart then runs the controller with --controllers=-certificaterequests-approver and drops
    // the approve ClusterRole (deploy/charts/cert-manager/templates/deployment.yaml, rbac.yaml).
    if (settings.disableAutoApproval) values.disableAutoApproval = true;
    return values;
}

/** Where istio-csr reads the trust bundle it publishes as `istio-ca-root-cert`. */
export const ISTIO_CSR_ROOT_CA_DIR = "/var/run/secrets/istio-csr";
export const ISTIO_CSR_ROOT_CA_FILE_KEY = "ca.pem";

export interface IstioCsrValuesSettings {
    /** cert-manager issuer that signs workload certificates; `group` defaults to "cert-manager.io". */
    issuer: { name: string; kind: "Issuer" | "ClusterIssuer"; group?: string };
    /** Namespace where istio-csr creates CertificateRequests (the namespaced issuer's namespace). */
    certificateRequestNamespace: string;
    /** Namespace of istiod. */
    istioNamespace: string;
    /** SPIFFE trust domain of the workload identities istio-csr signs. */
    trustDomain: string;
    /** Longest workload certificate istio-csr requests, Go duration (e.g. "48h"). */
    maxCertificateDuration: string;
    /** ConfigMap (in istio-csr's namespace) with the trust bundle under `ca.pem`; mounted as the root CA file. Default: none (istio-csr uses the issuer's CA). */
    rootCaConfigMap?: string;
    /**
     * ServiceAccounts (`<namespace>/<name>`) that may request certificates for the workloads on their
     * node, as ztunnel does (`app.server.caTrustedNodeAccounts`; istio-csr v0.17.0 refuses such a
     * request without it, pkg/server/auth.go:64-76). Default: none (sidecar meshes).
     */
    caTrustedNodeAccounts?: string[];
}

/** Values of the `jetstack/cert-manager-istio-csr` chart. */
export function istioCsrValues(settings: IstioCsrValuesSettings): Record<string, unknown> {
    const tls: Record<string, unknown> = { trustDomain: settings.trustDomain };
    const values: Record<string, unknown> = {
        app: {
            certmanager: {
                namespace: settings.certificateRequestNamespace,
                issuer: { name: settings.issuer.name, kind: settings.issuer.kind, group: settings.issuer.group ?? "cert-manager.io" },
            },
            istio: { namespace: settings.istioNamespace },
            server: {
                maxCertificateDuration: settings.maxCertificateDuration,
                ...(settings.caTrustedNodeAccounts && settings.caTrustedNodeAccounts.length > 0 ? { caTrustedNodeAccounts: settings.caTrustedNodeAccounts.join(",") } : {}),
            },
            tls,
        },
    };
    if (settings.rootCaConfigMap) {
        // A program-owned bundle, not the issuer's ca.crt: during a root rotation the bundle
        // keeps the old root until the config says otherwise.
        tls.rootCAFile = `${ISTIO_CSR_ROOT_CA_DIR}/${ISTIO_CSR_ROOT_CA_FILE_KEY}`;
        values.volumes = [{ name: "root-ca", configMap: { name: settings.rootCaConfigMap } }];
        values.volumeMounts = [{ name: "root-ca", mountPath: ISTIO_CSR_ROOT_CA_DIR, readOnly: true }];
    }
    return values;
}

export interface TrustManagerValuesSettings {
    /** Namespace trust-manager reads Bundle sources from (must exist before install). */
    trustNamespace: string;
    /** Create a Prometheus Operator ServiceMonitor. */
    serviceMonitor: boolean;
    /** Have the chart create approver-policy's CertificateRequestPolicy for its webhook certificate (needed once cert-manager's default approver is off). */
    approverPolicy?: boolean;
}

/** Values of the `jetstack/trust-manager` chart. */
export function trustManagerValues(settings: TrustManagerValuesSettings): Record<string, unknown> {
    const app: Record<string, unknown> = {
        trust: { namespace: settings.trustNamespace },
        metrics: { service: { servicemonitor: { enabled: settings.serviceMonitor } } },
    };
    // Bound to cert-manager's controller (chart defaults certManagerNamespace/ServiceAccount: cert-manager).
    if (settings.approverPolicy) app.webhook = { tls: { approverPolicy: { enabled: true } } };
    return {
        crds: { enabled: true, keep: true },
        app,
        // Bundles here only carry the mesh's private roots; the public CA package is not wanted.
        defaultPackage: { enabled: false },
    };
}

/** Paths of every leaf value in a values object ("a.b.c"); arrays are leaves. */
export function valuePaths(values: Record<string, unknown>, prefix = ""): string[] {
    const paths: string[] = [];
    for (const [key, value] of Object.entries(values)) {
        const path = prefix ? `${prefix}.${key}` : key;
        if (value !== null && typeof value === "object" && !Array.isArray(value)) paths.push(...valuePaths(value as Record<string, unknown>, path));
        else paths.push(path);
    }
    return paths;
}
