import { strict as assert } from "assert";
import { generateKey, selfSignedCertificate } from "../plan/x509";
import { ConfigError, parseStackConfig } from "../src/config";
import { formatDuration, parseDuration } from "../src/duration";
import { configError, configProblems, corpRoot, onlyConfigProblem, planConfig, rawConfig, rejection } from "./helpers";

describe("durations", () => {
    it("parses Go durations", () => {
        assert.equal(parseDuration("45m"), 45 * 60000);
        assert.equal(parseDuration("1h30m"), 90 * 60000);
        assert.equal(parseDuration("720h"), 720 * 3600000);
        assert.equal(parseDuration("1.5h"), 90 * 60000);
        assert.equal(parseDuration("500ms"), 500);
        assert.equal(parseDuration("0"), 0);
    });
    it("rejects what Go rejects", () => {
        for (const bad of ["", "24", "1d", "h", "-1h", "1h 30m", "one hour"]) assert.equal(parseDuration(bad), undefined, bad);
    });
    it("formats in the largest exact unit", () => {
        assert.equal(formatDuration(720 * 3600000), "720h");
        assert.equal(formatDuration(45 * 60000), "45m");
        assert.equal(formatDuration(90 * 1000), "90s");
        assert.equal(formatDuration(1500), "1500ms");
    });
});

describe("stack config model", () => {
    it("applies documented defaults", () => {
        const model = parseStackConfig(rawConfig({}));
        assert.equal(model.caMode, "istiod");
        assert.equal(model.trustDomain, "cluster.local");
        assert.equal(model.istio.version, "1.30.3");
        assert.equal(model.workloadCerts.ttlMs, 24 * 3600000);
        assert.equal(model.workloadCerts.maxTtlMs, 48 * 3600000);
        assert.equal(model.workloadCerts.gracePeriodRatio, 0.5);
        assert.equal(model.rootCa.keyAlgorithm, "ECDSA-P384");
        assert.equal(model.intermediateCa.renewBeforeMs, 720 * 3600000);
    });

    it("reads every setting", () => {
        const model = parseStackConfig(
            rawConfig({
                caMode: "plugin",
                trustDomain: "prod.example.com",
                istioVersion: "1.29.1",
                workloadCertTtl: "12h",
                maxWorkloadCertTtl: "24h",
                gracePeriodRatio: "0.25",
                rootKeyAlgorithm: "RSA-4096",
                intermediateKeyAlgorithm: "RSA-2048",
                rootValidity: "43800h",
                intermediateValidity: "4380h",
                intermediateRenewBefore: "360h",
                organization: "Example",
            }),
        );
        assert.equal(model.caMode, "plugin");
        assert.equal(model.trustDomain, "prod.example.com");
        assert.equal(model.workloadCerts.gracePeriodRatio, 0.25);
        assert.equal(model.rootCa.keyAlgorithm, "RSA-4096");
        assert.equal(model.rootCa.organization, "Example");
        assert.equal(model.intermediateCa.validityMs, 4380 * 3600000);
    });

    it("rejects an unknown key and suggests the closest one", () => {
        const problem = onlyConfigProblem({ workloadCertTTL: "24h" }, "workloadCertTTL");
        assert.match(problem.message, /not a config key/);
        assert.match(problem.fix, /did you mean istio-ca:workloadCertTtl\?/);
        const unrelated = onlyConfigProblem({ somethingElse: "x" }, "somethingElse");
        assert.match(unrelated.fix, /pulumi config rm istio-ca:somethingElse/);
    });

    it("rejects an unknown CA mode", () => {
        const problem = onlyConfigProblem({ caMode: "spire" }, "caMode");
        assert.equal(problem.value, '"spire"');
        assert.match(problem.fix, /istiod, plugin, kubernetes, cert-manager, vault/);
    });

    it("rejects a workload TTL above MAX_WORKLOAD_CERT_TTL", () => {
        const problem = onlyConfigProblem({ workloadCertTtl: "72h", maxWorkloadCertTtl: "48h" }, "workloadCertTtl");
        assert.match(problem.message, /72h exceeds MAX_WORKLOAD_CERT_TTL 48h/);
        assert.match(problem.message, /rejects/);
        assert.match(problem.fix, /48h or less/);
    });

    it("blames maxWorkloadCertTtl when only it was lowered below the default TTL", () => {
        onlyConfigProblem({ maxWorkloadCertTtl: "12h" }, "maxWorkloadCertTtl");
    });

    it("accepts a workload TTL equal to the maximum", () => {
        assert.equal(parseStackConfig(rawConfig({ workloadCertTtl: "48h", maxWorkloadCertTtl: "48h" })).workloadCerts.ttlMs, 48 * 3600000);
    });

    for (const ratio of ["0", "1", "1.5", "-0.1"]) {
        it(`rejects grace period ratio ${ratio}`, () => {
            const problem = onlyConfigProblem({ gracePeriodRatio: ratio }, "gracePeriodRatio");
            assert.match(problem.message, /strictly between 0 and 1/);
        });
    }

    it("rejects a grace period ratio that is not a number", () => {
        assert.match(onlyConfigProblem({ gracePeriodRatio: "half" }, "gracePeriodRatio").message, /is not a plain decimal number/);
    });

    for (const key of ["workloadCertTtl", "maxWorkloadCertTtl", "rootValidity", "intermediateValidity", "intermediateRenewBefore"]) {
        it(`rejects a malformed duration in ${key}`, () => {
            const problems = configProblems({ caMode: "plugin", [key]: "30d" });
            assert.ok(
                problems.some((p) => p.key === `istio-ca:${key}` && /Go duration/.test(p.message)),
                JSON.stringify(problems),
            );
        });
    }

    it("requires CA lifetimes in whole hours", () => {
        assert.match(onlyConfigProblem({ caMode: "plugin", rootValidity: "87600h30m" }, "rootValidity").message, /whole number of hours/);
    });

    it("rejects renewBefore not shorter than the intermediate's duration", () => {
        const problem = onlyConfigProblem({ caMode: "plugin", intermediateValidity: "720h", intermediateRenewBefore: "720h" }, "intermediateRenewBefore");
        assert.match(problem.message, /renewBefore 720h is not shorter than the intermediate's duration 720h/);
    });

    it("rejects an intermediate that outlives its root", () => {
        onlyConfigProblem({ caMode: "plugin", rootValidity: "8000h", intermediateValidity: "8760h" }, "intermediateValidity");
    });

    it("rejects workload certificates that could outlive the intermediate's renewal window", () => {
        const problem = onlyConfigProblem({ caMode: "plugin", maxWorkloadCertTtl: "1000h", intermediateRenewBefore: "720h" }, "maxWorkloadCertTtl");
        assert.match(problem.message, /outlive/);
    });

    for (const domain of ["Cluster.Local", "spiffe://cluster.local", "cluster.local/ns", "", "a b"]) {
        it(`rejects trust domain ${JSON.stringify(domain)}`, () => {
            assert.match(onlyConfigProblem({ trustDomain: domain }, "trustDomain").message, /SPIFFE trust domain/);
        });
    }

    for (const version of ["v1.30.3", "1.30", "latest", "2.0.0.1"]) {
        it(`rejects Istio version ${version}`, () => {
            assert.match(onlyConfigProblem({ istioVersion: version }, "istioVersion").message, /1\.<minor>\.<patch>/);
        });
    }

    it("rejects an Istio version older than the flat chart values", () => {
        assert.match(onlyConfigProblem({ istioVersion: "1.20.8" }, "istioVersion").message, /older than 1\.24/);
    });

    it("accepts Istio pre-release versions", () => {
        assert.equal(parseStackConfig(rawConfig({ istioVersion: "1.31.0-beta.1" })).istio.version, "1.31.0-beta.1");
    });

    it("rejects an unknown key algorithm", () => {
        assert.match(onlyConfigProblem({ caMode: "plugin", rootKeyAlgorithm: "DSA-1024" }, "rootKeyAlgorithm").fix, /ECDSA-P256/);
        onlyConfigProblem({ caMode: "plugin", intermediateKeyAlgorithm: "RSA" }, "intermediateKeyAlgorithm");
    });

    it("reports every problem at once, naming key, value and fix", () => {
        const err = configError({ caMode: "spire", gracePeriodRatio: "2", trustDomain: "Bad" });
        assert.equal(err.problems.length, 3);
        assert.match(err.message, /3 problems/);
        assert.match(err.message, /istio-ca:caMode = "spire"/);
        assert.match(err.message, /Fix: /);
    });
});

describe("existing root from secret config", () => {
    let rootCertPem: string;
    let rootKeyPem: string;
    let leafCertPem: string;
    let otherKeyPem: string;

    before(async () => {
        ({ certPem: rootCertPem, keyPem: rootKeyPem } = await corpRoot({ allowedUses: ["cert_signing"] }));
        otherKeyPem = generateKey("ECDSA", { ecdsaCurve: "P256" }).privateKeyPem;
        leafCertPem = (await selfSignedCertificate(otherKeyPem, { subject: { commonName: "not a ca" }, validityHours: 1000, isCa: false })).certPem;
    });

    it("is accepted with the key as a secret", () => {
        const model = parseStackConfig(rawConfig({ caMode: "plugin", existingRootCert: rootCertPem, existingRootKey: rootKeyPem }, { secretKeys: ["existingRootKey"] }));
        assert.equal(model.existingRoot?.certPem, rootCertPem);
        assert.equal(model.existingRoot?.keyPem.reveal(), rootKeyPem);
        assert.ok(!JSON.stringify(model).includes("PRIVATE KEY"), "the model never serializes the key");
        assert.equal(String(model.existingRoot?.keyPem), "[secret]");
    });

    it("refuses a key that is not a Pulumi secret, without echoing it", () => {
        const problem = onlyConfigProblem({ caMode: "plugin", existingRootCert: rootCertPem, existingRootKey: rootKeyPem }, "existingRootKey");
        assert.match(problem.message, /not a Pulumi secret/);
        assert.match(problem.fix, /--secret/);
        assert.ok(!problem.value.includes("PRIVATE"));
    });

    it("needs both the certificate and the key", () => {
        onlyConfigProblem({ caMode: "plugin", existingRootCert: rootCertPem }, "existingRootKey");
        onlyConfigProblem({ caMode: "plugin", existingRootKey: rootKeyPem }, "existingRootCert", { secretKeys: ["existingRootKey"] });
    });

    it("refuses a certificate that is not a CA", () => {
        const problem = onlyConfigProblem({ caMode: "plugin", existingRootCert: leafCertPem, existingRootKey: otherKeyPem }, "existingRootCert", {
            secretKeys: ["existingRootKey"],
        });
        assert.match(problem.message, /not a CA certificate/);
    });

    it("refuses a key that does not match the certificate", () => {
        const problem = onlyConfigProblem({ caMode: "plugin", existingRootCert: rootCertPem, existingRootKey: otherKeyPem }, "existingRootCert", {
            secretKeys: ["existingRootKey"],
        });
        assert.match(problem.message, /does not belong to the certificate/);
    });

    it("refuses text that is not a certificate", () => {
        const problem = onlyConfigProblem({ caMode: "plugin", existingRootCert: "hello", existingRootKey: rootKeyPem }, "existingRootCert", { secretKeys: ["existingRootKey"] });
        assert.match(problem.message, /not a PEM X.509 certificate/);
    });

    it("is refused outside plugin mode", () => {
        const problem = onlyConfigProblem({ caMode: "istiod", existingRootCert: rootCertPem, existingRootKey: rootKeyPem }, "existingRootCert", {
            secretKeys: ["existingRootKey"],
        });
        assert.match(problem.message, /only used by caMode "plugin"/);
    });
});

describe("cert-manager mode config", () => {
    it("is implemented, with documented defaults", () => {
        const model = parseStackConfig(rawConfig({ caMode: "cert-manager" }));
        assert.deepEqual(model.certManager, {
            version: "v1.21.1",
            namespace: "cert-manager",
            delivery: "cacerts",
            root: "generated",
            serviceMonitor: false,
            keyRotationPolicy: "Always",
            istioCsrVersion: "v0.17.0",
            trustManagerVersion: "v0.24.0",
            approval: "policy",
            approverPolicyVersion: "v0.27.0",
        });
        assert.equal(parseStackConfig(rawConfig({ caMode: "plugin" })).certManager, undefined);
    });

    it("reads every cert-manager setting", () => {
        const model = parseStackConfig(
            rawConfig({
                caMode: "cert-manager",
                certManagerDelivery: "istio-csr",
                certManagerVersion: "v1.20.0",
                certManagerServiceMonitor: "true",
                certManagerKeyRotationPolicy: "Never",
                istioCsrVersion: "v0.16.1",
                trustManagerVersion: "v0.23.0",
            }),
        );
        assert.equal(model.certManager?.delivery, "istio-csr");
        assert.equal(model.certManager?.version, "v1.20.0");
        assert.equal(model.certManager?.serviceMonitor, true);
        assert.equal(model.certManager?.keyRotationPolicy, "Never");
        assert.equal(model.certManager?.istioCsrVersion, "v0.16.1");
        assert.equal(model.certManager?.trustManagerVersion, "v0.23.0");
    });

    it("rejects an unknown delivery, root source and rotation policy", () => {
        assert.match(onlyConfigProblem({ caMode: "cert-manager", certManagerDelivery: "csi" }, "certManagerDelivery").fix, /cacerts, istio-csr/);
        assert.match(onlyConfigProblem({ caMode: "cert-manager", certManagerRoot: "vault" }, "certManagerRoot").fix, /generated, in-cluster/);
        assert.match(onlyConfigProblem({ caMode: "cert-manager", certManagerKeyRotationPolicy: "always" }, "certManagerKeyRotationPolicy").fix, /Always, Never/);
    });

    it("rejects a chart version without the leading v and a non-boolean ServiceMonitor flag", () => {
        const version = onlyConfigProblem({ caMode: "cert-manager", certManagerVersion: "1.21.1" }, "certManagerVersion");
        assert.match(version.fix, /"v1.21.1"/);
        assert.match(onlyConfigProblem({ caMode: "cert-manager", certManagerDelivery: "istio-csr", istioCsrVersion: "latest" }, "istioCsrVersion").message, /chart version/);
        assert.match(onlyConfigProblem({ caMode: "cert-manager", certManagerServiceMonitor: "yes" }, "certManagerServiceMonitor").fix, /true or false/);
    });

    it("refuses an in-cluster root with istio-csr, whose trust bundle needs a root the program knows", () => {
        const problem = onlyConfigProblem({ caMode: "cert-manager", certManagerRoot: "in-cluster", certManagerDelivery: "istio-csr" }, "certManagerRoot");
        assert.match(problem.message, /trust bundle/);
        assert.match(problem.fix, /certManagerDelivery to cacerts/);
    });

    it("refuses istio-csr and trust-manager versions with the cacerts delivery", () => {
        const problems = configProblems({ caMode: "cert-manager", istioCsrVersion: "v0.17.0", trustManagerVersion: "v0.24.0" });
        assert.deepEqual(
            problems.map((p) => p.key),
            ["istio-ca:istioCsrVersion", "istio-ca:trustManagerVersion"],
        );
        assert.match(problems[0].message, /only used by the istio-csr delivery/);
    });

    it("refuses cert-manager keys in another mode", () => {
        const problem = onlyConfigProblem({ caMode: "plugin", certManagerDelivery: "istio-csr" }, "certManagerDelivery");
        assert.match(problem.message, /only used by caMode "kubernetes", "cert-manager" or "vault", not "plugin"/);
    });

    it("accepts an existing root, but not together with certManagerRoot", async () => {
        const { certPem: cert, keyPem } = await corpRoot({ allowedUses: ["cert_signing"] });
        const model = parseStackConfig(rawConfig({ caMode: "cert-manager", existingRootCert: cert, existingRootKey: keyPem }, { secretKeys: ["existingRootKey"] }));
        assert.equal(model.existingRoot?.certPem, cert);
        const problem = onlyConfigProblem({ caMode: "cert-manager", certManagerRoot: "in-cluster", existingRootCert: cert, existingRootKey: keyPem }, "certManagerRoot", {
            secretKeys: ["existingRootKey"],
        });
        assert.match(problem.message, /in-cluster root, but an existing root is configured too; only one root can sign/);
        const generated = onlyConfigProblem({ caMode: "cert-manager", certManagerRoot: "generated", existingRootCert: cert, existingRootKey: keyPem }, "certManagerRoot", {
            secretKeys: ["existingRootKey"],
        });
        assert.match(generated.fix, /remove istio-ca:certManagerRoot to sign with the existing root/);
    });
});

describe("invalid config creates nothing", () => {
    it("registers no resource when the config is refused", async () => {
        const err = await rejection(planConfig({ caMode: "plugin", workloadCertTtl: "96h" }));
        assert.ok(err instanceof ConfigError);
        assert.equal((err as { registeredResources?: number }).registeredResources, 0);
    });
});
