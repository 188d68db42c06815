import { strict as assert } from "assert";
import { generateKey, selfSignedCertificate } from "../plan/x509";
import { ConfigError, istiodHoldsCa, parseStackConfig } from "../src/config";
import { clusterIssuerTokenAudience, pkiUrls, tokenRequestRule, vaultIntermediatePathLength, vaultIssuerSpec, vaultKeyParams, workloadRoleArgs } from "../src/vault";
import { validateCustomResource } from "./crdFacts";
import { configProblems, onlyConfigProblem, planConfig, rawConfig, rejection } from "./helpers";
import { VAULT_BASE } from "./vaultTypes";

const AUDIENCE = "https://kubernetes.default.svc.cluster.local";
const BASE = { caMode: "vault", vaultAddress: "https://vault.example.com:8200", vaultKubernetesHost: "https://10.0.0.1:6443", vaultKubernetesApiAudience: AUDIENCE };

describe("vault mode config", () => {
    it("reads the defaults", () => {
        const model = parseStackConfig(rawConfig(BASE));
        const vault = model.vault!;
        assert.equal(vault.address, "https://vault.example.com:8200");
        assert.equal(vault.namespace, undefined);
        assert.equal(vault.token, undefined);
        assert.equal(vault.rootMountPath, "pki-istio-root");
        assert.equal(vault.intermediateMountPath, "pki-istio");
        assert.deepEqual(vault.intermediate, { keyAlgorithm: "ECDSA-P256", validityMs: 43800 * 3600000, generation: 1 });
        assert.equal(vault.providerTokenTtlMs, 2 * 3600000, "the provider's child token outlives a long update (its own default is 20m)");
        assert.deepEqual(vault.kubernetesAuth, {
            path: "kubernetes-istio",
            host: "https://10.0.0.1:6443",
            caCertPem: undefined,
            tokenReviewer: "client",
            apiAudience: AUDIENCE,
            tokenTtlMs: 600000,
        });
        assert.equal(model.certManager?.delivery, "cacerts", "the Vault delivery is certManagerDelivery");
        assert.equal(model.certManager?.namespace, "cert-manager", "cert-manager is installed for the Vault issuer");
    });

    it("takes the delivery from certManagerDelivery", () => {
        const model = parseStackConfig(rawConfig({ ...BASE, certManagerDelivery: "istio-csr" }));
        assert.equal(model.certManager!.delivery, "istio-csr");
        assert.equal(istiodHoldsCa(model), false, "Vault signs workloads through istio-csr; istiod holds no CA");
    });

    it("requires the Vault address and the API server URL", () => {
        const problems = configProblems({ caMode: "vault", vaultKubernetesApiAudience: AUDIENCE });
        assert.deepEqual(
            problems.map((p) => p.key),
            ["istio-ca:vaultAddress", "istio-ca:vaultKubernetesHost"],
        );
        assert.match(problems[0].message, /required by caMode "vault"/);
    });

    for (const address of ["http://vault.example.com:8200", "vault.example.com", "https://vault.example.com/v1/", "https://vault.example.com?x=1", "https://"]) {
        it(`refuses vaultAddress ${address}`, () => {
            assert.match(onlyConfigProblem({ ...BASE, vaultAddress: address }, "vaultAddress").message, /https URL/);
        });
    }

    for (const [key, url] of [
        ["vaultAddress", "https://:s3cret@vault.example.com:8200"],
        ["vaultAddress", "https://admin:s3cret@vault.example.com"],
        ["vaultKubernetesHost", "https://user@kubernetes.example.com:6443"],
    ]) {
        it(`refuses credentials in ${key} without echoing them (${url.replace(/\/\/.*@/, "//…@")})`, () => {
            const problem = onlyConfigProblem({ ...BASE, [key]: url }, key);
            assert.match(problem.message, /holds a user name or password/);
            assert.equal(problem.value, "(URL with credentials, not shown)");
            assert.ok(!JSON.stringify(problem).includes("s3cret") && !problem.value.includes("user@"));
        });
    }

    it("accepts an address with a trailing slash and drops it", () => {
        assert.equal(parseStackConfig(rawConfig({ ...BASE, vaultAddress: "https://vault.example.com:8200/" })).vault!.address, "https://vault.example.com:8200");
    });

    it("refuses a plain (non-secret) token without echoing it", () => {
        const problem = onlyConfigProblem({ ...BASE, vaultToken: "hvs.plaintexttoken" }, "vaultToken");
        assert.match(problem.message, /holds a Vault token but is not a Pulumi secret/);
        assert.match(problem.fix, /--secret/);
        assert.ok(!JSON.stringify(problem).includes("hvs.plaintexttoken"));
    });

    it("accepts a secret token and never serializes it", () => {
        const model = parseStackConfig(rawConfig({ ...BASE, vaultToken: "hvs.secret-token" }, { secretKeys: ["vaultToken"], deploying: true }));
        assert.equal(model.vault!.token!.reveal(), "hvs.secret-token");
        assert.ok(!JSON.stringify(model).includes("hvs.secret-token"));
    });

    it("refuses a real deployment with no token in config or environment", () => {
        const problem = onlyConfigProblem(BASE, "vaultToken", { deploying: true });
        assert.match(problem.message, /VAULT_TOKEN is not in the environment/);
        assert.match(problem.fix, /export VAULT_TOKEN/);
    });

    it("accepts VAULT_TOKEN from the environment for a real deployment, leaving it to the provider", () => {
        const model = parseStackConfig(rawConfig(BASE, { deploying: true, environmentVaultToken: "hvs.from-env" }));
        // Not copied into the model: the provider reads VAULT_TOKEN itself, so it never reaches state.
        assert.equal(model.vault!.token, undefined);
        assert.ok(!JSON.stringify(model).includes("hvs.from-env"));
    });

    it("prefers the secret config token over the environment", () => {
        const model = parseStackConfig(rawConfig({ ...BASE, vaultToken: "hvs.config" }, { secretKeys: ["vaultToken"], deploying: true, environmentVaultToken: "hvs.env" }));
        assert.equal(model.vault!.token!.reveal(), "hvs.config");
    });

    for (const namespace of ["/platform", "platform/", "a b", "a//b"]) {
        it(`refuses vaultNamespace ${JSON.stringify(namespace)}`, () => {
            assert.match(onlyConfigProblem({ ...BASE, vaultNamespace: namespace }, "vaultNamespace").message, /not a Vault namespace path/);
        });
    }

    for (const [key, path] of [
        ["vaultRootMountPath", "/pki"],
        ["vaultIntermediateMountPath", "pki/"],
        ["vaultKubernetesAuthPath", "auth path"],
        ["vaultRootMountPath", 'pki"x'],
    ] as const) {
        it(`refuses ${key} ${JSON.stringify(path)}`, () => {
            assert.match(onlyConfigProblem({ ...BASE, [key]: path }, key).message, /not a Vault mount path/);
        });
    }

    it("refuses mount paths Vault reserves", () => {
        assert.match(onlyConfigProblem({ ...BASE, vaultIntermediateMountPath: "sys/pki" }, "vaultIntermediateMountPath").message, /reserves/);
    });

    it("refuses one mount for both root and intermediate", () => {
        assert.match(onlyConfigProblem({ ...BASE, vaultRootMountPath: "pki", vaultIntermediateMountPath: "pki" }, "vaultIntermediateMountPath").message, /same mount/);
    });

    it("refuses a Vault intermediate that outlives the root", () => {
        assert.match(onlyConfigProblem({ ...BASE, rootValidity: "40000h", vaultIntermediateValidity: "43800h" }, "vaultIntermediateValidity").message, /outlive its root/);
    });

    it("refuses a Vault intermediate not longer than istiod's CA (cacerts)", () => {
        const problem = onlyConfigProblem({ ...BASE, vaultIntermediateValidity: "8760h" }, "vaultIntermediateValidity");
        assert.match(problem.message, /istiod's CA certificate \(istio-ca:intermediateValidity = 8760h\)/);
    });

    it("compares the Vault intermediate with the longest workload certificate (istio-csr)", () => {
        assert.equal(parseStackConfig(rawConfig({ ...BASE, certManagerDelivery: "istio-csr", vaultIntermediateValidity: "8760h" })).vault!.intermediate.validityMs, 8760 * 3600000);
        const problem = onlyConfigProblem({ ...BASE, certManagerDelivery: "istio-csr", vaultIntermediateValidity: "48h" }, "vaultIntermediateValidity");
        assert.match(problem.message, /longest workload certificate/);
    });

    it("requires the Vault intermediate lifetime in whole hours", () => {
        assert.match(onlyConfigProblem({ ...BASE, vaultIntermediateValidity: "43800h30m" }, "vaultIntermediateValidity").message, /whole number of hours/);
    });

    for (const ttl of ["30s", "2h"]) {
        it(`refuses vaultTokenTtl ${ttl}`, () => {
            assert.match(onlyConfigProblem({ ...BASE, vaultTokenTtl: ttl }, "vaultTokenTtl").message, /between 1m and 1h/);
        });
    }

    it("requires an API server audience when login tokens review themselves", () => {
        const { vaultKubernetesApiAudience: _, ...withoutAudience } = BASE;
        const problem = onlyConfigProblem(withoutAudience, "vaultKubernetesApiAudience");
        assert.match(problem.message, /required with vaultTokenReviewer client/);
        assert.match(problem.fix, /kubectl create token default/);
        assert.equal(parseStackConfig(rawConfig({ ...withoutAudience, vaultTokenReviewer: "vault" })).vault!.kubernetesAuth.apiAudience, undefined);
    });

    it("refuses an API server audience with the in-cluster reviewer, and a blank one", () => {
        assert.match(onlyConfigProblem({ ...BASE, vaultTokenReviewer: "vault" }, "vaultKubernetesApiAudience").message, /only used with vaultTokenReviewer client/);
        assert.match(onlyConfigProblem({ ...BASE, vaultKubernetesApiAudience: "two words" }, "vaultKubernetesApiAudience").message, /not an audience/);
    });

    it("refuses an unknown token reviewer and key algorithm", () => {
        onlyConfigProblem({ ...BASE, vaultTokenReviewer: "both" }, "vaultTokenReviewer");
        onlyConfigProblem({ ...BASE, vaultIntermediateKeyAlgorithm: "ED25519" }, "vaultIntermediateKeyAlgorithm");
    });

    it("refuses CA bundles that are not PEM certificates", () => {
        assert.match(onlyConfigProblem({ ...BASE, vaultCaBundle: "not a pem" }, "vaultCaBundle").message, /no PEM certificate/);
        const broken = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert.match(onlyConfigProblem({ ...BASE, vaultKubernetesCaCert: broken }, "vaultKubernetesCaCert").message, /not a PEM certificate bundle/);
    });

    it("refuses Vault keys in another mode", () => {
        const problem = onlyConfigProblem({ caMode: "plugin", vaultAddress: "https://vault.example.com" }, "vaultAddress");
        assert.match(problem.message, /only used by caMode "vault", not "plugin"/);
    });

    it("refuses certManagerRoot and an existing root in vault mode: the root lives in Vault", async () => {
        assert.match(onlyConfigProblem({ ...BASE, certManagerRoot: "generated" }, "certManagerRoot").message, /generates the root inside Vault/);
        const key = generateKey("ECDSA", { ecdsaCurve: "P256" });
        const cert = (await selfSignedCertificate(key.privateKeyPem, { subject: { commonName: "corp" }, validityHours: 1000, isCa: true, setSubjectKeyId: true })).certPem;
        const problem = onlyConfigProblem({ ...BASE, existingRootCert: cert, existingRootKey: key.privateKeyPem }, "existingRootCert", { secretKeys: ["existingRootKey"] });
        assert.match(problem.message, /not "vault"/);
    });

    it("registers no resource when a vault config is refused", async () => {
        const err = await rejection(planConfig({ ...BASE, vaultAddress: "http://vault:8200" }));
        assert.ok(err instanceof ConfigError);
        assert.equal((err as { registeredResources?: number }).registeredResources, 0);
    });
});

describe("vault pure logic", () => {
    it("maps key algorithms to Vault key types and sizes", () => {
        assert.deepEqual(vaultKeyParams("ECDSA-P256"), { keyType: "ec", keyBits: 256 });
        assert.deepEqual(vaultKeyParams("ECDSA-P384"), { keyType: "ec", keyBits: 384 });
        assert.deepEqual(vaultKeyParams("RSA-3072"), { keyType: "rsa", keyBits: 3072 });
    });

    it("gives the Vault intermediate one CA level below it only when istiod signs", () => {
        assert.equal(vaultIntermediatePathLength("cacerts"), 1);
        assert.equal(vaultIntermediatePathLength("istio-csr"), 0);
    });

    it("builds issuing and CRL URLs under /v1/<mount>", () => {
        assert.deepEqual(pkiUrls("https://vault:8200/", "a/b"), {
            issuingCertificates: ["https://vault:8200/v1/a/b/ca"],
            crlDistributionPoints: ["https://vault:8200/v1/a/b/crl"],
        });
    });

    it("uses cert-manager's ClusterIssuer audience", () => {
        assert.equal(clusterIssuerTokenAudience("istio-ca-vault"), "vault://istio-ca-vault");
    });

    it("writes a Vault issuer spec the ClusterIssuer CRD facts accept, and the facts refuse a static token", () => {
        const spec = vaultIssuerSpec({
            server: "https://v:8200",
            path: "p/sign/r",
            vaultNamespace: "ns",
            caBundlePem: "PEM",
            role: "r",
            mountPath: "/v1/auth/k",
            serviceAccountName: "sa",
        });
        assert.deepEqual(validateCustomResource({ apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name: "x" }, spec }), []);
        assert.equal((spec.vault as any).caBundle, Buffer.from("PEM").toString("base64"));
        const withSecret = { vault: { ...(spec.vault as object), auth: { kubernetes: { role: "r", secretRef: { name: "token" } } } } };
        assert.ok(validateCustomResource({ apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name: "x" }, spec: withSecret }).length > 0);
        const tokenAuth = { vault: { ...(spec.vault as object), auth: { tokenSecretRef: { name: "t" } } } };
        assert.ok(validateCustomResource({ apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name: "x" }, spec: tokenAuth }).length > 0);
    });

    it("lets the token-creator rule name exactly one ServiceAccount", () => {
        assert.deepEqual(tokenRequestRule("sa"), { apiGroups: [""], resources: ["serviceaccounts/token"], resourceNames: ["sa"], verbs: ["create"] });
    });

    it("writes the workload role's TTLs in seconds and its key type from the algorithm", () => {
        const args = workloadRoleArgs({ trustDomain: "td", keyAlgorithm: "ECDSA-P256", ttlMs: 3600000, maxTtlMs: 7200000, dnsNames: ["a.b.svc"] });
        assert.deepEqual([args.keyType, args.keyBits, args.ttl, args.maxTtl], ["ec", 256, "3600", "7200"]);
        assert.deepEqual(args.allowedUriSans, ["spiffe://td/*"]);
    });
});

describe("vault mode: provider token and intermediate generation", () => {
    it("refuses a provider token TTL the update could outlive, or longer than a day", () => {
        for (const ttl of ["10m", "19m59s", "25h"]) {
            const problem = onlyConfigProblem({ ...VAULT_BASE, vaultProviderTokenTtl: ttl }, "vaultProviderTokenTtl", { value: JSON.stringify(ttl) });
            assert.match(problem.message, /between 20m and 24h/);
        }
        assert.equal(parseStackConfig(rawConfig({ ...VAULT_BASE, vaultProviderTokenTtl: "20m" })).vault!.providerTokenTtlMs, 20 * 60000);
    });

    it("reads the intermediate generation as a whole number from 1", () => {
        assert.equal(parseStackConfig(rawConfig({ ...VAULT_BASE, vaultIntermediateGeneration: "3" })).vault!.intermediate.generation, 3);
        for (const bad of ["0", "-1", "1.5", "two", "", "10000"]) {
            const problem = onlyConfigProblem({ ...VAULT_BASE, vaultIntermediateGeneration: bad }, "vaultIntermediateGeneration", { value: JSON.stringify(bad) });
            assert.match(problem.message, /whole number from 1 to 9999/);
        }
    });

    it("refuses both keys outside vault mode", () => {
        onlyConfigProblem({ caMode: "plugin", vaultIntermediateGeneration: "2" }, "vaultIntermediateGeneration");
        onlyConfigProblem({ caMode: "plugin", vaultProviderTokenTtl: "2h" }, "vaultProviderTokenTtl");
    });
});
