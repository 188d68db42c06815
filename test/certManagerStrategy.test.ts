import { strict as assert } from "assert";
import { X509Certificate } from "crypto";
import { findStackConfigFile, planStack, PlanResult, PlannedResource } from "../plan/engine";
import { sha256Fingerprint } from "../src/pki";
import { APPROVER_POLICY_VALUE_PATHS, CERT_MANAGER_VALUE_PATHS, ISTIO_CSR_VALUE_PATHS, TRUST_MANAGER_VALUE_PATHS, ValueType, checkValues } from "./chartValueFacts";
import { validateCustomResource } from "./crdFacts";
import { byName, byType, corpRoot, pathLength, planConfig } from "./helpers";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const CERTIFICATE = "kubernetes:cert-manager.io/v1:Certificate";
const CLUSTER_ISSUER = "kubernetes:cert-manager.io/v1:ClusterIssuer";

function release(plan: PlanResult, chart: string): PlannedResource {
    const found = byType(plan, RELEASE).find((r) => r.inputs.chart === chart);
    assert.ok(found, `a ${chart} release`);
    return found!;
}

/** Every resource `name` waits for, directly or through its dependencies and parents' dependencies. */
function waitsFor(plan: PlanResult, name: string, seen = new Set<string>()): Set<string> {
    const resource = byName(plan, name);
    for (const dependency of resource.dependsOn) {
        if (seen.has(dependency)) continue;
        seen.add(dependency);
        waitsFor(plan, dependency, seen);
        // A component dependency means all of its children.
        for (const child of plan.resources.filter((r) => r.parent === dependency)) {
            if (seen.has(child.name)) continue;
            seen.add(child.name);
            waitsFor(plan, child.name, seen);
        }
    }
    return seen;
}

const CHART_FACTS: Record<string, Record<string, ValueType>> = {
    "cert-manager": CERT_MANAGER_VALUE_PATHS,
    "cert-manager-istio-csr": ISTIO_CSR_VALUE_PATHS,
    "trust-manager": TRUST_MANAGER_VALUE_PATHS,
    "cert-manager-approver-policy": APPROVER_POLICY_VALUE_PATHS,
};

/** Checks every custom resource against the CRD facts and every jetstack release against its chart's schema paths. */
function assertSchemaValid(plan: PlanResult): number {
    let checked = 0;
    for (const resource of plan.resources) {
        const inputs = resource.inputs as any;
        if (/^kubernetes:(cert-manager\.io|trust\.cert-manager\.io|policy\.cert-manager\.io)\//.test(resource.type)) {
            assert.deepEqual(validateCustomResource(inputs), [], `${resource.type} ${resource.name}`);
            checked++;
        }
        if (resource.type === RELEASE && inputs.repositoryOpts?.repo === "https://charts.jetstack.io") {
            assert.ok(CHART_FACTS[inputs.chart], `known jetstack chart ${inputs.chart}`);
            assert.deepEqual(checkValues(inputs.values, CHART_FACTS[inputs.chart]), [], `values of ${resource.name}`);
            checked++;
        }
    }
    return checked;
}

describe("mode cert-manager, cacerts delivery", () => {
    let plan: PlanResult;
    before(async () => {
        plan = await planStack({ stack: "cert-manager", configFile: findStackConfigFile("cert-manager") });
    });

    it("installs cert-manager with its CRDs kept, in its own namespace", () => {
        const certManager = release(plan, "cert-manager");
        assert.equal(certManager.inputs.version, "v1.21.1");
        assert.equal(certManager.inputs.namespace, "cert-manager");
        assert.equal((certManager.inputs.repositoryOpts as any).repo, "https://charts.jetstack.io");
        assert.deepEqual((certManager.inputs.values as any).crds, { enabled: true, keep: true });
        assert.equal((certManager.inputs.values as any).featureGates, undefined, "no CSR signer unless a strategy asks");
        assert.ok(certManager.dependsOn.includes("cert-manager-namespace"), certManager.dependsOn.join(","));
    });

    it("puts the generated root into a protected kubernetes.io/tls Secret in the cluster resource namespace, key as a secret", () => {
        const secret = byName(plan, "istio-ca-root-ca");
        assert.equal(secret.inputs.type, "kubernetes.io/tls");
        assert.equal((secret.inputs.metadata as any).namespace, "cert-manager");
        const data = secret.inputs.stringData as Record<string, string>;
        assert.equal(data["tls.key"], "[secret]");
        const root = new X509Certificate(data["tls.crt"]);
        assert.ok(root.ca);
        assert.equal(pathLength(data["tls.crt"]), 1);
        assert.ok(secret.protect);
        const protectedNames = plan.resources
            .filter((r) => r.protect)
            .map((r) => r.name)
            .sort();
        assert.deepEqual(protectedNames, ["cert-manager-root-primary", "cert-manager-root-primary-key", "istio-ca-root-ca"]);
    });

    it("creates the CA ClusterIssuer on that Secret after the cert-manager release", () => {
        const resource = byName(plan, "istio-ca-root-issuer");
        assert.equal(resource.type, CLUSTER_ISSUER);
        assert.equal((resource.inputs as any).metadata.name, "istio-ca-root");
        assert.deepEqual((resource.inputs as any).spec, { ca: { secretName: "istio-ca-root-ca" } });
        assert.ok(waitsFor(plan, "istio-ca-root-issuer").has("cert-manager-release"), "the issuer waits for the CRDs");
        assert.ok(waitsFor(plan, "istio-ca-root-issuer").has("istio-ca-root-ca"), "and for its Secret");
    });

    it("issues istiod's cacerts intermediate from the model's intermediate settings", () => {
        const certificates = byType(plan, CERTIFICATE);
        assert.equal(certificates.length, 1);
        const cacerts = certificates[0].inputs as any;
        assert.deepEqual(cacerts.metadata.namespace, "istio-system");
        assert.equal(cacerts.metadata.name, "cacerts");
        assert.equal(cacerts.metadata.annotations["pulumi.com/waitFor"], "condition=Ready");
        assert.equal(cacerts.spec.secretName, "cacerts");
        assert.equal(cacerts.spec.isCA, true);
        assert.equal(cacerts.spec.duration, "8760h");
        assert.equal(cacerts.spec.renewBefore, "720h");
        assert.deepEqual(cacerts.spec.privateKey, { algorithm: "ECDSA", size: 256, rotationPolicy: "Always", encoding: "PKCS8" });
        assert.deepEqual(cacerts.spec.usages, ["cert sign", "crl sign", "digital signature"]);
        assert.deepEqual(cacerts.spec.issuerRef, { name: "istio-ca-root", kind: "ClusterIssuer", group: "cert-manager.io" });
        const waits = waitsFor(plan, certificates[0].name);
        assert.ok(waits.has("istio-ca-root-issuer") && waits.has("cert-manager-release") && waits.has("istio-system"));
    });

    it("installs istiod after the cacerts Certificate, with no CA address override", () => {
        const istiod = release(plan, "istiod");
        assert.ok(istiod.dependsOn.includes("istiod-cacerts-certificate"), istiod.dependsOn.join(","));
        const values = istiod.inputs.values as any;
        assert.equal(values.global, undefined);
        assert.equal(values.env.ENABLE_CA_SERVER, undefined, "istiod stays the CA");
        assert.equal(values.meshConfig.trustDomain, "prod.example.com");
    });

    it("outputs the real root fingerprint and bundle", () => {
        const rootPem = (byName(plan, "istio-ca-root-ca").inputs.stringData as Record<string, string>)["tls.crt"];
        assert.deepEqual(plan.outputs.trustedRootFingerprints, [sha256Fingerprint(rootPem)]);
        assert.equal(plan.outputs.signingRootFingerprint, sha256Fingerprint(rootPem));
        assert.equal(plan.outputs.trustBundle, rootPem);
    });

    it("emits only schema-valid custom resources and chart values, and no trust-manager or istio-csr", () => {
        assert.equal(assertSchemaValid(plan), 5, "2 custom resources, the cacerts policy, and the cert-manager and approver-policy releases");
        assert.equal(byType(plan, RELEASE).length, 4, "istio base, istiod, cert-manager and approver-policy");
        assert.ok(!JSON.stringify(plan).includes("PRIVATE KEY"));
    });
});

describe("mode cert-manager, istio-csr delivery", () => {
    let plan: PlanResult;
    before(async () => {
        plan = await planStack({ stack: "cert-manager-istio-csr", configFile: findStackConfigFile("cert-manager-istio-csr") });
    });

    it("signs workloads through a namespaced intermediate Issuer in istio-system", () => {
        const intermediate = byType(plan, CERTIFICATE)[0].inputs as any;
        assert.equal(intermediate.metadata.namespace, "istio-system");
        assert.equal(intermediate.spec.secretName, "istio-ca-intermediate");
        assert.equal(intermediate.spec.issuerRef.name, "istio-ca-root");
        const issuer = byType(plan, "kubernetes:cert-manager.io/v1:Issuer")[0];
        assert.deepEqual((issuer.inputs as any).metadata.name, "istio-ca");
        assert.deepEqual((issuer.inputs as any).spec, { ca: { secretName: "istio-ca-intermediate" } });
        assert.ok(waitsFor(plan, issuer.name).has(byType(plan, CERTIFICATE)[0].name));
    });

    it("configures istio-csr with the issuer, trust domain, max duration and the bundle as root CA file", () => {
        const istioCsr = release(plan, "cert-manager-istio-csr");
        assert.equal(istioCsr.inputs.version, "v0.17.0");
        assert.equal(istioCsr.inputs.namespace, "cert-manager");
        const values = istioCsr.inputs.values as any;
        assert.deepEqual(values.app.certmanager, { namespace: "istio-system", issuer: { name: "istio-ca", kind: "Issuer", group: "cert-manager.io" } });
        assert.equal(values.app.tls.trustDomain, "prod.example.com");
        assert.equal(values.app.server.maxCertificateDuration, "48h");
        assert.equal(values.app.tls.rootCAFile, "/var/run/secrets/istio-csr/ca.pem");
        const bundle = byType(plan, "kubernetes:trust.cert-manager.io/v1alpha1:Bundle")[0].inputs as any;
        assert.equal(values.volumes[0].configMap.name, bundle.metadata.name, "istio-csr mounts the Bundle's target ConfigMap");
        assert.equal(bundle.spec.target.configMap.key, "ca.pem");
        // The Bundle CRD's status condition is Synced; waiting for Ready would never finish.
        assert.equal(bundle.metadata.annotations["pulumi.com/waitFor"], "condition=Synced");
        assert.deepEqual(bundle.spec.target.namespaceSelector.matchExpressions[0].values, ["cert-manager"]);
    });

    it("sources the bundle from a program-owned ConfigMap holding the known root", () => {
        const source = byName(plan, "mesh-trust-source");
        const bundle = byType(plan, "kubernetes:trust.cert-manager.io/v1alpha1:Bundle")[0].inputs as any;
        assert.equal((source.inputs.metadata as any).namespace, "cert-manager", "trust-manager's trust namespace");
        assert.deepEqual(bundle.spec.sources, [{ configMap: { name: (source.inputs.metadata as any).name, key: "ca.pem" } }]);
        const rootPem = (byName(plan, "istio-ca-root-ca").inputs.stringData as Record<string, string>)["tls.crt"];
        assert.equal((source.inputs.data as Record<string, string>)["ca.pem"], rootPem);
        assert.equal(plan.outputs.trustBundle, rootPem);
        assert.equal(plan.outputs.signingRootFingerprint, sha256Fingerprint(rootPem));
        assert.equal((release(plan, "trust-manager").inputs.values as any).app.trust.namespace, "cert-manager");
    });

    it("orders cert-manager -> issuers -> trust-manager -> bundle -> istio-csr -> istiod", () => {
        const istioCsr = release(plan, "cert-manager-istio-csr").name;
        const istiod = release(plan, "istiod");
        assert.ok(istiod.dependsOn.includes(istioCsr), istiod.dependsOn.join(","));
        const csrWaits = waitsFor(plan, istioCsr);
        for (const name of ["cert-manager-release", "istio-ca-root-issuer", "istio-csr-intermediate-issuer", "mesh-trust-bundle", "mesh-trust-source", "trust-manager-release"])
            assert.ok(csrWaits.has(name), `istio-csr waits for ${name}`);
        assert.ok(waitsFor(plan, "trust-manager-release").has("cert-manager-release"), "trust-manager's webhook certificate comes from cert-manager");
    });

    it("points istiod at istio-csr and turns off its CA server", () => {
        const values = release(plan, "istiod").inputs.values as any;
        assert.equal(values.global.caAddress, "cert-manager-istio-csr.cert-manager.svc:443");
        assert.equal(values.env.ENABLE_CA_SERVER, "false");
    });

    it("emits only schema-valid custom resources and chart values", () => {
        assert.equal(assertSchemaValid(plan), 12, "4 custom resources, 4 policies and 4 jetstack releases");
    });
});

describe("mode cert-manager with an in-cluster root", () => {
    it("mints a protected self-signed root Certificate and reports no root it cannot know", async () => {
        const plan = await planConfig({ caMode: "cert-manager", certManagerRoot: "in-cluster", certManagerServiceMonitor: "true" });
        assert.equal(plan.resources.filter((r) => r.type.startsWith("tls:")).length, 0);
        const issuers = byType(plan, CLUSTER_ISSUER).map((r) => r.inputs as any);
        assert.deepEqual(issuers.map((i) => [i.metadata.name, Object.keys(i.spec)[0]]).sort(), [
            ["istio-ca-root", "ca"],
            ["istio-ca-root-selfsigned", "selfSigned"],
        ]);
        const root = byType(plan, CERTIFICATE).find((r) => (r.inputs as any).metadata.namespace === "cert-manager")!;
        const spec = (root.inputs as any).spec;
        assert.ok(root.protect);
        assert.equal(spec.isCA, true);
        assert.equal(spec.issuerRef.name, "istio-ca-root-selfsigned");
        assert.equal(spec.duration, "87600h");
        assert.equal(spec.privateKey.rotationPolicy, "Never");
        assert.equal(spec.privateKey.size, 384);
        assert.equal(issuers.find((i) => i.metadata.name === "istio-ca-root").spec.ca.secretName, spec.secretName);
        assert.ok(waitsFor(plan, "istio-ca-root-issuer").has(root.name));
        assert.equal((release(plan, "cert-manager").inputs.values as any).prometheus.servicemonitor.enabled, true);
        assert.deepEqual(plan.outputs.trustedRootFingerprints, []);
        assert.equal(plan.outputs.signingRootFingerprint, null);
        assert.equal(assertSchemaValid(plan), 8, "5 custom resources, the root and cacerts policies, and the cert-manager and approver-policy releases");
    });
});

describe("mode cert-manager with an existing root", () => {
    it("hands the given root to the CA ClusterIssuer and generates none", async () => {
        const root = await corpRoot({ key: { algorithm: "ECDSA", ecdsaCurve: "P384" } });
        const plan = await planConfig({ caMode: "cert-manager", existingRootCert: root.certPem, existingRootKey: root.keyPem }, { secretKeys: ["existingRootKey"] });
        assert.equal(plan.resources.filter((r) => r.type.startsWith("tls:")).length, 0);
        const data = byName(plan, "istio-ca-root-ca").inputs.stringData as Record<string, string>;
        assert.equal(data["tls.crt"], root.certPem);
        assert.equal(data["tls.key"], "[secret]");
        assert.ok(!JSON.stringify(plan).includes(root.keyPem.split("\n")[1]), "no line of the root key leaks");
        assert.equal(plan.outputs.signingRootFingerprint, sha256Fingerprint(root.certPem));
    });
});
