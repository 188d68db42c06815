import { strict as assert } from "assert";
import { commonName } from "../src/pki";
import { generateKey, selfSignedCertificate } from "../plan/x509";

describe("PKI helpers", () => {
    describe("commonName", () => {
        const certificate = async (subject: Record<string, string>) =>
            (await selfSignedCertificate(generateKey("ECDSA", { ecdsaCurve: "P256" }).privateKeyPem, { subject, validityHours: 10 })).certPem;

        it("reads the subject CN, not another attribute's value", async () => {
            assert.equal(commonName(await certificate({ commonName: "istio-ca root r2026", organization: "CN=not this", organizationalUnit: "mesh" })), "istio-ca root r2026");
        });

        it("is undefined for a subject without a CN", async () => {
            assert.equal(commonName(await certificate({ organization: "Example" })), undefined);
        });

        it("reads the first certificate of a bundle", async () => {
            assert.equal(commonName((await certificate({ commonName: "first" })) + (await certificate({ commonName: "second" }))), "first");
        });

        it("throws on text that is not a certificate", () => {
            assert.throws(() => commonName("not a certificate"));
        });
    });
});
