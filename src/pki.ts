import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { X509Certificate, createHash, createPrivateKey } from "crypto";

/** Key algorithms the CA settings accept, as "<ALG>-<size|curve>". */
export const KEY_ALGORITHMS = ["ECDSA-P256", "ECDSA-P384", "RSA-2048", "RSA-3072", "RSA-4096"] as const;

/** Path length of a root made with @pulumi/tls: it signs intermediates only, and those sign leaves. */
export const GENERATED_ROOT_MAX_PATH_LENGTH = 1;
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];

/** The `@pulumi/tls` PrivateKey arguments for a key algorithm. */
export function tlsKeyArgs(algorithm: KeyAlgorithm): { algorithm: "RSA" | "ECDSA"; rsaBits?: number; ecdsaCurve?: string } {
    const [family, size] = algorithm.split("-");
    return family === "RSA" ? { algorithm: "RSA", rsaBits: Number(size) } : { algorithm: "ECDSA", ecdsaCurve: size };
}

/** Splits a PEM bundle into its certificates (each with a trailing newline). */
export function splitPemCertificates(bundle: string): string[] {
    const matches = bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    return matches.map((pem) => pem.trim() + "\n");
}

/** The subject CN of a PEM certificate, or undefined when its subject has none. Throws when `certPem` is not a certificate. */
export function commonName(certPem: string): string | undefined {
    return /(?:^|\n)CN=([^\n]*)/.exec(new X509Certificate(certPem).subject)?.[1];
}

/** SHA-256 fingerprint of a PEM certificate, as colon-separated upper-case hex (the openssl form). */
export function sha256Fingerprint(certPem: string): string {
    return new X509Certificate(certPem).fingerprint256;
}

/** Lower-case hex SHA-256 of the DER, used where a compact identifier is needed. */
export function certificateSha256Hex(certPem: string): string {
    return createHash("sha256").update(new X509Certificate(certPem).raw).digest("hex");
}

/** Joins certificates into one PEM bundle, dropping duplicates but keeping order. */
export function composeTrustBundle(certPems: string[]): string {
    const seen = new Set<string>();
    const unique: string[] = [];
    for (const pem of certPems.flatMap(splitPemCertificates)) {
        const fingerprint = sha256Fingerprint(pem);
        if (!seen.has(fingerprint)) {
            seen.add(fingerprint);
            unique.push(pem);
        }
    }
    return unique.join("");
}

/** What a root must allow so the program can sign an intermediate under it. */
export interface RootRequirements {
    /** The root must stay valid until at least this time (now plus the intermediate's lifetime). */
    validUntil: Date;
}

/**
 * Why a PEM certificate and key cannot serve as the mesh root, or undefined when they can:
 * one certificate, a CA (basicConstraints CA:TRUE) allowed to sign certificates (keyUsage
 * keyCertSign when key usage is present), room for an intermediate below it (no pathlen:0),
 * valid long enough for the intermediate it signs, and the key belongs to it.
 */
export function checkCaKeyPair(certPem: string, keyPem: string, requirements?: RootRequirements): string | undefined {
    const certificates = splitPemCertificates(certPem);
    if (certificates.length > 1) return `it holds ${certificates.length} certificates; give only the root certificate`;
    if (certificates.length === 1 && certPem.trim() !== certificates[0].trim()) return "it holds text besides the PEM certificate; give only the certificate's PEM block";
    const keyBlocks = keyPem.match(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+?-----END [A-Z ]*PRIVATE KEY-----/g) ?? [];
    if (keyBlocks.length !== 1 || keyPem.trim() !== keyBlocks[0].trim()) return "the private key is not exactly one PEM private key block";
    let cert: x509.X509Certificate;
    try {
        cert = new x509.X509Certificate(certPem);
    } catch (err) {
        return `the certificate is not a PEM X.509 certificate (${(err as Error).message})`;
    }
    const constraints = cert.getExtension(x509.BasicConstraintsExtension);
    if (!constraints?.ca) return "the certificate is not a CA certificate (basicConstraints CA:TRUE is missing)";
    const keyUsage = cert.getExtension(x509.KeyUsagesExtension);
    if (keyUsage && (keyUsage.usages & x509.KeyUsageFlags.keyCertSign) === 0) return "its key usage does not include keyCertSign, so it may not sign certificates";
    if (constraints.pathLength === 0) return "its path length constraint is 0, so it cannot sign the intermediate the mesh's CA certificates chain through";
    if (cert.notAfter.getTime() < Date.now()) return `the certificate expired on ${cert.notAfter.toISOString()}`;
    if (cert.notBefore.getTime() > Date.now()) return `the certificate is not valid yet (notBefore ${cert.notBefore.toISOString()}), so nothing it signed would be trusted before then`;
    if (requirements && cert.notAfter.getTime() < requirements.validUntil.getTime()) {
        return `it expires on ${cert.notAfter.toISOString()}, before the intermediate it would sign (valid until ${requirements.validUntil.toISOString()})`;
    }
    let key;
    try {
        key = createPrivateKey(keyPem);
    } catch (err) {
        return `the private key is not a PEM private key (${(err as Error).message})`;
    }
    if (!new X509Certificate(certPem).checkPrivateKey(key)) return "the private key does not belong to the certificate";
    return undefined;
}
