/**
 * istiod as a registration authority (RA) for the Kubernetes CertificateSigningRequest API.
 * istiod authenticates each workload, creates a Kubernetes CSR for the signer, approves it and
 * returns the signed chain; the signer (here cert-manager acting for a ClusterIssuer) signs it.
 * The signer name must agree in three places: istiod's env, its RBAC (`global.certSigners`) and
 * the trust anchors of `meshConfig.caCertificates`.
 */
import { createHash } from "crypto";
import { splitPemCertificates, certificateSha256Hex } from "./pki";
import { IstiodCaValues } from "./istioValues";

/** cert-manager's signer names for ClusterIssuers: `clusterissuers.cert-manager.io/<issuer>`. */
export const CERT_MANAGER_CLUSTER_ISSUER_SIGNER_DOMAIN = "clusterissuers.cert-manager.io";

const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The Kubernetes signer name cert-manager serves for a ClusterIssuer. */
export function clusterIssuerSignerName(issuerName: string): string {
    if (!DNS_1123_SUBDOMAIN.test(issuerName) || issuerName.length > 253) {
        throw new Error(`"${issuerName}" is not a valid ClusterIssuer name (DNS-1123 subdomain)`);
    }
    return `${CERT_MANAGER_CLUSTER_ISSUER_SIGNER_DOMAIN}/${issuerName}`;
}

export interface KubernetesRaSettings<Pem> {
    /** Signer name, `<domain>/<name>`, e.g. `clusterissuers.cert-manager.io/istio-ca`. */
    signerName: string;
    /**
     * PEM roots (plain or Pulumi inputs) that workloads signed by this signer chain to: the mesh trust
     * anchors. Each item becomes one `caCertificates` entry; an item may hold several roots. istiod's RA
     * keeps one PEM per signer (a map keyed by the signer names, the last entry wins) and uses it as the
     * CA bundle of its own serving certificate (`istio-ca-root-cert`), so during a rotation pass one
     * item with every trusted root.
     */
    rootCertPems: Pem[];
}

/**
 * istiod chart values for RA mode, with the names istiod 1.30 reads:
 * - `env.EXTERNAL_CA=ISTIOD_RA_KUBERNETES_API` and `env.K8S_SIGNER=<signer>` (istiod's own variables);
 * - `PILOT_CERT_PROVIDER=k8s.io/<signer>` on istiod's container only, so that istiod is an RA with
 *   no CA of its own and its serving certificate comes from the same signer (pilot/pkg/bootstrap/
 *   server.go: `isK8SSigning`, certcontroller.go `initDNSCertsK8SRA`), and the `istio-ca-root-cert`
 *   ConfigMap holds the signer's roots from `caCertificates`. `global.pilotCertProvider` stays
 *   `istiod`: the injection templates mount that ConfigMap at /var/run/secrets/istio only then, and
 *   istio-agent needs root-cert.pem there (pkg/istio-agent/agent.go, FindRootCAForXDS). Istio's
 *   external-CA integration test sets the variable the same way (tests/integration/security/
 *   external_ca/main_test.go);
 * - `global.certSigners=[<signer>]`, which adds the `approve` verb on that signer to istiod's ClusterRole;
 * - `meshConfig.caCertificates=[{pem, certSigners:[<signer>]}]`: the roots istiod hands to workloads
 *   and uses to verify and complete the chains the signer returns. No `meshConfig.ca` (unused by istiod).
 */
export function kubernetesRaIstiodValues<Pem>(settings: KubernetesRaSettings<Pem>): IstiodCaValues {
    const { signerName, rootCertPems } = settings;
    if (!signerName.includes("/")) throw new Error(`signer name "${signerName}" must have the form <domain>/<name>`);
    if (rootCertPems.length === 0) throw new Error("the RA needs at least one trust anchor for its signer");
    return {
        env: { EXTERNAL_CA: "ISTIOD_RA_KUBERNETES_API", K8S_SIGNER: signerName },
        istiodEnvOverrides: { PILOT_CERT_PROVIDER: `k8s.io/${signerName}` },
        global: { certSigners: [signerName] },
        meshConfig: { caCertificates: rootCertPems.map((pem) => ({ pem, certSigners: [signerName] })) },
    };
}

/**
 * Where istiod's RA reads the root it appends to every certificate it returns for a request that
 * names no signer, as ztunnel's never do: `./etc/external-ca-cert/root-cert.pem` from istiod's
 * working directory (`/`; pilot/docker/Dockerfile.pilot sets none), read once when istiod starts;
 * absent, istiod falls back to the cluster's service-account `ca.crt`, which signs no workload
 * (Istio 1.30.3 security/pkg/pki/ra/common.go:72, pilot/pkg/bootstrap/istio_ca.go:617-634,
 * security/pkg/pki/ra/k8s_ra.go:48-62, security/pkg/pki/util/keycertbundle.go:114-133).
 */
export const RA_ROOT_CERT_DIR = "/etc/external-ca-cert";
/** The file istiod reads there (`constants.CACertNamespaceConfigMapDataName`). */
export const RA_ROOT_CERT_KEY = "root-cert.pem";
/** Pod annotation holding the roots' digest: a new set of roots rolls istiod's pods, the only way istiod reads the file again. */
export const RA_ROOTS_ANNOTATION = "istio-ca.io/ra-roots-sha256";

/** A digest of a set of roots: the SHA-256 of each certificate's DER, in order, hashed together. */
export function rootsDigest(rootsPem: string): string {
    const hash = createHash("sha256");
    for (const cert of splitPemCertificates(rootsPem)) hash.update(certificateSha256Hex(cert));
    return hash.digest("hex");
}

/**
 * istiod values that mount a ConfigMap with the trusted roots as the RA's root file, and roll
 * istiod's pods when the roots change (`digest` from `rootsDigest`).
 */
export function raRootFileValues<Digest>(
    configMapName: string,
    digest: Digest,
): Required<Pick<IstiodCaValues, "volumes" | "volumeMounts">> & { podAnnotations: Record<string, Digest> } {
    const volume = "istio-ca-ra-roots";
    return {
        volumes: [{ name: volume, configMap: { name: configMapName, items: [{ key: RA_ROOT_CERT_KEY, path: RA_ROOT_CERT_KEY }] } }],
        volumeMounts: [{ name: volume, mountPath: RA_ROOT_CERT_DIR, readOnly: true }],
        podAnnotations: { [RA_ROOTS_ANNOTATION]: digest },
    };
}
