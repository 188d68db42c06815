import { strict as assert } from "assert";
import { isCustomResourceType } from "./customResources";
import { checkIstiodValues } from "./istiodValueFacts";

const VALID = {
    env: { DEFAULT_WORKLOAD_CERT_TTL: "24h", ENABLE_CA_SERVER: "false" },
    global: { caAddress: "cert-manager-istio-csr.cert-manager.svc:443" },
    meshConfig: { trustDomain: "td", caCertificates: [{ pem: "x", certSigners: ["a/b"] }], defaultConfig: { proxyMetadata: { SECRET_TTL: "24h" } } },
};

describe("istiod values allowlist check", () => {
    it("accepts values made only of known keys", () => {
        assert.deepEqual(checkIstiodValues(VALID), []);
    });

    it("catches a wrong key at every level", () => {
        assert.deepEqual(checkIstiodValues({ ...VALID, pilot: { env: {} } }), ["pilot: not an istiod chart key this program sets"]);
        assert.deepEqual(checkIstiodValues({ ...VALID, env: { CITADEL_ENABLE_CA_SERVER: "false" } }), ["env.CITADEL_ENABLE_CA_SERVER: not an istiod 1.30 environment variable"]);
        assert.deepEqual(checkIstiodValues({ ...VALID, env: { VAULT_ADDR: "https://vault" } }), ["env.VAULT_ADDR: not an istiod 1.30 environment variable"]);
        assert.deepEqual(checkIstiodValues({ ...VALID, global: { caAdress: "x:443" } }), ["global.caAdress: not a chart global key this program sets"]);
        assert.deepEqual(checkIstiodValues({ ...VALID, meshConfig: { ...VALID.meshConfig, secretTtl: "24h" } }), ["meshConfig.secretTtl: not a MeshConfig field"]);
        assert.deepEqual(checkIstiodValues({ ...VALID, meshConfig: { ...VALID.meshConfig, caCertificates: [{ pem: "x", signers: ["a/b"] }] } }), [
            "meshConfig.caCertificates[0].signers: not a CertificateData field",
        ]);
        assert.deepEqual(checkIstiodValues({ ...VALID, meshConfig: { defaultConfig: { proxyMetadata: {}, secretTtl: "1h" } } }), [
            "meshConfig.defaultConfig.secretTtl: not a ProxyConfig field",
        ]);
        assert.deepEqual(checkIstiodValues({ ...VALID, meshConfig: { defaultConfig: { proxyMetadata: { WORKLOAD_CERT_TTL: "1h" } } } }), [
            "meshConfig.defaultConfig.proxyMetadata.WORKLOAD_CERT_TTL: not an istio-agent 1.30 environment variable",
        ]);
    });

    it("catches environment values that are not strings", () => {
        assert.deepEqual(checkIstiodValues({ env: { ISTIO_MULTIROOT_MESH: true } }), ["env.ISTIO_MULTIROOT_MESH: environment values are strings, got true"]);
        assert.deepEqual(checkIstiodValues({ meshConfig: { defaultConfig: { proxyMetadata: { SECRET_GRACE_PERIOD_RATIO: 0.5 } } } }), [
            "meshConfig.defaultConfig.proxyMetadata.SECRET_GRACE_PERIOD_RATIO: environment values are strings, got 0.5",
        ]);
    });
});

describe("custom resource type tokens", () => {
    it("include every version of non-Kubernetes API groups", () => {
        for (const type of [
            "kubernetes:trust.cert-manager.io/v1alpha1:Bundle",
            "kubernetes:cert-manager.io/v1:Certificate",
            "kubernetes:security.istio.io/v1:PeerAuthentication",
            "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
            "kubernetes:networking.istio.io/v1beta1:DestinationRule",
        ]) {
            assert.ok(isCustomResourceType(type), type);
        }
    });

    it("exclude built-in kinds and Helm releases", () => {
        for (const type of [
            "kubernetes:core/v1:Secret",
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
            "kubernetes:helm.sh/v3:Release",
            "tls:index/privateKey:PrivateKey",
            "kubernetes:apps/v1:Deployment",
        ]) {
            assert.ok(!isCustomResourceType(type), type);
        }
    });
});
