/**
 * Specs of the cert-manager and trust-manager custom resources this program emits, as pure
 * functions of typed settings. Field names and enums follow the cert-manager v1.21 and
 * trust-manager v0.24 CRDs; the tests check each spec against those CRD facts.
 */
import { formatDuration } from "./duration";
import { KeyAlgorithm } from "./pki";

export const CERT_MANAGER_API_VERSION = "cert-manager.io/v1";
export const TRUST_MANAGER_API_VERSION = "trust.cert-manager.io/v1alpha1";

/**
 * Makes `pulumi up` wait until cert-manager reports the resource Ready, so that nothing
 * that depends on it (istiod reading `cacerts`) starts before the certificate exists.
 */
export const WAIT_FOR_READY = { "pulumi.com/waitFor": "condition=Ready" };

/** trust-manager reports a Bundle's state as the `Synced` condition (it has no `Ready`). */
export const WAIT_FOR_SYNCED = { "pulumi.com/waitFor": "condition=Synced" };

/** Key usages of a CA that signs certificates (cert-manager `usages` names). */
export const CA_USAGES = ["cert sign", "crl sign", "digital signature"] as const;

export type KeyRotationPolicy = "Always" | "Never";
export const KEY_ROTATION_POLICIES: readonly KeyRotationPolicy[] = ["Always", "Never"];

/** cert-manager `privateKey` fields for a key algorithm. */
export function certManagerPrivateKey(
    algorithm: KeyAlgorithm,
    rotationPolicy: KeyRotationPolicy,
): { algorithm: "RSA" | "ECDSA"; size: number; rotationPolicy: KeyRotationPolicy; encoding: "PKCS8" } {
    const [family, size] = algorithm.split("-");
    return {
        algorithm: family === "RSA" ? "RSA" : "ECDSA",
        size: family === "RSA" ? Number(size) : Number(size.slice(1)),
        rotationPolicy,
        encoding: "PKCS8",
    };
}

export interface IssuerRef {
    name: string;
    kind: "Issuer" | "ClusterIssuer";
}

export interface CaCertificateSpecSettings {
    commonName: string;
    organization: string;
    secretName: string;
    keyAlgorithm: KeyAlgorithm;
    rotationPolicy: KeyRotationPolicy;
    /** Lifetime, milliseconds. */
    durationMs: number;
    /** Renew this long before expiry, milliseconds. */
    renewBeforeMs?: number;
    issuerRef: IssuerRef;
    /** Labels put on the Secret cert-manager writes. */
    secretLabels?: Record<string, string>;
}

/** `spec` of a cert-manager Certificate for a CA (`isCA: true`). */
export function caCertificateSpec(settings: CaCertificateSpecSettings): Record<string, unknown> {
    const spec: Record<string, unknown> = {
        isCA: true,
        commonName: settings.commonName,
        subject: { organizations: [settings.organization] },
        secretName: settings.secretName,
        duration: formatDuration(settings.durationMs),
        privateKey: certManagerPrivateKey(settings.keyAlgorithm, settings.rotationPolicy),
        usages: [...CA_USAGES],
        issuerRef: { name: settings.issuerRef.name, kind: settings.issuerRef.kind, group: "cert-manager.io" },
    };
    if (settings.renewBeforeMs !== undefined) spec.renewBefore = formatDuration(settings.renewBeforeMs);
    if (settings.secretLabels) spec.secretTemplate = { labels: settings.secretLabels };
    return spec;
}

/** `spec` of a CA issuer on the `kubernetes.io/tls` Secret `secretName`. */
export function caIssuerSpec(secretName: string): Record<string, unknown> {
    return { ca: { secretName } };
}

/** `spec` of a self-signed issuer. */
export function selfSignedIssuerSpec(): Record<string, unknown> {
    return { selfSigned: {} };
}

export interface TrustBundleSpecSettings {
    /** ConfigMap in trust-manager's trust namespace holding the PEM roots. */
    sourceConfigMap: { name: string; key: string };
    /** Key of the target ConfigMaps (named after the Bundle). */
    targetKey: string;
    /** Namespaces the bundle is written to; all namespaces when omitted. */
    targetNamespaces?: string[];
}

/** `spec` of a trust-manager Bundle. */
export function trustBundleSpec(settings: TrustBundleSpecSettings): Record<string, unknown> {
    const target: Record<string, unknown> = { configMap: { key: settings.targetKey } };
    if (settings.targetNamespaces) {
        target.namespaceSelector = { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: [...settings.targetNamespaces] }] };
    }
    return { sources: [{ configMap: { name: settings.sourceConfigMap.name, key: settings.sourceConfigMap.key } }], target };
}
