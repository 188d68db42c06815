/**
 * Who may get which certificate from the mesh's cert-manager issuers. cert-manager's default
 * approver approves every CertificateRequest, so anyone who can create a Certificate could get a
 * CA certificate under the mesh root. With the default approver off, approver-policy approves a
 * request only when a CertificateRequestPolicy that selects its issuer and namespace, and that its
 * requester may `use`, allows everything it asks for (cert-manager/approver-policy
 * pkg/internal/approver/manager/review.go). These functions describe exactly the requests this
 * program makes, one policy each; anything else matches no policy and is never approved.
 */
import { CA_USAGES } from "./certManagerResources";
import { formatDuration } from "./duration";
import { KeyAlgorithm } from "./pki";

export const APPROVER_POLICY_API_VERSION = "policy.cert-manager.io/v1alpha1";
export const DEFAULT_APPROVER_POLICY_VERSION = "v0.27.0";

/** A ServiceAccount that creates CertificateRequests. */
export interface Requester {
    namespace: string;
    name: string;
}

/** The CertificateRequests one policy approves. */
export interface IssuancePolicy {
    /** Name of the CertificateRequestPolicy (cluster-scoped) and of its Role and RoleBinding. */
    name: string;
    /** The issuer the requests name. */
    issuer: { name: string; kind: "Issuer" | "ClusterIssuer" };
    /** Namespace the requests are created in; the `use` grant is a Role there. */
    namespace: string;
    /** The only requester bound to the policy. */
    requester: Requester;
    /** approver-policy `spec.allowed`: what a request may carry; anything omitted must be empty. */
    allowed: Record<string, unknown>;
    /** approver-policy `spec.constraints`. */
    constraints?: Record<string, unknown>;
}

/** The username the API server gives a ServiceAccount (CertificateRequest `spec.username`). */
export function serviceAccountUser(requester: Requester): string {
    return `system:serviceaccount:${requester.namespace}:${requester.name}`;
}

/** approver-policy `privateKey` constraint for a key algorithm. */
function keyConstraint(algorithm: KeyAlgorithm): Record<string, unknown> {
    const [family, size] = algorithm.split("-");
    const bits = Number(family === "RSA" ? size : size.slice(1));
    return { algorithm: family === "RSA" ? "RSA" : "ECDSA", minSize: bits, maxSize: bits };
}

export interface CaCertificateRequest {
    name: string;
    issuer: IssuancePolicy["issuer"];
    /** Namespace of the Certificate (its requests live there). */
    namespace: string;
    commonName: string;
    organization: string;
    /** The Certificate's duration, milliseconds. */
    durationMs: number;
    keyAlgorithm: KeyAlgorithm;
    /** cert-manager's controller, which creates the requests of every Certificate. */
    requester: Requester;
}

/** A CA Certificate the program manages (an intermediate, or an in-cluster root): its exact subject, usages, lifetime and key. */
export function caCertificatePolicy(request: CaCertificateRequest): IssuancePolicy {
    const duration = formatDuration(request.durationMs);
    return {
        name: request.name,
        issuer: request.issuer,
        namespace: request.namespace,
        requester: request.requester,
        allowed: {
            commonName: { value: request.commonName, required: true },
            isCA: true,
            usages: [...CA_USAGES],
            subject: { organizations: { values: [request.organization], required: true } },
        },
        constraints: { minDuration: duration, maxDuration: duration, privateKey: keyConstraint(request.keyAlgorithm) },
    };
}

export interface IstioCsrRequests {
    issuer: IssuancePolicy["issuer"];
    /** istio-csr's `app.certmanager.namespace`, where every request it makes lives. */
    namespace: string;
    trustDomain: string;
    /** istio-csr's `maxCertificateDuration` (the workloads' longest certificate), milliseconds. */
    maxWorkloadDurationMs: number;
    /** istio-csr's ServiceAccount, which creates the workload and serving-certificate requests. */
    istioCsr: Requester;
    /** cert-manager's controller, which requests istiod's Certificate. */
    certManager: Requester;
    /** DNS name of istio-csr's serving certificate (`app.tls.certificateDNSNames`). */
    servingDnsName: string;
    /** istiod's namespace. */
    istioNamespace: string;
}

/** istio-csr's control-plane certificates live 1h (`app.tls.certificateDuration`, `istiodCertificateDuration`). */
const ISTIO_CSR_CONTROL_PLANE_DURATION = "1h";

/**
 * What istio-csr v0.17.0 asks for (cert-manager/istio-csr pkg/server/server.go, pkg/tls/tls.go,
 * deploy/charts/istio-csr/templates/certificate.yaml):
 * - workload certificates: one SPIFFE URI of the trust domain, client and server auth, no CA, at
 *   most `maxCertificateDuration`. Istio's CSR template sets the subject's Organization, empty for
 *   proxies, so an empty organization is allowed;
 * - its own serving certificate: its Service DNS name, server auth, 1h;
 * - istiod's certificate (a Certificate, so requested by cert-manager's controller): istiod's
 *   Service name and SPIFFE identity, no usages, 1h.
 */
export function istioCsrPolicies(requests: IstioCsrRequests): IssuancePolicy[] {
    const base = { issuer: requests.issuer, namespace: requests.namespace };
    const emptyOrganization = { subject: { organizations: { values: [""] } } };
    const istiodDns = `istiod.${requests.istioNamespace}.svc`;
    return [
        {
            ...base,
            name: "istio-ca-workloads",
            requester: requests.istioCsr,
            allowed: { uris: { values: [`spiffe://${requests.trustDomain}/ns/*/sa/*`], required: true }, usages: ["client auth", "server auth"], ...emptyOrganization },
            constraints: { maxDuration: formatDuration(requests.maxWorkloadDurationMs) },
        },
        {
            ...base,
            name: "istio-ca-istio-csr-serving",
            requester: requests.istioCsr,
            allowed: { dnsNames: { values: [requests.servingDnsName], required: true }, usages: ["server auth"], ...emptyOrganization },
            constraints: { maxDuration: ISTIO_CSR_CONTROL_PLANE_DURATION },
        },
        {
            ...base,
            name: "istio-ca-istiod",
            requester: requests.certManager,
            allowed: {
                commonName: { value: istiodDns, required: true },
                dnsNames: { values: [istiodDns], required: true },
                uris: { values: [`spiffe://${requests.trustDomain}/ns/${requests.istioNamespace}/sa/istiod-service-account`], required: true },
            },
            constraints: { maxDuration: ISTIO_CSR_CONTROL_PLANE_DURATION },
        },
    ];
}

/** The CertificateRequestPolicy object for a policy. */
export function certificateRequestPolicySpec(policy: IssuancePolicy): Record<string, unknown> {
    return {
        allowed: policy.allowed,
        ...(policy.constraints ? { constraints: policy.constraints } : {}),
        selector: {
            issuerRef: { name: policy.issuer.name, kind: policy.issuer.kind, group: "cert-manager.io" },
            namespace: { matchNames: [policy.namespace] },
        },
    };
}

/** The Role rule that lets a requester use a policy, in the namespace of its requests (approver-policy's SubjectAccessReview is namespaced to the request). */
export function policyUseRule(policyName: string) {
    return { apiGroups: ["policy.cert-manager.io"], resources: ["certificaterequestpolicies"], verbs: ["use"], resourceNames: [policyName] };
}
