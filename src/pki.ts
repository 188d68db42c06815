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

/** Longest PEM bundle taken from config (a CA bundle of a few hundred certificates). */
export const PEM_BUNDLE_MAX_CHARS = 512 * 1024;
/** Longest single PEM block taken from config (a root certificate or key is a few KiB). */
export const PEM_BLOCK_MAX_CHARS = 64 * 1024;

/** One PEM block: its label ("CERTIFICATE", "EC PRIVATE KEY"), the text between its BEGIN and END lines, and the whole block. */
export interface PemBlock {
    label: string;
    body: string;
    pem: string;
}

/** The PEM blocks of a text, and whether it holds anything else than whitespace (an unterminated block included). */
export interface PemScan {
    blocks: PemBlock[];
    otherText: boolean;
}

/** A PEM label: upper-case words separated by single spaces ("EC PRIVATE KEY"), at most 64 characters. */
const PEM_LABEL_RE = /^(?=[A-Z0-9 ]{1,64}$)[A-Z0-9]+(?: [A-Z0-9]+)*$/;

/**
 * Finds the PEM blocks of a text in one pass with indexOf. A block runs from its BEGIN line to the
 * next "-----", which must open its own END line (base64 has no "-"). A lazy regex would rescan to
 * the end of the text from every BEGIN that has no END: quadratic in the text's length.
 */
export function scanPem(text: string): PemScan {
    const blocks: PemBlock[] = [];
    let otherText = false;
    let pos = 0;
    for (;;) {
        const begin = text.indexOf("-----BEGIN ", pos);
        if (begin < 0) break;
        if (text.slice(pos, begin).trim() !== "") otherText = true;
        // Every search below starts after `pos` and `pos` only moves forward: each character is read a bounded number of times.
        const labelEnd = text.indexOf("-----", begin + 11);
        if (labelEnd < 0) {
            otherText = true;
            pos = text.length;
            break;
        }
        const label = text.slice(begin + 11, labelEnd);
        if (!PEM_LABEL_RE.test(label)) {
            otherText = true;
            pos = labelEnd;
            continue;
        }
        const bodyStart = labelEnd + 5;
        const next = text.indexOf("-----", bodyStart);
        if (next < 0) {
            otherText = true;
            pos = text.length;
            break;
        }
        const endLine = `-----END ${label}-----`;
        if (!text.startsWith(endLine, next)) {
            // Another BEGIN, or an END of another label: this block is broken; scan on from that marker.
            otherText = true;
            pos = next;
            continue;
        }
        const end = next + endLine.length;
        blocks.push({ label, body: text.slice(bodyStart, next), pem: text.slice(begin, end) });
        pos = end;
    }
    if (text.slice(pos).trim() !== "") otherText = true;
    return { blocks, otherText };
}

/** Splits a PEM bundle into its certificates (each with a trailing newline). */
export function splitPemCertificates(bundle: string): string[] {
    return scanPem(bundle)
        .blocks.filter((block) => block.label === "CERTIFICATE")
        .map((block) => block.pem + "\n");
}

/** Whether a text is PEM certificates and nothing else (no key, no other text). */
export function isOnlyCertificates(text: string): boolean {
    const { blocks, otherText } = scanPem(text);
    return blocks.length > 0 && !otherText && blocks.every((block) => block.label === "CERTIFICATE" && /^[A-Za-z0-9+/=\s]*$/.test(block.body));
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
    if (certPem.length > PEM_BLOCK_MAX_CHARS)
        return `the certificate is ${certPem.length} characters long, more than the ${PEM_BLOCK_MAX_CHARS} taken (a root certificate's PEM is a few thousand)`;
    if (keyPem.length > PEM_BLOCK_MAX_CHARS)
        return `the private key is ${keyPem.length} characters long, more than the ${PEM_BLOCK_MAX_CHARS} taken (a PEM private key is a few thousand)`;
    const certScan = scanPem(certPem);
    const certificates = certScan.blocks.filter((block) => block.label === "CERTIFICATE");
    if (certificates.length > 1) return `it holds ${certificates.length} certificates; give only the root certificate`;
    if (certificates.length === 1 && (certScan.otherText || certScan.blocks.length > 1)) return "it holds text besides the PEM certificate; give only the certificate's PEM block";
    const keyScan = scanPem(keyPem);
    if (keyScan.blocks.length !== 1 || keyScan.otherText || !/PRIVATE KEY$/.test(keyScan.blocks[0].label)) return "the private key is not exactly one PEM private key block";
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
    if (cert.notBefore.getTime() > Date.now())
        return `the certificate is not valid yet (notBefore ${cert.notBefore.toISOString()}), so nothing it signed would be trusted before then`;
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
