import { strict as assert } from "assert";
import { ConfigProblem, parseStackConfig } from "../src/config";
import { configProblems, corpRoot, rawConfig } from "./helpers";
import { VAULT_BASE } from "./vaultTypes";

/** Fails, with the parser's message, unless it accepts the inline config (keys without the `istio-ca:` prefix). */
function assertAccepted(values: Record<string, string>, secretKeys: string[] = [], message?: string): void {
    assert.doesNotThrow(() => parseStackConfig(rawConfig(values, { secretKeys })), message);
}

const ROOT_KEYS = { secretKeys: ["existingRootKey"] };
const rootConfig = (certPem: string, keyPem: string, extra: Record<string, string> = {}) => ({ caMode: "plugin", existingRootCert: certPem, existingRootKey: keyPem, ...extra });

function onlyRootProblem(certPem: string, keyPem: string, extra: Record<string, string> = {}): ConfigProblem {
    const problems = configProblems(rootConfig(certPem, keyPem, extra), ROOT_KEYS);
    assert.equal(problems.length, 1, problems.map((p) => p.message).join("; "));
    assert.equal(problems[0].key, "istio-ca:existingRootCert");
    assert.equal(problems[0].value, "(PEM, not shown)");
    return problems[0];
}

describe("existing root: what a root must allow", () => {
    it("accepts a root with path length 1 or none", async () => {
        for (const maxPathLength of [1, undefined]) {
            const { certPem, keyPem } = await corpRoot({ maxPathLength });
            assertAccepted(rootConfig(certPem, keyPem), ROOT_KEYS.secretKeys, `pathlen ${maxPathLength}`);
        }
    });

    it("refuses pathlen:0, under which no intermediate may be signed", async () => {
        const { certPem, keyPem } = await corpRoot({ maxPathLength: 0 });
        assert.match(onlyRootProblem(certPem, keyPem).message, /path length constraint is 0/);
    });

    it("refuses a CA whose key usage lacks keyCertSign, naming that", async () => {
        const { certPem, keyPem } = await corpRoot({ allowedUses: ["digital_signature", "crl_signing"] });
        const problem = onlyRootProblem(certPem, keyPem);
        assert.match(problem.message, /key usage does not include keyCertSign/);
    });

    it("refuses a root that expires before the intermediate it would sign", async () => {
        const { certPem, keyPem } = await corpRoot({ validityHours: 720 });
        const problem = onlyRootProblem(certPem, keyPem);
        assert.match(problem.message, /before the intermediate it would sign/);
        assert.match(problem.fix, /shorten istio-ca:intermediateValidity/);
        // A shorter intermediate fits under the same root.
        assertAccepted(rootConfig(certPem, keyPem, { intermediateValidity: "480h", intermediateRenewBefore: "240h", maxWorkloadCertTtl: "48h" }), ROOT_KEYS.secretKeys);
    });

    it("refuses a bundle of several certificates", async () => {
        const first = await corpRoot({});
        const second = await corpRoot({});
        assert.match(onlyRootProblem(first.certPem + second.certPem, first.keyPem).message, /holds 2 certificates/);
    });
});

describe("workload certificate lifetime floor", () => {
    const keysOf = (values: Record<string, string>) => configProblems(values).map((p) => `${p.key}: ${p.message}`);

    it("refuses lifetimes under 10m, which the Kubernetes CSR API refuses", () => {
        const problems = keysOf({ caMode: "kubernetes", workloadCertTtl: "5m", maxWorkloadCertTtl: "5m" });
        assert.equal(problems.length, 2, problems.join("; "));
        assert.match(problems[0], /^istio-ca:workloadCertTtl: is shorter than 10m/);
        assert.match(problems[1], /^istio-ca:maxWorkloadCertTtl: is shorter than 10m/);
        assert.equal(keysOf({ caMode: "plugin", workloadCertTtl: "1ms" }).length, 1);
    });

    it("accepts exactly 10m", () => {
        assertAccepted({ caMode: "kubernetes", workloadCertTtl: "10m", maxWorkloadCertTtl: "10m" });
    });
});

describe("keys a mode does not use", () => {
    it("refuses root and intermediate settings in istiod mode, which makes its own CA", () => {
        const found = configProblems({ caMode: "istiod", rootKeyAlgorithm: "RSA-4096", intermediateValidity: "4380h", organization: "Example" });
        assert.deepEqual(found.map((p) => p.key).sort(), ["istio-ca:intermediateValidity", "istio-ca:organization", "istio-ca:rootKeyAlgorithm"]);
        for (const problem of found) {
            assert.match(problem.message, /caMode "istiod" makes its own self-signed CA/);
            assert.match(problem.fix, /pulumi config rm/);
        }
    });

    it("does not check an intermediate istiod mode does not have", () => {
        assertAccepted({ caMode: "istiod", workloadCertTtl: "24h", maxWorkloadCertTtl: "2000h" });
        assert.equal(configProblems({ caMode: "plugin", maxWorkloadCertTtl: "2000h" })[0].key, "istio-ca:maxWorkloadCertTtl");
    });

    it("refuses intermediate settings with Vault and istio-csr, where Vault's intermediate signs leaves", () => {
        const found = configProblems({ ...VAULT_BASE, certManagerDelivery: "istio-csr", intermediateRenewBefore: "360h" });
        assert.deepEqual(
            found.map((p) => p.key),
            ["istio-ca:intermediateRenewBefore"],
        );
        assert.match(found[0].message, /Vault's intermediate/);
        assertAccepted({ ...VAULT_BASE, certManagerDelivery: "cacerts", intermediateRenewBefore: "360h" });
    });

    it("refuses istio-csr chart versions with Vault's cacerts delivery", () => {
        const found = configProblems({ ...VAULT_BASE, istioCsrVersion: "v0.17.0", trustManagerVersion: "v0.24.0" });
        assert.deepEqual(
            found.map((p) => p.key),
            ["istio-ca:istioCsrVersion", "istio-ca:trustManagerVersion"],
        );
        assert.match(found[0].message, /only used by the istio-csr delivery/);
    });
});
