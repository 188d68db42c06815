/**
 * `@pulumi/vault` PKI resources emulated with real cryptography. Each PKI mount keeps its
 * issuers (certificate, key, chain), its default issuer and the keys of pending intermediate
 * CSRs, keyed by namespace and mount path, so that a sign-intermediate on the root mount
 * signs with the root's own key and set-signed pairs the certificate with the CSR's key,
 * as Vault does. The state lives in the plan's emulator store (`EmulatorContext.store`): for one
 * plan, or across plans that keep emulated resources, so a root kept from an earlier plan still
 * signs with its own key.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { X509Certificate, createPrivateKey, createPublicKey, randomUUID } from "crypto";
import { parseDuration } from "../../src/duration";
import { splitPemCertificates } from "../../src/pki";
import { certificateRequest, generateKey, selfSignedCertificate, signCertificateRequest } from "../x509";
import { Emulator, EmulatorContext } from "./types";

interface EmulatedIssuer {
    id: string;
    name: string;
    certPem: string;
    keyPem: string;
    /** The issuer's certificate followed by its parents, as set-signed or root generation stored it. */
    chain: string[];
    keyId: string;
}

interface MountState {
    /** The mount's max lease TTL, seconds, once the Mount resource is seen. */
    maxLeaseTtlSeconds?: number;
    issuers: EmulatedIssuer[];
    defaultIssuer?: string;
    /** Keys generated for intermediate CSRs, by key id. */
    pendingKeys: Map<string, string>;
}

const STORE_KEY = "vault:mounts";

function mountsOf(context: EmulatorContext): Map<string, MountState> {
    const store = context.store;
    let mounts = store.get(STORE_KEY) as Map<string, MountState> | undefined;
    if (!mounts) {
        mounts = new Map();
        store.set(STORE_KEY, mounts);
    }
    return mounts;
}

/** Vault's system-wide max lease TTL (768h), which applies to a mount that sets none. */
const SYSTEM_MAX_LEASE_TTL_SECONDS = 768 * 3600;

/** Vault caps a certificate's TTL at its mount's max lease TTL. */
function cappedHours(state: MountState, hours: number): number {
    return Math.min(hours, (state.maxLeaseTtlSeconds ?? SYSTEM_MAX_LEASE_TTL_SECONDS) / 3600);
}

function mountState(context: EmulatorContext, inputs: Record<string, any>, path: string = inputs.backend): MountState {
    const mounts = mountsOf(context);
    const key = `${inputs.namespace ?? ""}::${path}`;
    let state = mounts.get(key);
    if (!state) {
        state = { issuers: [], pendingKeys: new Map() };
        mounts.set(key, state);
    }
    return state;
}

/** A Vault key for `key_type`/`key_bits` (Vault's default: RSA 2048). */
function vaultKey(keyType: string | undefined, keyBits: number | undefined) {
    const type = keyType ?? "rsa";
    if (type === "ec") return generateKey("ECDSA", { ecdsaCurve: `P${keyBits ?? 256}` });
    if (type === "rsa") return generateKey("RSA", { rsaBits: keyBits ?? 2048 });
    if (type === "ed25519") return generateKey("ED25519");
    throw new Error(`the Vault emulator does not support key_type "${type}"`);
}

/** Vault TTLs are Go durations or plain seconds. */
function ttlHours(ttl: string | number | undefined, what: string): number {
    if (ttl === undefined) throw new Error(`${what}: ttl is required by this program`);
    const text = String(ttl);
    const ms = /^\d+$/.test(text) ? Number(text) * 1000 : parseDuration(text);
    if (ms === undefined || ms <= 0) throw new Error(`${what}: "${text}" is not a Vault TTL`);
    return ms / 3600000;
}

function serialNumber(certPem: string): string {
    return new X509Certificate(certPem).serialNumber.toLowerCase().match(/../g)!.join(":");
}

function subjectOf(inputs: Record<string, any>) {
    return {
        commonName: inputs.commonName,
        organization: inputs.organization,
        organizationalUnit: inputs.ou,
        country: inputs.country,
        locality: inputs.locality,
        province: inputs.province,
    };
}

function pathLengthOf(certPem: string): number | undefined {
    const cert = new x509.X509Certificate(certPem);
    return cert.getExtension(x509.BasicConstraintsExtension)?.pathLength;
}

function findIssuer(state: MountState, ref: string | undefined, backend: string): EmulatedIssuer {
    const wanted = ref === undefined || ref === "" || ref === "default" ? state.defaultIssuer : ref;
    const issuer = state.issuers.find((candidate) => candidate.id === wanted || (candidate.name !== "" && candidate.name === wanted));
    if (!issuer) throw new Error(`Vault mount ${backend}: no issuer "${ref ?? "default"}" (issuers: ${state.issuers.map((i) => i.name || i.id).join(", ") || "none"})`);
    return issuer;
}

function checkIssuerName(state: MountState, name: string | undefined, backend: string, except?: EmulatedIssuer): void {
    if (!name) return;
    if (name === "default") throw new Error(`Vault mount ${backend}: "default" is reserved and cannot name an issuer`);
    if (state.issuers.some((issuer) => issuer !== except && issuer.name === name)) throw new Error(`Vault mount ${backend}: issuer name "${name}" is already in use`);
}

export const vaultEmulators: Record<string, Emulator> = {
    "vault:index/mount:Mount": async (inputs, context) => {
        const state = mountState(context, inputs, inputs.path);
        if (inputs.maxLeaseTtlSeconds) state.maxLeaseTtlSeconds = Number(inputs.maxLeaseTtlSeconds);
        return { ...inputs, accessor: `${inputs.type}_${randomUUID().slice(0, 8)}` };
    },

    "vault:pkiSecret/secretBackendRootCert:SecretBackendRootCert": async (inputs, context) => {
        if (inputs.type !== "internal" && inputs.type !== "exported")
            throw new Error(`${context.name}: the emulator supports root type internal or exported, not "${inputs.type}"`);
        const state = mountState(context, inputs);
        checkIssuerName(state, inputs.issuerName, inputs.backend);
        const key = vaultKey(inputs.keyType, inputs.keyBits);
        const issued = await selfSignedCertificate(key.privateKeyPem, {
            subject: subjectOf(inputs),
            dnsNames: inputs.altNames,
            uris: inputs.uriSans,
            ipAddresses: inputs.ipSans,
            validityHours: cappedHours(state, ttlHours(inputs.ttl, context.name)),
            notBefore: context.now,
            isCa: true,
            maxPathLength: inputs.maxPathLength ?? -1,
            allowedUses: ["cert_signing", "crl_signing"],
            setSubjectKeyId: true,
            setAuthorityKeyId: true,
        });
        const issuer: EmulatedIssuer = {
            id: randomUUID(),
            name: inputs.issuerName ?? "",
            certPem: issued.certPem,
            keyPem: key.privateKeyPem,
            chain: [issued.certPem],
            keyId: randomUUID(),
        };
        state.issuers.push(issuer);
        state.defaultIssuer ??= issuer.id;
        return {
            ...inputs,
            certificate: issued.certPem,
            issuingCa: issued.certPem,
            serialNumber: serialNumber(issued.certPem),
            issuerId: issuer.id,
            issuerName: issuer.name,
            keyId: issuer.keyId,
            keyName: inputs.keyName ?? "",
        };
    },

    "vault:pkiSecret/secretBackendIntermediateCertRequest:SecretBackendIntermediateCertRequest": async (inputs, context) => {
        if (inputs.type !== "internal" && inputs.type !== "exported") throw new Error(`${context.name}: the emulator supports CSR type internal or exported, not "${inputs.type}"`);
        const state = mountState(context, inputs);
        const key = vaultKey(inputs.keyType, inputs.keyBits);
        const csr = await certificateRequest(key.privateKeyPem, { subject: subjectOf(inputs), dnsNames: inputs.altNames, uris: inputs.uriSans, ipAddresses: inputs.ipSans });
        const keyId = randomUUID();
        state.pendingKeys.set(keyId, key.privateKeyPem);
        return {
            ...inputs,
            csr,
            keyId,
            keyName: inputs.keyName ?? "",
            // Vault returns the key only for `exported`; `internal` keeps it inside Vault.
            privateKey: inputs.type === "exported" ? key.privateKeyPem : "",
            privateKeyType: inputs.type === "exported" ? (inputs.keyType ?? "rsa") : "",
        };
    },

    "vault:pkiSecret/secretBackendRootSignIntermediate:SecretBackendRootSignIntermediate": async (inputs, context) => {
        const state = mountState(context, inputs);
        const issuer = findIssuer(state, inputs.issuerRef, inputs.backend);
        const issuerPathLength = pathLengthOf(issuer.certPem);
        if (issuerPathLength === 0) throw new Error(`${context.name}: the signing issuer on ${inputs.backend} has a max path length of zero and cannot issue CA certificates`);
        const requested: number = inputs.maxPathLength ?? -1;
        // Vault: -1 means one less than the signer's constraint, if it has one.
        const maxPathLength = requested === -1 && issuerPathLength !== undefined ? issuerPathLength - 1 : requested;
        const validityHours = cappedHours(state, ttlHours(inputs.ttl, context.name));
        const issuerNotAfter = Date.parse(new X509Certificate(issuer.certPem).validTo);
        if (context.now.getTime() + validityHours * 3600000 > issuerNotAfter + 1000) {
            throw new Error(`${context.name}: a ${validityHours}h certificate would outlive its issuer on ${inputs.backend} (leaf_not_after_behavior "err")`);
        }
        const fromCsr = inputs.useCsrValues === true;
        const issued = await signCertificateRequest(inputs.csr, issuer.certPem, issuer.keyPem, {
            subject: fromCsr ? undefined : subjectOf(inputs),
            dnsNames: fromCsr ? undefined : (inputs.altNames ?? []),
            uris: fromCsr ? undefined : (inputs.uriSans ?? []),
            ipAddresses: fromCsr ? undefined : (inputs.ipSans ?? []),
            validityHours,
            notBefore: context.now,
            isCa: true,
            maxPathLength,
            allowedUses: ["cert_signing", "crl_signing"],
            setSubjectKeyId: true,
        });
        return {
            ...inputs,
            certificate: issued.certPem,
            issuingCa: issuer.certPem,
            caChains: [...issuer.chain],
            certificateBundle: `${issued.certPem}${issuer.certPem}`,
            serialNumber: serialNumber(issued.certPem),
        };
    },

    "vault:pkiSecret/secretBackendIntermediateSetSigned:SecretBackendIntermediateSetSigned": async (inputs, context) => {
        const state = mountState(context, inputs);
        const chain = splitPemCertificates(String(inputs.certificate ?? ""));
        if (chain.length === 0) throw new Error(`${context.name}: certificate holds no PEM certificate`);
        const publicKey = new X509Certificate(chain[0]).publicKey.export({ format: "der", type: "spki" }).toString("base64");
        const match = [...state.pendingKeys.entries()].find(
            ([, keyPem]) => createPublicKey(createPrivateKey(keyPem)).export({ format: "der", type: "spki" }).toString("base64") === publicKey,
        );
        if (!match) throw new Error(`${context.name}: the certificate does not belong to any key generated on ${inputs.backend}`);
        const [keyId, keyPem] = match;
        state.pendingKeys.delete(keyId);
        const issuer: EmulatedIssuer = { id: randomUUID(), name: "", certPem: chain[0], keyPem, chain, keyId };
        state.issuers.push(issuer);
        state.defaultIssuer ??= issuer.id;
        return { ...inputs, importedIssuers: [issuer.id], importedKeys: [] };
    },

    "vault:pkiSecret/secretBackendIssuer:SecretBackendIssuer": async (inputs, context) => {
        const state = mountState(context, inputs);
        const issuer = findIssuer(state, inputs.issuerRef, inputs.backend);
        checkIssuerName(state, inputs.issuerName, inputs.backend, issuer);
        if (inputs.issuerName) issuer.name = inputs.issuerName;
        return {
            ...inputs,
            issuerId: issuer.id,
            leafNotAfterBehavior: inputs.leafNotAfterBehavior ?? "err",
            usage: inputs.usage ?? "read-only,issuing-certificates,crl-signing,ocsp-signing",
        };
    },

    "vault:pkiSecret/secretBackendConfigIssuers:SecretBackendConfigIssuers": async (inputs, context) => {
        const state = mountState(context, inputs);
        const issuer = findIssuer(state, inputs.default, inputs.backend);
        state.defaultIssuer = issuer.id;
        return { ...inputs, default: issuer.id, defaultFollowsLatestIssuer: inputs.defaultFollowsLatestIssuer ?? false };
    },
};
