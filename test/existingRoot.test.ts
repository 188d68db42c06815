import { strict as assert } from "assert";
import { generateKey, selfSignedCertificate } from "../plan/x509";
import { ConfigError, ConfigProblem, parseStackConfig } from "../src/config";

async function root(spec: { maxPathLength?: number; allowedUses?: string[]; validityHours?: number }): Promise<{ certPem: string; keyPem: string }> {
    const key = generateKey("ECDSA", { ecdsaCurve: "P256" }).privateKeyPem;
    const cert = await selfSignedCertificate(key, {
        subject: { commonName: "corp root" },
        validityHours: spec.validityHours ?? 20000,
        isCa: true,
        maxPathLength: spec.maxPathLength,
        allowedUses: spec.allowedUses ?? ["cert_signing", "crl_signing"],
        setSubjectKeyId: true,
    });
    return { certPem: cert.certPem, keyPem: key };
}

function problemsFor(certPem: string, keyPem: string, extra: Record<string, string> = {}): ConfigProblem[] {
    try {
        parseStackConfig({ values: { caMode: "plugin", existingRootCert: certPem, existingRootKey: keyPem, ...extra }, secretKeys: new Set(["existingRootKey"]) });
    } catch (err) {
        assert.ok(err instanceof ConfigError);
        return err.problems;
    }
    return [];
}

function onlyRootProblem(certPem: string, keyPem: string, extra: Record<string, string> = {}): ConfigProblem {
    const problems = problemsFor(certPem, keyPem, extra);
    assert.equal(problems.length, 1, problems.map((p) => p.message).join("; "));
    assert.equal(problems[0].key, "istio-ca:existingRootCert");
    assert.equal(problems[0].value, "(PEM, not shown)");
    return problems[0];
}

describe("existing root: what a root must allow", () => {
    it("accepts a root with path length 1 or none", async () => {
        for (const maxPathLength of [1, undefined]) {
            const { certPem, keyPem } = await root({ maxPathLength });
            assert.deepEqual(problemsFor(certPem, keyPem), [], `pathlen ${maxPathLength}`);
        }
    });

    it("refuses pathlen:0, under which no intermediate may be signed", async () => {
        const { certPem, keyPem } = await root({ maxPathLength: 0 });
        assert.match(onlyRootProblem(certPem, keyPem).message, /path length constraint is 0/);
    });

    it("refuses a CA whose key usage lacks keyCertSign, naming that", async () => {
        const { certPem, keyPem } = await root({ allowedUses: ["digital_signature", "crl_signing"] });
        const problem = onlyRootProblem(certPem, keyPem);
        assert.match(problem.message, /key usage does not include keyCertSign/);
    });

    it("refuses a root that expires before the intermediate it would sign", async () => {
        const { certPem, keyPem } = await root({ validityHours: 720 });
        const problem = onlyRootProblem(certPem, keyPem);
        assert.match(problem.message, /before the intermediate it would sign/);
        assert.match(problem.fix, /shorten istio-ca:intermediateValidity/);
        // A shorter intermediate fits under the same root.
        assert.deepEqual(problemsFor(certPem, keyPem, { intermediateValidity: "480h", intermediateRenewBefore: "240h", maxWorkloadCertTtl: "48h" }), []);
    });

    it("refuses a bundle of several certificates", async () => {
        const first = await root({});
        const second = await root({});
        assert.match(onlyRootProblem(first.certPem + second.certPem, first.keyPem).message, /holds 2 certificates/);
    });
});
