/**
 * Pure logic of the Vault PKI strategy: key parameters, path lengths, the sign paths the
 * mesh's signer uses, and the workload role's parameters. The Vault resources are thin
 * wrappers around these.
 */
import { goDurationString } from "./duration";
import { KeyAlgorithm } from "./pki";
import { VaultPolicyRule } from "./vaultPolicy";

/** How CA material reaches the mesh (the same two deliveries as the cert-manager strategy). */
export type VaultDelivery = "cacerts" | "istio-csr";

/** Vault's `key_type` and `key_bits` for a key algorithm. */
export function vaultKeyParams(algorithm: KeyAlgorithm): { keyType: "ec" | "rsa"; keyBits: number } {
    const [family, size] = algorithm.split("-");
    if (family === "RSA") return { keyType: "rsa", keyBits: Number(size) };
    return { keyType: "ec", keyBits: Number(size.replace(/^P/, "")) };
}

/**
 * The root allows two CA levels below it (Vault intermediate, then istiod's CA), whichever
 * delivery is used, so switching delivery never forces a replacement of the protected root.
 */
export const VAULT_ROOT_MAX_PATH_LENGTH = 2;

/**
 * Path length of the Vault intermediate: with `cacerts` it signs istiod's CA (which signs
 * leaves), so 1; with `istio-csr` it signs workload leaves itself, so 0.
 */
export function vaultIntermediatePathLength(delivery: VaultDelivery): number {
    return delivery === "cacerts" ? 1 : 0;
}

/** Name of the PKI role that signs workload (and istiod, istio-csr serving) leaves in the istio-csr delivery. */
export const VAULT_WORKLOAD_ROLE = "istio-workloads";

/**
 * The Vault path the signer posts CSRs to: `cacerts` signs istiod's CA through the
 * intermediate mount's `root/sign-intermediate` (the mount's default issuer signs);
 * `istio-csr` signs leaves through the workload role.
 */
export function vaultSignPath(delivery: VaultDelivery, intermediateMountPath: string, workloadRole = VAULT_WORKLOAD_ROLE): string {
    return delivery === "cacerts" ? `${intermediateMountPath}/root/sign-intermediate` : `${intermediateMountPath}/sign/${workloadRole}`;
}

/** What the signer asks Vault for. */
export interface SignerRequest {
    /** With `cacerts`: the one intermediate request it may make. */
    cacerts?: SignedIntermediateRequest;
    /** With `istio-csr`: the role that signs workload leaves. Default: "istio-workloads". */
    workloadRole?: string;
}

/** What istiod's CA certificate is requested as (cacerts delivery): the only request `sign-intermediate` accepts. */
export interface SignedIntermediateRequest {
    /** Subject CN of the `cacerts` Certificate. */
    commonName: string;
    /** The Certificate's duration, milliseconds (whole seconds). */
    durationMs: number;
}

/**
 * The signer's policy: the one sign path its delivery uses, with the two capabilities a POST needs.
 * With `cacerts`, `sign-intermediate` would let the token pick any name, lifetime or path length for a
 * CA under the mesh root, so the policy allows exactly the parameters cert-manager's Vault client
 * sends for the `cacerts` Certificate (cert-manager internal/vault/vault.go, Sign: common_name,
 * alt_names, ip_sans, uri_sans, ttl as Go's Duration.String(), csr, exclude_cn_from_sans) with
 * exactly its values; every other parameter (max_path_length, use_csr_values, format, not_after,
 * issuer_ref, ...) is denied. With `istio-csr`, the role limits names, lifetime and key.
 */
export function signerPolicyRules(delivery: VaultDelivery, intermediateMountPath: string, request: SignerRequest = {}): VaultPolicyRule[] {
    const { cacerts } = request;
    const rule: VaultPolicyRule = { path: vaultSignPath(delivery, intermediateMountPath, request.workloadRole), capabilities: ["create", "update"] };
    if (delivery === "cacerts") {
        if (!cacerts) throw new Error("the cacerts delivery's signer policy needs the request it allows");
        rule.allowedParameters = {
            common_name: [cacerts.commonName],
            alt_names: [""],
            ip_sans: [""],
            uri_sans: [""],
            ttl: [goDurationString(cacerts.durationMs)],
            csr: [],
            exclude_cn_from_sans: ["true"],
        };
    }
    return [rule];
}

/** Issuing-certificate and CRL URLs of a PKI mount, as clients outside Vault fetch them. */
export function pkiUrls(address: string, mountPath: string): { issuingCertificates: string[]; crlDistributionPoints: string[] } {
    const base = `${address.replace(/\/+$/, "")}/v1/${mountPath}`;
    return { issuingCertificates: [`${base}/ca`], crlDistributionPoints: [`${base}/crl`] };
}

export interface WorkloadRoleSettings {
    /** SPIFFE trust domain: the role allows `spiffe://<trustDomain>/*` URI SANs only. */
    trustDomain: string;
    /** Key algorithm of the CSRs the role accepts. */
    keyAlgorithm: KeyAlgorithm;
    /** Default lifetime of a leaf, milliseconds. */
    ttlMs: number;
    /** Longest lifetime of a leaf (the role's `max_ttl`), milliseconds. */
    maxTtlMs: number;
    /** Exact DNS names the role may sign (istiod's and istio-csr's serving names). */
    dnsNames: string[];
}

/** Arguments of the workload role (`vault.pkisecret.SecretBackendRole`), without backend and name. */
export function workloadRoleArgs(settings: WorkloadRoleSettings) {
    const { keyType, keyBits } = vaultKeyParams(settings.keyAlgorithm);
    return {
        // SPIFFE identities of this trust domain only.
        allowedUriSans: [`spiffe://${settings.trustDomain}/*`],
        // Exact serving names, no subdomains, globs, wildcards, IPs or localhost.
        allowedDomains: [...settings.dnsNames],
        allowBareDomains: true,
        allowSubdomains: false,
        allowGlobDomains: false,
        allowWildcardCertificates: false,
        allowLocalhost: false,
        allowIpSans: false,
        allowAnyName: false,
        enforceHostnames: true,
        // Workload CSRs carry only a URI SAN.
        requireCn: false,
        useCsrCommonName: true,
        useCsrSans: true,
        keyType,
        keyBits,
        keyUsages: ["DigitalSignature", "KeyEncipherment"],
        serverFlag: true,
        clientFlag: true,
        codeSigningFlag: false,
        emailProtectionFlag: false,
        ttl: String(Math.round(settings.ttlMs / 1000)),
        maxTtl: String(Math.round(settings.maxTtlMs / 1000)),
        // Short-lived leaves: no lease per certificate, and no storage of every issued leaf.
        generateLease: false,
        noStore: true,
    };
}

/** Default audience cert-manager puts in the token it requests for a ClusterIssuer's `serviceAccountRef`. */
export function clusterIssuerTokenAudience(issuerName: string): string {
    return `vault://${issuerName}`;
}

export interface VaultIssuerSpecSettings {
    /** Vault address, e.g. "https://vault.example.com:8200". */
    server: string;
    /** The sign path (`vaultSignPath`). */
    path: string;
    /** Vault Enterprise namespace. Default: none. */
    vaultNamespace?: string;
    /** PEM bundle of the CAs of Vault's TLS certificate. Default: none (cert-manager's system roots). */
    caBundlePem?: string;
    /** Vault role of the Kubernetes auth mount. */
    role: string;
    /** `/v1/auth/<path>` of the Kubernetes auth mount. */
    mountPath: string;
    /** ServiceAccount cert-manager requests a bound token for. */
    serviceAccountName: string;
    /** Audiences added to the token besides cert-manager's `vault://<issuer>`. Default: none. */
    extraAudiences?: string[];
}

/**
 * `spec` of a cert-manager Vault ClusterIssuer that logs in with a short-lived bound token of
 * one ServiceAccount (`auth.kubernetes.serviceAccountRef`); no static token or Secret.
 */
export function vaultIssuerSpec(settings: VaultIssuerSpecSettings): Record<string, unknown> {
    const serviceAccountRef: { name: string; audiences?: string[] } = { name: settings.serviceAccountName };
    if (settings.extraAudiences?.length) serviceAccountRef.audiences = [...settings.extraAudiences];
    const vault: Record<string, unknown> = {
        server: settings.server,
        path: settings.path,
        auth: { kubernetes: { role: settings.role, mountPath: settings.mountPath, serviceAccountRef } },
    };
    if (settings.vaultNamespace) vault.namespace = settings.vaultNamespace;
    if (settings.caBundlePem) vault.caBundle = Buffer.from(settings.caBundlePem).toString("base64");
    return { vault };
}

/** RBAC rule letting cert-manager's controller request tokens for exactly one ServiceAccount. */
export function tokenRequestRule(serviceAccountName: string) {
    return { apiGroups: [""], resources: ["serviceaccounts/token"], resourceNames: [serviceAccountName], verbs: ["create"] };
}
