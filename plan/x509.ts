/**
 * Real X.509 for the offline plan: key pairs, self-signed and CA-signed certificates and CSRs,
 * built the way the `tls` and Vault providers build them, so the plan's PEMs verify with openssl.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { KeyObject, createPrivateKey, generateKeyPairSync, randomBytes, webcrypto } from "crypto";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export type KeyFamily = "RSA" | "ECDSA" | "ED25519";

export interface GeneratedKey {
    algorithm: KeyFamily;
    /** PKCS#1 (RSA), SEC1 (ECDSA) or PKCS#8 (Ed25519), as the tls provider writes `private_key_pem`. */
    privateKeyPem: string;
    privateKeyPemPkcs8: string;
    publicKeyPem: string;
}

const CURVES: Record<string, { node: string; web: string; hash: string }> = {
    P224: { node: "P-224", web: "P-224", hash: "SHA-256" },
    P256: { node: "P-256", web: "P-256", hash: "SHA-256" },
    P384: { node: "P-384", web: "P-384", hash: "SHA-384" },
    P521: { node: "P-521", web: "P-521", hash: "SHA-512" },
};

/** Generates a key pair the way `tls.PrivateKey` does (defaults: RSA 2048, ECDSA P224). */
export function generateKey(algorithm: string, opts: { rsaBits?: number; ecdsaCurve?: string } = {}): GeneratedKey {
    if (algorithm === "RSA") {
        const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: opts.rsaBits ?? 2048 });
        return keyPems("RSA", privateKey, publicKey);
    }
    if (algorithm === "ECDSA") {
        const curve = CURVES[opts.ecdsaCurve ?? "P224"];
        if (!curve) throw new Error(`unsupported ECDSA curve ${opts.ecdsaCurve}`);
        const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: curve.node });
        return keyPems("ECDSA", privateKey, publicKey);
    }
    if (algorithm === "ED25519") {
        const { privateKey, publicKey } = generateKeyPairSync("ed25519");
        return keyPems("ED25519", privateKey, publicKey);
    }
    throw new Error(`unsupported key algorithm ${algorithm}`);
}

function keyPems(algorithm: KeyFamily, privateKey: KeyObject, publicKey: KeyObject): GeneratedKey {
    const pkcs8 = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    const traditional =
        algorithm === "RSA"
            ? privateKey.export({ format: "pem", type: "pkcs1" }).toString()
            : algorithm === "ECDSA"
              ? privateKey.export({ format: "pem", type: "sec1" }).toString()
              : pkcs8;
    return { algorithm, privateKeyPem: traditional, privateKeyPemPkcs8: pkcs8, publicKeyPem: publicKey.export({ format: "pem", type: "spki" }).toString() };
}

interface WebKeys {
    privateKey: CryptoKey;
    publicKey: CryptoKey;
    signingAlgorithm: Algorithm | EcdsaParams | RsaHashedImportParams;
}

/** Imports a PEM private key into WebCrypto with the signature algorithm Go's x509 would pick for it. */
async function importKeys(keyPem: string): Promise<WebKeys> {
    const key = createPrivateKey(keyPem);
    const pkcs8 = key.export({ format: "der", type: "pkcs8" });
    const spki = createPublicKeyDer(key);
    const subtle = webcrypto.subtle;
    let importAlg: RsaHashedImportParams | EcKeyImportParams | Algorithm;
    let signingAlgorithm: Algorithm | EcdsaParams | RsaHashedImportParams;
    if (key.asymmetricKeyType === "rsa") {
        importAlg = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
        signingAlgorithm = importAlg;
    } else if (key.asymmetricKeyType === "ec") {
        const namedCurve = key.asymmetricKeyDetails?.namedCurve;
        const curve = Object.values(CURVES).find((c) => c.node === namedCurve || curveAlias(namedCurve) === c.node);
        if (!curve) throw new Error(`unsupported curve ${namedCurve}`);
        importAlg = { name: "ECDSA", namedCurve: curve.web } as EcKeyImportParams;
        signingAlgorithm = { name: "ECDSA", hash: curve.hash } as EcdsaParams;
    } else if (key.asymmetricKeyType === "ed25519") {
        importAlg = { name: "Ed25519" };
        signingAlgorithm = importAlg;
    } else {
        throw new Error(`unsupported private key type ${key.asymmetricKeyType}`);
    }
    const privateKey = await subtle.importKey("pkcs8", pkcs8, importAlg, true, ["sign"]);
    const publicKey = await subtle.importKey("spki", spki, importAlg, true, ["verify"]);
    return { privateKey: privateKey as unknown as CryptoKey, publicKey: publicKey as unknown as CryptoKey, signingAlgorithm };
}

function curveAlias(name: string | undefined): string | undefined {
    return { prime256v1: "P-256", secp384r1: "P-384", secp521r1: "P-521", secp224r1: "P-224" }[name ?? ""];
}

function createPublicKeyDer(key: KeyObject): Buffer {
    return require("crypto").createPublicKey(key).export({ format: "der", type: "spki" });
}

/** Subject fields as the tls provider names them. */
export interface Subject {
    commonName?: string;
    organization?: string;
    organizationalUnit?: string;
    country?: string;
    locality?: string;
    province?: string;
    serialNumber?: string;
    streetAddresses?: string[];
    postalCode?: string;
}

/** Builds a Name in Go's pkix RDN order (C, O, OU, L, ST, ..., CN). */
function toName(subject: Subject | undefined): x509.Name {
    const rdns: x509.JsonName = [];
    const add = (type: string, value: string | undefined) => {
        if (value) rdns.push({ [type]: [value] });
    };
    add("C", subject?.country);
    add("O", subject?.organization);
    add("OU", subject?.organizationalUnit);
    add("L", subject?.locality);
    add("ST", subject?.province);
    add("2.5.4.17", subject?.postalCode);
    add("2.5.4.5", subject?.serialNumber);
    add("CN", subject?.commonName);
    return new x509.Name(rdns);
}

const KEY_USAGE_FLAGS: Record<string, x509.KeyUsageFlags> = {
    digital_signature: x509.KeyUsageFlags.digitalSignature,
    content_commitment: x509.KeyUsageFlags.nonRepudiation,
    key_encipherment: x509.KeyUsageFlags.keyEncipherment,
    data_encipherment: x509.KeyUsageFlags.dataEncipherment,
    key_agreement: x509.KeyUsageFlags.keyAgreement,
    cert_signing: x509.KeyUsageFlags.keyCertSign,
    crl_signing: x509.KeyUsageFlags.cRLSign,
    encipher_only: x509.KeyUsageFlags.encipherOnly,
    decipher_only: x509.KeyUsageFlags.decipherOnly,
};

const EXTENDED_KEY_USAGES: Record<string, string> = {
    any_extended: "2.5.29.37.0",
    server_auth: "1.3.6.1.5.5.7.3.1",
    client_auth: "1.3.6.1.5.5.7.3.2",
    code_signing: "1.3.6.1.5.5.7.3.3",
    email_protection: "1.3.6.1.5.5.7.3.4",
    ipsec_end_system: "1.3.6.1.5.5.7.3.5",
    ipsec_tunnel: "1.3.6.1.5.5.7.3.6",
    ipsec_user: "1.3.6.1.5.5.7.3.7",
    timestamping: "1.3.6.1.5.5.7.3.8",
    ocsp_signing: "1.3.6.1.5.5.7.3.9",
};

/** Normalizes "certSigning" and "cert_signing" to the provider's snake_case names. */
function usageName(usage: string): string {
    return usage.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

export interface CertificateSpec {
    subject?: Subject;
    dnsNames?: string[];
    uris?: string[];
    ipAddresses?: string[];
    /** Validity from `notBefore`, hours. */
    validityHours: number;
    /** Start of validity. Default: now. */
    notBefore?: Date;
    isCa?: boolean;
    /** -1 or undefined: no path length constraint. */
    maxPathLength?: number;
    allowedUses?: string[];
    setSubjectKeyId?: boolean;
    setAuthorityKeyId?: boolean;
}

export interface IssuedCertificate {
    certPem: string;
    validityStartTime: string;
    validityEndTime: string;
}

function randomSerial(): string {
    const bytes = randomBytes(16);
    bytes[0] &= 0x7f; // positive
    return bytes.toString("hex");
}

async function extensionsFor(spec: CertificateSpec, subjectPublicKey: CryptoKey, issuerCert?: x509.X509Certificate, issuerPublicKey?: CryptoKey): Promise<x509.Extension[]> {
    const extensions: x509.Extension[] = [];
    const pathLength = spec.isCa && spec.maxPathLength !== undefined && spec.maxPathLength >= 0 ? spec.maxPathLength : undefined;
    extensions.push(new x509.BasicConstraintsExtension(!!spec.isCa, pathLength, true));
    const uses = (spec.allowedUses ?? []).map(usageName);
    const flags = uses.reduce((acc, use) => acc | (KEY_USAGE_FLAGS[use] ?? 0), 0);
    if (flags) extensions.push(new x509.KeyUsagesExtension(flags, true));
    const ekus = uses.map((use) => EXTENDED_KEY_USAGES[use]).filter((oid): oid is string => !!oid);
    if (ekus.length > 0) extensions.push(new x509.ExtendedKeyUsageExtension(ekus, false));
    if (spec.setSubjectKeyId) extensions.push(await x509.SubjectKeyIdentifierExtension.create(subjectPublicKey));
    if (issuerCert) {
        const issuerSki = issuerCert.extensions.find((ext): ext is x509.SubjectKeyIdentifierExtension => ext instanceof x509.SubjectKeyIdentifierExtension);
        if (issuerSki) extensions.push(new x509.AuthorityKeyIdentifierExtension(issuerSki.keyId));
    } else if (spec.setAuthorityKeyId && issuerPublicKey) {
        extensions.push(await x509.AuthorityKeyIdentifierExtension.create(issuerPublicKey));
    }
    const names = subjectAltNames(spec);
    if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names, false));
    return extensions;
}

/** The subject alternative names of a certificate or request: DNS names, IP addresses, URIs. */
function subjectAltNames(spec: Pick<CertificateSpec, "dnsNames" | "uris" | "ipAddresses">): x509.JsonGeneralName[] {
    return [
        ...(spec.dnsNames ?? []).map((value) => ({ type: "dns" as const, value })),
        ...(spec.ipAddresses ?? []).map((value) => ({ type: "ip" as const, value })),
        ...(spec.uris ?? []).map((value) => ({ type: "url" as const, value })),
    ];
}

function toIssued(cert: x509.X509Certificate): IssuedCertificate {
    return { certPem: cert.toString("pem") + "\n", validityStartTime: cert.notBefore.toISOString(), validityEndTime: cert.notAfter.toISOString() };
}

function validity(hours: number, start = new Date()): { notBefore: Date; notAfter: Date } {
    const notBefore = new Date(Math.floor(start.getTime() / 1000) * 1000);
    return { notBefore, notAfter: new Date(notBefore.getTime() + hours * 3600 * 1000) };
}

/** A self-signed certificate (`tls.SelfSignedCert`). */
export async function selfSignedCertificate(privateKeyPem: string, spec: CertificateSpec): Promise<IssuedCertificate> {
    const keys = await importKeys(privateKeyPem);
    const name = toName(spec.subject);
    const cert = await x509.X509CertificateGenerator.create({
        serialNumber: randomSerial(),
        subject: name,
        issuer: name,
        ...validity(spec.validityHours, spec.notBefore),
        signingAlgorithm: keys.signingAlgorithm,
        publicKey: keys.publicKey,
        signingKey: keys.privateKey,
        extensions: await extensionsFor(spec, keys.publicKey, undefined, keys.publicKey),
    });
    return toIssued(cert);
}

/** A PKCS#10 request (`tls.CertRequest`). */
export async function certificateRequest(privateKeyPem: string, spec: Pick<CertificateSpec, "subject" | "dnsNames" | "uris" | "ipAddresses">): Promise<string> {
    const keys = await importKeys(privateKeyPem);
    const names = subjectAltNames(spec);
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({
        name: toName(spec.subject),
        keys: { privateKey: keys.privateKey, publicKey: keys.publicKey },
        signingAlgorithm: keys.signingAlgorithm,
        extensions: names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names, false)] : [],
    });
    return csr.toString("pem") + "\n";
}

/**
 * A certificate for a CSR, signed by a CA (`tls.LocallySignedCert`, Vault's sign endpoints).
 * Subject and SANs come from the CSR unless the spec overrides them.
 */
export async function signCertificateRequest(
    csrPem: string,
    caCertPem: string,
    caPrivateKeyPem: string,
    spec: Omit<CertificateSpec, "subject"> & { subject?: Subject },
): Promise<IssuedCertificate> {
    const csr = new x509.Pkcs10CertificateRequest(csrPem);
    if (!(await csr.verify())) throw new Error("certificate request signature does not verify");
    const caCert = new x509.X509Certificate(caCertPem);
    const caKeys = await importKeys(caPrivateKeyPem);
    const subjectPublicKey = await csr.publicKey.export(webcrypto as unknown as Crypto);
    const csrSan = csr.extensions.find((ext): ext is x509.SubjectAlternativeNameExtension => ext instanceof x509.SubjectAlternativeNameExtension);
    const csrNames: x509.JsonGeneralName[] = csrSan?.names.toJSON() ?? [];
    const fullSpec: CertificateSpec = {
        ...spec,
        dnsNames: spec.dnsNames ?? csrNames.filter((n) => n.type === "dns").map((n) => n.value),
        uris: spec.uris ?? csrNames.filter((n) => n.type === "url").map((n) => n.value),
        ipAddresses: spec.ipAddresses ?? csrNames.filter((n) => n.type === "ip").map((n) => n.value),
    };
    const cert = await x509.X509CertificateGenerator.create({
        serialNumber: randomSerial(),
        subject: spec.subject ? toName(spec.subject) : csr.subjectName,
        issuer: caCert.subjectName,
        ...validity(spec.validityHours, spec.notBefore),
        signingAlgorithm: caKeys.signingAlgorithm,
        publicKey: subjectPublicKey,
        signingKey: caKeys.privateKey,
        extensions: await extensionsFor(fullSpec, subjectPublicKey, caCert),
    });
    return toIssued(cert);
}
