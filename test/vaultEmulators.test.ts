import { strict as assert } from "assert";
import { X509Certificate } from "crypto";
import { EMULATORS, EmulatorContext } from "../plan/emulators";
import { isIssuedBy, pathLength, rejection } from "./helpers";
import { VAULT_TYPES } from "./vaultTypes";

const T = VAULT_TYPES;

/** The emulator store of the current test: one plan's worth of Vault state. */
let store = new Map<string, unknown>();

function emulate(type: string, inputs: Record<string, any>, name = "test"): Promise<Record<string, any>> {
    const context: EmulatorContext = { name, store, now: new Date() };
    return EMULATORS[type](inputs, context);
}

describe("Vault PKI emulators", () => {
    beforeEach(() => {
        store = new Map();
    });

    async function rootAndIntermediate(rootPathLength: number, intermediatePathLength?: number) {
        await emulate(T.mount, { path: "pki-root", type: "pki", maxLeaseTtlSeconds: 87600 * 3600 });
        await emulate(T.mount, { path: "pki-int", type: "pki", maxLeaseTtlSeconds: 43800 * 3600 });
        const root = await emulate(T.root, {
            backend: "pki-root",
            type: "internal",
            commonName: "mesh root",
            organization: "Example",
            ttl: "87600h",
            keyType: "ec",
            keyBits: 384,
            maxPathLength: rootPathLength,
            issuerName: "root",
        });
        const csr = await emulate(T.csr, { backend: "pki-int", type: "internal", commonName: "mesh intermediate", keyType: "rsa", keyBits: 2048 });
        const signed = await emulate(T.sign, {
            backend: "pki-root",
            issuerRef: root.issuerId,
            csr: csr.csr,
            commonName: "mesh intermediate",
            ttl: "43800h",
            maxPathLength: intermediatePathLength,
        });
        return { root, csr, signed };
    }

    it("generates a self-signed root inside Vault with its path length, key and lifetime", async () => {
        const { root } = await rootAndIntermediate(2, 1);
        const cert = new X509Certificate(root.certificate);
        assert.ok(cert.ca);
        assert.ok(isIssuedBy(root.certificate, root.certificate));
        assert.equal(pathLength(root.certificate), 2);
        assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, "secp384r1");
        assert.equal((Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 3600000, 87600);
        assert.match(cert.subject, /CN=mesh root/);
        assert.equal(root.issuingCa, root.certificate);
        assert.equal(root.issuerName, "root");
    });

    it("keeps an internal key inside Vault: the CSR returns no private key", async () => {
        const { csr } = await rootAndIntermediate(2);
        assert.equal(csr.privateKey, "");
        assert.match(csr.csr, /BEGIN CERTIFICATE REQUEST/);
    });

    it("signs the intermediate with the root's own key, with the requested path length", async () => {
        const { root, signed } = await rootAndIntermediate(2, 1);
        assert.ok(isIssuedBy(signed.certificate, root.certificate));
        assert.equal(pathLength(signed.certificate), 1);
        assert.equal(signed.issuingCa, root.certificate);
        const cert = new X509Certificate(signed.certificate);
        assert.ok(cert.ca);
        assert.equal(cert.publicKey.asymmetricKeyType, "rsa");
        assert.equal((Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 3600000, 43800);
    });

    it("derives the path length from the signer's when none is requested, as Vault does", async () => {
        const { signed } = await rootAndIntermediate(2);
        assert.equal(pathLength(signed.certificate), 1);
    });

    it("refuses to sign a CA under an issuer with path length 0", async () => {
        const { signed } = await rootAndIntermediate(1, 0);
        await emulate(T.setSigned, { backend: "pki-int", certificate: signed.certificate + signed.issuingCa });
        const csr = await emulate(T.csr, { backend: "pki-leafca", type: "internal", commonName: "too deep", keyType: "ec", keyBits: 256 });
        const err = await rejection(emulate(T.sign, { backend: "pki-int", csr: csr.csr, commonName: "too deep", ttl: "24h" }, "deep"));
        assert.match(err.message, /max path length of zero/);
    });

    it("caps lifetimes at the mount's max lease TTL, and at Vault's 768h system default when the mount sets none", async () => {
        await emulate(T.mount, { path: "short", type: "pki", maxLeaseTtlSeconds: 100 * 3600 });
        const capped = await emulate(T.root, { backend: "short", type: "internal", commonName: "capped", ttl: "87600h", keyType: "ec", keyBits: 256 });
        const cert = new X509Certificate(capped.certificate);
        assert.equal((Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 3600000, 100);
        const unmounted = await emulate(T.root, { backend: "no-mount-resource", type: "internal", commonName: "default", ttl: "87600h", keyType: "ec", keyBits: 256 });
        const defaultCert = new X509Certificate(unmounted.certificate);
        assert.equal((Date.parse(defaultCert.validTo) - Date.parse(defaultCert.validFrom)) / 3600000, 768);
    });

    it("refuses a certificate that would outlive its issuer", async () => {
        await emulate(T.mount, { path: "r", type: "pki", maxLeaseTtlSeconds: 1000 * 3600 });
        const root = await emulate(T.root, { backend: "r", type: "internal", commonName: "short root", ttl: "100h", keyType: "ec", keyBits: 256, maxPathLength: 2 });
        const csr = await emulate(T.csr, { backend: "i", type: "internal", commonName: "long", keyType: "ec", keyBits: 256 });
        const err = await rejection(emulate(T.sign, { backend: "r", issuerRef: root.issuerId, csr: csr.csr, commonName: "long", ttl: "200h" }));
        assert.match(err.message, /outlive its issuer/);
    });

    it("set-signed pairs the certificate with the CSR's key; the issuer can then be named and made default", async () => {
        const { signed } = await rootAndIntermediate(2, 1);
        const imported = await emulate(T.setSigned, { backend: "pki-int", certificate: signed.certificate + signed.issuingCa });
        assert.equal(imported.importedIssuers.length, 1);
        const issuer = await emulate(T.issuer, { backend: "pki-int", issuerRef: imported.importedIssuers[0], issuerName: "mesh" });
        assert.equal(issuer.issuerId, imported.importedIssuers[0]);
        const defaults = await emulate(T.defaults, { backend: "pki-int", default: issuer.issuerId });
        assert.equal(defaults.default, issuer.issuerId);
        // The named issuer signs with the intermediate's key (from the CSR).
        const csr = await emulate(T.csr, { backend: "pki-istiod", type: "internal", commonName: "istiod ca", keyType: "ec", keyBits: 256 });
        const istiod = await emulate(T.sign, { backend: "pki-int", issuerRef: "mesh", csr: csr.csr, commonName: "istiod ca", ttl: "8760h" });
        assert.ok(isIssuedBy(istiod.certificate, signed.certificate));
        assert.equal(pathLength(istiod.certificate), 0);
        assert.deepEqual(istiod.caChains.length, 2, "the intermediate's chain includes the root");
    });

    it("refuses a set-signed certificate that belongs to no key of the mount", async () => {
        const { signed } = await rootAndIntermediate(2, 1);
        const err = await rejection(emulate(T.setSigned, { backend: "another-mount", certificate: signed.certificate }));
        assert.match(err.message, /does not belong to any key generated on another-mount/);
    });

    it("refuses an unknown issuer reference and a duplicate issuer name", async () => {
        await rootAndIntermediate(2, 1);
        assert.match((await rejection(emulate(T.defaults, { backend: "pki-root", default: "nope" }))).message, /no issuer "nope"/);
        const dup = await rejection(emulate(T.root, { backend: "pki-root", type: "internal", commonName: "again", ttl: "10h", issuerName: "root" }));
        assert.match(dup.message, /already in use/);
    });

    it("holds several root issuers in one mount; sign-intermediate uses the referenced one, and a new root does not become the default", async () => {
        await emulate(T.mount, { path: "pki-root", type: "pki", maxLeaseTtlSeconds: 87600 * 3600 });
        const root = { backend: "pki-root", type: "internal", ttl: "87600h", keyType: "ec", keyBits: 256, maxPathLength: 2 };
        const r2026 = await emulate(T.root, { ...root, commonName: "root r2026", issuerName: "r2026" });
        const r2027 = await emulate(T.root, { ...root, commonName: "root r2027", issuerName: "r2027" });
        assert.notEqual(r2026.issuerId, r2027.issuerId);
        const sign = async (issuerRef: string | undefined) => {
            const csr = await emulate(T.csr, { backend: "pki-int", type: "internal", commonName: "intermediate", keyType: "ec", keyBits: 256 });
            return (await emulate(T.sign, { backend: "pki-root", issuerRef, csr: csr.csr, commonName: "intermediate", ttl: "43800h", maxPathLength: 1 })).certificate as string;
        };
        const byDefault = await sign(undefined);
        assert.ok(isIssuedBy(byDefault, r2026.certificate) && !isIssuedBy(byDefault, r2027.certificate), "the first root stays the default");
        const byRef = await sign(r2027.issuerId);
        assert.ok(isIssuedBy(byRef, r2027.certificate) && !isIssuedBy(byRef, r2026.certificate));
        assert.ok(isIssuedBy(await sign("r2027"), r2027.certificate), "by issuer name too");
        await emulate(T.defaults, { backend: "pki-root", default: r2027.issuerId });
        assert.ok(isIssuedBy(await sign("default"), r2027.certificate), "after the default switch");
    });

    it("keeps mounts in the plan's store: shared by calls with the same store, isolated from others", async () => {
        const shared = new Map<string, unknown>();
        const withStore = (type: string, inputs: Record<string, any>, context: EmulatorContext) => EMULATORS[type](inputs, context);
        const one: EmulatorContext = { name: "a", store: shared, now: new Date() };
        const root = await withStore(
            T.root,
            { backend: "pki-root", type: "internal", commonName: "kept", ttl: "100h", keyType: "ec", keyBits: 256, maxPathLength: 2, issuerName: "kept" },
            one,
        );
        // A later plan sharing the store still finds the root and its key.
        const csr = await withStore(T.csr, { backend: "pki-int", type: "internal", commonName: "later", keyType: "ec", keyBits: 256 }, { ...one, name: "b" });
        const signed = await withStore(T.sign, { backend: "pki-root", issuerRef: root.issuerId, csr: csr.csr, commonName: "later", ttl: "10h" }, { ...one, name: "c" });
        assert.ok(isIssuedBy(signed.certificate, root.certificate));
        // Another store (another plan) knows nothing of it.
        const other: EmulatorContext = { name: "d", store: new Map(), now: new Date() };
        assert.match(
            (await rejection(withStore(T.sign, { backend: "pki-root", issuerRef: root.issuerId, csr: csr.csr, commonName: "x", ttl: "10h" }, other))).message,
            /no issuer/,
        );
    });
});
