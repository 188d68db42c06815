import { strict as assert } from "assert";
import { X509Certificate } from "crypto";
import { istiodValues } from "../src/istioValues";
import { sha256Fingerprint } from "../src/pki";
import { byName, byType, corpRoot, isIssuedBy, pathLength, planConfig } from "./helpers";
import { checkIstiodValues } from "./istiodValueFacts";

const RELEASE = "kubernetes:helm.sh/v3:Release";

describe("istiod values", () => {
    const values = istiodValues({ trustDomain: "prod.example.com", workloadCerts: { ttlMs: 12 * 3600000, maxTtlMs: 48 * 3600000, gracePeriodRatio: 0.3 }, ca: {} }) as any;

    it("sets workload certificate lifetimes with their real names", () => {
        assert.deepEqual(values.env, { DEFAULT_WORKLOAD_CERT_TTL: "12h", MAX_WORKLOAD_CERT_TTL: "48h" });
        assert.deepEqual(values.meshConfig.defaultConfig.proxyMetadata, { SECRET_TTL: "12h", SECRET_GRACE_PERIOD_RATIO: "0.3" });
        assert.equal(values.meshConfig.trustDomain, "prod.example.com");
    });

    it("uses only keys the istiod chart and MeshConfig know", () => {
        assert.deepEqual(checkIstiodValues(values), []);
        assert.equal(values.pilot, undefined, "no legacy pilot. prefix");
        assert.equal(values.meshConfig.secretTtl, undefined, "secretTtl is not a MeshConfig field");
    });

    it("merges a strategy's env and proxy metadata over the defaults", () => {
        const merged = istiodValues({
            trustDomain: "td",
            workloadCerts: { ttlMs: 3600000, maxTtlMs: 3600000, gracePeriodRatio: 0.5 },
            ca: { env: { ISTIO_MULTIROOT_MESH: "true" }, proxyMetadata: { PROXY_CONFIG_XDS_AGENT: "true" }, global: { caAddress: "x:443" } },
        }) as any;
        assert.equal(merged.env.ISTIO_MULTIROOT_MESH, "true");
        assert.equal(merged.env.MAX_WORKLOAD_CERT_TTL, "1h");
        assert.equal(merged.meshConfig.defaultConfig.proxyMetadata.PROXY_CONFIG_XDS_AGENT, "true");
        assert.equal(merged.meshConfig.defaultConfig.proxyMetadata.SECRET_TTL, "1h");
        assert.deepEqual(merged.global, { caAddress: "x:443" });
        assert.deepEqual(checkIstiodValues(merged), []);
    });
});

describe("mode istiod (self-signed)", () => {
    it("installs base then istiod, with no cacerts and no tls resources", async () => {
        const plan = await planConfig({ caMode: "istiod", workloadCertTtl: "12h", maxWorkloadCertTtl: "24h", gracePeriodRatio: "0.4" });
        const releases = byType(plan, RELEASE);
        assert.deepEqual(releases.map((r) => r.inputs.chart).sort(), ["base", "istiod"]);
        const istiod = releases.find((r) => r.inputs.chart === "istiod")!;
        const base = releases.find((r) => r.inputs.chart === "base")!;
        assert.ok(istiod.dependsOn.includes(base.name), "istiod waits on base");
        assert.equal(istiod.inputs.version, "1.30.3");
        assert.equal((istiod.inputs.repositoryOpts as any).repo, "https://istio-release.storage.googleapis.com/charts");
        assert.equal(istiod.inputs.namespace, "istio-system");
        const values = istiod.inputs.values as any;
        assert.equal(values.env.DEFAULT_WORKLOAD_CERT_TTL, "12h");
        assert.equal(values.env.MAX_WORKLOAD_CERT_TTL, "24h");
        assert.equal(values.meshConfig.defaultConfig.proxyMetadata.SECRET_GRACE_PERIOD_RATIO, "0.4");
        assert.equal(plan.resources.filter((r) => r.type.startsWith("tls:")).length, 0);
        assert.equal(byType(plan, "kubernetes:core/v1:Secret").length, 0);
        assert.equal(plan.outputs.caMode, "istiod");
        assert.deepEqual(plan.outputs.trustedRootFingerprints, []);
        assert.equal(plan.outputs.signingRootFingerprint, null);
    });
});

describe("mode plugin", () => {
    let plan: Awaited<ReturnType<typeof planConfig>>;
    before(async () => {
        plan = await planConfig({ caMode: "plugin", trustDomain: "prod.example.com", rootKeyAlgorithm: "ECDSA-P384", intermediateKeyAlgorithm: "RSA-2048" });
    });

    it("writes cacerts with the four keys istiod reads, the key as a secret", () => {
        const secret = byName(plan, "plugin-ca-cacerts");
        assert.equal((secret.inputs.metadata as any).name, "cacerts");
        assert.equal((secret.inputs.metadata as any).namespace, "istio-system");
        const data = secret.inputs.stringData as Record<string, string>;
        assert.deepEqual(Object.keys(data).sort(), ["ca-cert.pem", "ca-key.pem", "cert-chain.pem", "root-cert.pem"]);
        assert.equal(data["ca-key.pem"], "[secret]");
        assert.match(data["ca-cert.pem"], /BEGIN CERTIFICATE/);
    });

    it("chains root -> intermediate with CA flags and path lengths", () => {
        const data = byName(plan, "plugin-ca-cacerts").inputs.stringData as Record<string, string>;
        const root = new X509Certificate(data["root-cert.pem"]);
        const intermediate = new X509Certificate(data["ca-cert.pem"]);
        assert.ok(root.ca && intermediate.ca);
        assert.ok(isIssuedBy(data["ca-cert.pem"], data["root-cert.pem"]));
        assert.ok(isIssuedBy(data["root-cert.pem"], data["root-cert.pem"]), "root is self-signed");
        assert.equal(pathLength(data["root-cert.pem"]), 1);
        assert.equal(pathLength(data["ca-cert.pem"]), 0, "istiod's CA signs leaves only");
        assert.equal(data["cert-chain.pem"], data["ca-cert.pem"] + data["root-cert.pem"]);
        assert.equal(root.publicKey.asymmetricKeyDetails?.namedCurve, "secp384r1");
        assert.equal(intermediate.publicKey.asymmetricKeyType, "rsa");
        assert.match(intermediate.subject, /CN=istio-ca intermediate/);
        const lifetimeHours = (Date.parse(intermediate.validTo) - Date.parse(intermediate.validFrom)) / 3600000;
        assert.equal(lifetimeHours, 8760);
    });

    it("protects the root key and certificate, not the intermediate", () => {
        const protectedNames = plan.resources
            .filter((r) => r.protect)
            .map((r) => r.name)
            .sort();
        assert.deepEqual(protectedNames, ["plugin-ca-root-primary", "plugin-ca-root-primary-key"]);
    });

    it("installs istiod after cacerts", () => {
        const istiod = byType(plan, RELEASE).find((r) => r.inputs.chart === "istiod")!;
        assert.ok(istiod.dependsOn.includes("plugin-ca-cacerts"), istiod.dependsOn.join(","));
        assert.equal((istiod.inputs.values as any).meshConfig.trustDomain, "prod.example.com");
    });

    it("outputs the trusted and signing root fingerprints", () => {
        const data = byName(plan, "plugin-ca-cacerts").inputs.stringData as Record<string, string>;
        const fingerprint = sha256Fingerprint(data["root-cert.pem"]);
        assert.deepEqual(plan.outputs.trustedRootFingerprints, [fingerprint]);
        assert.equal(plan.outputs.signingRootFingerprint, fingerprint);
        assert.equal(plan.outputs.trustBundle, data["root-cert.pem"]);
    });

    it("never shows a private key", () => {
        const text = JSON.stringify(plan);
        assert.ok(!text.includes("PRIVATE KEY"));
        const keys = byType(plan, "tls:index/privateKey:PrivateKey");
        assert.equal(keys.length, 2, "the root's and the intermediate's keys");
        for (const key of keys) {
            assert.equal(key.outputs.privateKeyPem, "[secret]");
            assert.match(String(key.outputs.publicKeyPem), /BEGIN PUBLIC KEY/);
        }
    });
});

describe("mode plugin with an existing root", () => {
    it("signs the intermediate with the given root and generates no root", async () => {
        const root = await corpRoot({ key: { algorithm: "RSA", rsaBits: 2048 }, organization: "Corp" });
        const plan = await planConfig({ caMode: "plugin", existingRootCert: root.certPem, existingRootKey: root.keyPem }, { secretKeys: ["existingRootKey"] });
        assert.equal(byType(plan, "tls:index/selfSignedCert:SelfSignedCert").length, 0);
        assert.equal(byType(plan, "tls:index/privateKey:PrivateKey").length, 1, "only the intermediate key");
        const data = byName(plan, "plugin-ca-cacerts").inputs.stringData as Record<string, string>;
        assert.equal(data["root-cert.pem"], root.certPem);
        assert.ok(isIssuedBy(data["ca-cert.pem"], root.certPem));
        const signer = byType(plan, "tls:index/locallySignedCert:LocallySignedCert")[0];
        assert.equal(signer.inputs.caPrivateKeyPem, "[secret]");
        assert.ok(!JSON.stringify(plan).includes(root.keyPem.split("\n")[1]), "no line of the root key leaks");
        assert.equal(plan.outputs.signingRootFingerprint, sha256Fingerprint(root.certPem));
    });
});
