/**
 * Root rotation in the Vault PKI mode: how roots and intermediates are named in Vault and in the
 * stack, how the trusted roots reach istiod, and how long the guard waits before a root leaves the
 * bundle. Every root is an issuer of the root mount; the intermediate is re-signed by the signing
 * root's issuer and the mounts' default issuers follow the signing root.
 */
import type { IstiodCaValues } from "./istioValues";
import { cacertsMeshCaCertificates } from "./certManagerRotation";
import { DEFAULT_ROOT_NAME } from "./rootNames";

/** Issuer names of the default root and its intermediate, as stacks made before rotation have them. */
export const DEFAULT_ROOT_ISSUER_NAME = "istio-root";
export const DEFAULT_INTERMEDIATE_ISSUER_NAME = "istio-intermediate";

/** Root names Vault cannot use as issuer names here: reserved by Vault, or the default root's issuer. */
export const VAULT_RESERVED_ROOT_NAMES = ["default", DEFAULT_ROOT_ISSUER_NAME] as const;

/** How one CA is named: suffix of its resource names, its Vault issuer name, its subject CN. */
export interface VaultCaNaming {
    resourceSuffix: string;
    issuerName: string;
    commonName: string;
}

/**
 * A root's names: its issuer in the root mount is the root's name and its CN ends with it, so two
 * roots in a bundle never share a subject. The default root (`primary`) keeps the names of stacks
 * made before rotation: renaming an issuer or a subject would replace the protected root.
 */
export function vaultRootNaming(root: string, commonNameBase: string): VaultCaNaming {
    if (root === DEFAULT_ROOT_NAME) return { resourceSuffix: "", issuerName: DEFAULT_ROOT_ISSUER_NAME, commonName: commonNameBase };
    return { resourceSuffix: `-${root}`, issuerName: root, commonName: `${commonNameBase} ${root}` };
}

/** Suffixes naming an intermediate generation; generation 1 keeps the names of stacks made before generations. */
function generationSuffix(generation: number): { name: string; cn: string } {
    if (!Number.isInteger(generation) || generation < 1) throw new Error(`intermediate generation must be a whole number >= 1, got ${generation}`);
    return generation === 1 ? { name: "", cn: "" } : { name: `-g${generation}`, cn: ` g${generation}` };
}

/**
 * The Vault intermediate's names, by the root that signs it and its generation: a new signing root
 * or a new generation means a new intermediate (new key, new issuer in the intermediate mount), as
 * the plug-in CA does. Renaming, not changing the issuer resource in place, is what makes a renewal
 * real: the issuer resource's `issuer_ref` is not ForceNew, and an in-place change keeps patching the
 * old issuer (terraform-provider-vault, vault/resource_pki_secret_backend_issuer.go).
 */
export function vaultIntermediateNaming(signingRoot: string, commonNameBase: string, generation = 1): VaultCaNaming {
    const gen = generationSuffix(generation);
    if (signingRoot === DEFAULT_ROOT_NAME)
        return { resourceSuffix: gen.name, issuerName: `${DEFAULT_INTERMEDIATE_ISSUER_NAME}${gen.name}`, commonName: `${commonNameBase}${gen.cn}` };
    return {
        resourceSuffix: `-${signingRoot}${gen.name}`,
        issuerName: `${DEFAULT_INTERMEDIATE_ISSUER_NAME}-${signingRoot}${gen.name}`,
        commonName: `${commonNameBase} ${signingRoot}${gen.cn}`,
    };
}

/**
 * CN of istiod's `cacerts` Certificate (cacerts delivery). It names the signing root and the Vault
 * intermediate's generation, so that the Certificate's spec changes when either does: cert-manager
 * then re-issues `cacerts` at once, from the intermediate that is now the mount's default, instead
 * of at the next renewal (months away). The default root at generation 1 keeps the plain CN.
 */
export function vaultCacertsCommonName(commonNameBase: string, signingRoot: string, generation = 1): string {
    const gen = generationSuffix(generation);
    return signingRoot === DEFAULT_ROOT_NAME ? `${commonNameBase}${gen.cn}` : `${commonNameBase} ${signingRoot}${gen.cn}`;
}

/**
 * istiod values that hand the trusted roots to every proxy: `meshConfig.caCertificates` (one
 * `{pem}` per root, no signer restriction), which istiod merges into the trust bundle it pushes
 * over xDS (`ISTIO_MULTIROOT_MESH`, `PROXY_CONFIG_XDS_AGENT`). Every trusted root is listed, not
 * only those besides the signing root: with `cacerts`, the root in `ca.crt` is the one cert-manager
 * last issued from, which lags the phase until cert-manager re-issues; with `istio-csr`, proxies
 * learn roots from the CA only when they renew. Listed here, each phase's roots reach every proxy
 * whatever `ca.crt` or the last renewal holds.
 */
export function vaultTrustAnchorValues<Pem>(trustedRootPems: Pem[]): Required<Pick<IstiodCaValues, "meshConfig">> {
    return { meshConfig: { caCertificates: cacertsMeshCaCertificates(trustedRootPems) } };
}

/**
 * Roots a proxy trusts once a phase's values are deployed: the listed trusted roots plus, with
 * `cacerts`, the root in `ca.crt` (the signing root of whichever phase cert-manager last issued
 * `cacerts` in). Used to check that every phase keeps the bundle rules while `ca.crt` lags.
 */
export function vaultEffectiveBundle(trustedRoots: readonly string[], cacertsRoot?: string): string[] {
    return cacertsRoot === undefined || trustedRoots.includes(cacertsRoot) ? [...trustedRoots] : [...trustedRoots, cacertsRoot];
}
