import { X509Certificate, createHash, createPrivateKey } from "crypto";

/** Key algorithms the CA settings accept, as "<ALG>-<size|curve>". */
export const KEY_ALGORITHMS = ["ECDSA-P256", "ECDSA-P384", "RSA-2048", "RSA-3072", "RSA-4096"] as const;
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

/** Why a PEM pair cannot serve as a signing CA, or undefined when it can. */
export function checkCaKeyPair(certPem: string, keyPem: string): string | undefined {
    let cert: X509Certificate;
    try {
        cert = new X509Certificate(certPem);
    } catch (err) {
        return `the certificate is not a PEM X.509 certificate (${(err as Error).message})`;
    }
    if (!cert.ca) return "the certificate is not a CA certificate (basicConstraints CA:TRUE is missing)";
    if (new Date(cert.validTo).getTime() < Date.now()) return `the certificate expired on ${cert.validTo}`;
    let key;
    try {
        key = createPrivateKey(keyPem);
    } catch (err) {
        return `the private key is not a PEM private key (${(err as Error).message})`;
    }
    if (!cert.checkPrivateKey(key)) return "the private key does not belong to the certificate";
    return undefined;
}
