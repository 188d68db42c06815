import { strict as assert } from "assert";
import { X509Certificate } from "crypto";
import { MESH_SIGNER_ISSUER_NAME } from "../src/strategies/kubernetes";
import { sha256Fingerprint } from "../src/pki";
import { CERT_MANAGER_VALUE_PATHS, checkValues } from "./chartValueFacts";
import { validateCustomResource } from "./crdFacts";
import { byName, byType, configProblems, planConfig } from "./helpers";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const CLUSTER_ISSUER = "kubernetes:cert-manager.io/v1:ClusterIssuer";
const CERTIFICATE = "kubernetes:cert-manager.io/v1:Certificate";

describe("mode kubernetes (istiod as RA for the Kubernetes CSR API)", () => {
    let plan: Awaited<ReturnType<typeof planConfig>>;
    before(async () => {
        plan = await planConfig({ caMode: "kubernetes", trustDomain: "prod.example.com" });
    });

    const istiodValues = () => byType(plan, RELEASE).find((r) => r.inputs.chart === "istiod")!.inputs.values as any;
    const signerIssuer = () => byType(plan, CLUSTER_ISSUER).find((r) => (r.inputs.metadata as any).name === MESH_SIGNER_ISSUER_NAME)!;

    it("turns on cert-manager's CSR signer with schema-valid chart values", () => {
        const certManager = byType(plan, RELEASE).find((r) => r.inputs.chart === "cert-manager")!;
        const values = certManager.inputs.values as Record<string, unknown>;
        assert.match(String(values.featureGates), /(^|,)ExperimentalCertificateSigningRequestControllers=true(,|$)/);
        assert.deepEqual(checkValues(values, CERT_MANAGER_VALUE_PATHS), []);
    });

    it("configures istiod as RA with the settings istiod 1.30 reads", () => {
        const values = istiodValues();
        assert.equal(values.env.EXTERNAL_CA, "ISTIOD_RA_KUBERNETES_API");
        assert.equal(values.global.pilotCertProvider, undefined, "the injector must see istiod, or sidecars get no root-cert.pem");
        assert.equal(values.meshConfig.ca, undefined, "meshConfig.ca is not read by istiod");
        assert.equal(values.env.ENABLE_CA_SERVER, undefined, "istiod keeps serving the CA API to proxies");
    });

    it("uses one signer name in istiod's env, its RBAC, the trust anchors and the ClusterIssuer", () => {
        const values = istiodValues();
        const issuerName = (signerIssuer().inputs.metadata as any).name;
        const signer = `clusterissuers.cert-manager.io/${issuerName}`;
        assert.equal(values.env.K8S_SIGNER, signer);
        assert.deepEqual(values.global.certSigners, [signer]);
        assert.equal(values.deploymentAnnotations["istio-ca.io/istiod-env.PILOT_CERT_PROVIDER"], `k8s.io/${signer}`);
        assert.deepEqual(
            values.meshConfig.caCertificates.map((c: any) => c.certSigners),
            [[signer]],
        );
    });

    it("gives istiod the mesh root as the signer's trust anchor", () => {
        const rootSecret = byName(plan, "istio-ca-root-ca");
        const rootPem = (rootSecret.inputs.stringData as Record<string, string>)["tls.crt"];
        assert.ok(new X509Certificate(rootPem).ca);
        assert.equal(istiodValues().meshConfig.caCertificates[0].pem, rootPem);
        assert.deepEqual(plan.outputs.trustedRootFingerprints, [sha256Fingerprint(rootPem)]);
        assert.ok(rootSecret.protect, "the root Secret is protected");
    });

    it("signs workloads with an intermediate from the root, not the root itself", () => {
        const issuer = signerIssuer();
        const certificate = byType(plan, CERTIFICATE).find((r) => (r.inputs.spec as any).secretName === (issuer.inputs.spec as any).ca.secretName);
        assert.ok(certificate, "the signer ClusterIssuer reads the intermediate Certificate's Secret");
        assert.equal((certificate!.inputs.metadata as any).namespace, "cert-manager", "a ClusterIssuer's Secret lives in the cluster resource namespace");
        assert.equal((certificate!.inputs.spec as any).isCA, true);
        assert.deepEqual((certificate!.inputs.spec as any).issuerRef, { name: "istio-ca-root", kind: "ClusterIssuer", group: "cert-manager.io" });
        assert.equal((issuer.inputs.metadata as any).namespace, undefined);
    });

    it("emits only custom resources the cert-manager CRDs accept", () => {
        const customResources = plan.resources.filter((r) => r.type.startsWith("kubernetes:cert-manager.io/"));
        assert.ok(customResources.length >= 3);
        for (const resource of customResources) assert.deepEqual(validateCustomResource(resource.inputs as any), [], resource.name);
    });

    it("installs istiod after the signer, with no cacerts", () => {
        const istiod = byType(plan, RELEASE).find((r) => r.inputs.chart === "istiod")!;
        assert.ok(istiod.dependsOn.includes(signerIssuer().name), istiod.dependsOn.join(", "));
        assert.equal(plan.resources.filter((r) => (r.inputs.metadata as any)?.name === "cacerts").length, 0);
    });

    it("refuses an in-cluster root, whose PEM istiod could not be given", () => {
        assert.deepEqual(
            configProblems({ caMode: "kubernetes", certManagerRoot: "in-cluster" }).map((p) => p.key),
            ["istio-ca:certManagerRoot"],
        );
    });

    it("refuses the cert-manager mode's delivery keys", () => {
        for (const key of ["certManagerDelivery", "istioCsrVersion", "trustManagerVersion"]) {
            const value = key === "certManagerDelivery" ? "cacerts" : "v1.0.0";
            assert.deepEqual(
                configProblems({ caMode: "kubernetes", [key]: value }).map((p) => p.key),
                [`istio-ca:${key}`],
                key,
            );
        }
    });
});
