import { strict as assert } from "assert";
import { clusterIssuerSignerName, kubernetesRaIstiodValues } from "../src/kubernetesSigner";

describe("Kubernetes CSR signer (istiod as RA)", () => {
    it("names cert-manager's ClusterIssuer signer", () => {
        assert.equal(clusterIssuerSignerName("istio-ca"), "clusterissuers.cert-manager.io/istio-ca");
        assert.throws(() => clusterIssuerSignerName("Istio_CA"), /not a valid ClusterIssuer name/);
    });

    it("configures istiod as RA with one signer name everywhere", () => {
        const signer = "clusterissuers.cert-manager.io/istio-ca";
        const values = kubernetesRaIstiodValues({ signerName: signer, rootCertPems: ["ROOT-A", "ROOT-B"] });
        assert.deepEqual(values.env, { EXTERNAL_CA: "ISTIOD_RA_KUBERNETES_API", K8S_SIGNER: signer });
        // istiod alone is the RA: the injector keeps global.pilotCertProvider's default, istiod, and mounts the root.
        assert.deepEqual(values.istiodEnvOverrides, { PILOT_CERT_PROVIDER: `k8s.io/${signer}` });
        assert.equal(values.global?.pilotCertProvider, undefined);
        assert.equal((values.env as Record<string, string>).PILOT_CERT_PROVIDER, undefined, "not through env: the chart renders that name itself");
        assert.deepEqual(values.global?.certSigners, [signer]);
        assert.deepEqual(values.meshConfig?.caCertificates, [
            { pem: "ROOT-A", certSigners: [signer] },
            { pem: "ROOT-B", certSigners: [signer] },
        ]);
        assert.equal((values.meshConfig as Record<string, unknown>).ca, undefined);
    });

    it("refuses a signer without a domain and an RA without trust anchors", () => {
        assert.throws(() => kubernetesRaIstiodValues({ signerName: "istio-ca", rootCertPems: ["x"] }), /<domain>\/<name>/);
        assert.throws(() => kubernetesRaIstiodValues({ signerName: "a/b", rootCertPems: [] }), /trust anchor/);
    });
});
