/**
 * Root rotation in the modes where cert-manager holds the roots (`cert-manager`, `kubernetes`):
 * names and istiod trust anchors per phase. Pure; `src/strategies/` turns them into resources.
 *
 * Each configured root gets its own CA ClusterIssuer (named by `rootIssuerName`), kept across
 * phases. The intermediate (istiod's `cacerts`, istio-csr's, or the Kubernetes signer's) is one
 * Certificate whose `issuerRef` names the signing root's issuer: moving it at `sign-new` makes
 * cert-manager re-issue the intermediate from the new root at once. Trust comes from the
 * phase's trusted roots (`rotationPlan(...).trustedRoots`), delivered per mode:
 * - `cacerts`: cert-manager writes a kubernetes.io/tls Secret whose `ca.crt` is one root, the
 *   signing one. istiod (with `ISTIO_MULTIROOT_MESH`) adds `meshConfig.caCertificates` to the
 *   bundle it pushes to proxies, so every trusted root is listed there, signing root included:
 *   the bundle is then the phase's trusted set whether or not cert-manager has re-issued yet.
 * - `istio-csr`: the program-owned ConfigMap behind the trust-manager Bundle holds the trusted roots.
 * - `kubernetes`: one `caCertificates` entry for the signer holding every trusted root (see
 *   `kubernetesRaIstiodValues`).
 */
import { DEFAULT_ROOT_NAME } from "./rootNames";

/** Name of the CA ClusterIssuer on the mesh root (the root `primary`, or an in-cluster root). */
export const ROOT_ISSUER_NAME = "istio-ca-root";

/** The ClusterIssuer (and component) name of a root. `primary` keeps the name stacks had before roots were named. */
export function rootIssuerName(root: string): string {
    return root === DEFAULT_ROOT_NAME ? ROOT_ISSUER_NAME : `${ROOT_ISSUER_NAME}-${root}`;
}

/** `meshConfig.caCertificates` for the `cacerts` delivery: one entry per trusted root, for all workloads (no signer). */
export function cacertsMeshCaCertificates<Pem>(trustedRootPems: readonly Pem[]): { pem: Pem }[] {
    if (trustedRootPems.length === 0) throw new Error("the mesh needs at least one trusted root");
    return trustedRootPems.map((pem) => ({ pem }));
}
