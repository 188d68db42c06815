import { strict as assert } from "assert";
import { PlanResult, PlannedResource } from "../plan/engine";
import { CNI_CHART, CNI_RELEASE, ZTUNNEL_CHART, ZTUNNEL_RELEASE, cniValues, ztunnelValues } from "../src/ambientValues";
import { istioCsrValues } from "../src/certManagerValues";
import { RA_ROOTS_ANNOTATION, RA_ROOT_CERT_DIR, RA_ROOT_CERT_KEY, raRootFileValues, rootsDigest } from "../src/kubernetesSigner";
import { istiodValues } from "../src/istioValues";
import { splitPemCertificates } from "../src/pki";
import { checkCniValues, checkZtunnelValues, profileOverrides } from "./ambientValueFacts";
import { ISTIO_CSR_VALUE_PATHS, checkValues } from "./chartValueFacts";
import { byType, planConfig } from "./helpers";
import { checkIstiodValues } from "./istiodValueFacts";
import { VAULT_BASE } from "./vaultTypes";

const WORKLOAD_CERTS = { ttlMs: 12 * 3600000, maxTtlMs: 24 * 3600000, gracePeriodRatio: 0.5 };

const release = (plan: PlanResult, chart: string): PlannedResource | undefined =>
    byType(plan, "kubernetes:helm.sh/v3:Release").find((r) => (r.inputs as Record<string, unknown>).chart === chart);
const values = (resource: PlannedResource | undefined) => (resource?.inputs as Record<string, any> | undefined)?.values as Record<string, any>;

describe("ambient chart values", () => {
    it("selects the ambient profile in istiod, cni and ztunnel, and nothing the profile sets differently", () => {
        const istiod = istiodValues({ trustDomain: "td", workloadCerts: WORKLOAD_CERTS, ca: {}, dataPlane: "ambient" });
        assert.equal(istiod.profile, "ambient");
        assert.equal(istiodValues({ trustDomain: "td", workloadCerts: WORKLOAD_CERTS, ca: {} }).profile, undefined, "sidecar: no profile");
        assert.equal(istiodValues({ trustDomain: "td", workloadCerts: WORKLOAD_CERTS, ca: {}, dataPlane: "sidecar" }).profile, undefined);
        assert.deepEqual(cniValues(), { profile: "ambient" });
        for (const chartValues of [istiod, cniValues(), ztunnelValues({ workloadCertTtlMs: WORKLOAD_CERTS.ttlMs })]) assert.deepEqual(profileOverrides(chartValues), []);
        assert.deepEqual(checkIstiodValues(istiod), []);
        assert.deepEqual(checkCniValues(cniValues()), []);
    });

    it("has ztunnel request the workload certificate lifetime, from istiod unless given another CA", () => {
        assert.deepEqual(ztunnelValues({ workloadCertTtlMs: 12 * 3600000 }), { profile: "ambient", env: { SECRET_TTL: "12h" } });
        assert.deepEqual(ztunnelValues({ workloadCertTtlMs: 90 * 60000, caAddress: "ca.example.svc:443" }), {
            profile: "ambient",
            env: { SECRET_TTL: "90m" },
            caAddress: "ca.example.svc:443",
        });
        assert.deepEqual(checkZtunnelValues({ ...ztunnelValues({ workloadCertTtlMs: 3600000, caAddress: "x:443" }), istioNamespace: "istio-system" }), []);
    });

    it("catches a wrong key, a duplicated variable and a wrong profile in the ztunnel and cni values", () => {
        assert.deepEqual(checkZtunnelValues({ profile: "ambient", trustDomain: "td" }), ["trustDomain: not a ztunnel chart key this program sets"]);
        assert.deepEqual(checkZtunnelValues({ env: { CA_ADDRESS: "x" } }), ["env.CA_ADDRESS: the chart renders it already; a second entry breaks Helm upgrades"]);
        assert.deepEqual(checkZtunnelValues({ env: { WORKLOAD_TTL: "1h" } }), ["env.WORKLOAD_TTL: not a ztunnel 1.30 environment variable this program sets"]);
        assert.deepEqual(checkZtunnelValues({ env: { SECRET_TTL: 3600 } }), ["env.SECRET_TTL: environment values are strings, got 3600"]);
        assert.deepEqual(checkCniValues({ profile: "ambiant" }), ['profile: "ambiant" is not a profile of the chart']);
        assert.deepEqual(checkCniValues({ ambient: { enabled: true } }), ["ambient: not a cni chart key this program sets"]);
        assert.deepEqual(profileOverrides({ env: {}, pilot: { env: { PILOT_ENABLE_AMBIENT: "false" } } }), ["pilot.env.PILOT_ENABLE_AMBIENT"]);
        assert.deepEqual(profileOverrides({ env: { PILOT_ENABLE_AMBIENT: "false" }, ambient: { enabled: false } }), ["env.PILOT_ENABLE_AMBIENT", "ambient.enabled"]);
        assert.deepEqual(profileOverrides({ env: { PILOT_ENABLE_AMBIENT: "true" }, meshConfig: { defaultConfig: { proxyMetadata: { ISTIO_META_ENABLE_HBONE: "true" } } } }), []);
        assert.deepEqual(checkIstiodValues({ profile: "demo" }), ['profile: "demo" is not a profile this program selects (files/profile-ambient.yaml)']);
        assert.deepEqual(checkIstiodValues({ volumes: {} }), ["volumes: the chart renders it as a list (templates/deployment.yaml)"]);
    });

    it("lets istio-csr serve ztunnel's node account only when given one", () => {
        const base = {
            issuer: { name: "istio-ca", kind: "Issuer" as const },
            certificateRequestNamespace: "istio-system",
            istioNamespace: "istio-system",
            trustDomain: "td",
            maxCertificateDuration: "24h",
        };
        assert.equal((istioCsrValues(base).app as any).server.caTrustedNodeAccounts, undefined);
        const ambient = istioCsrValues({ ...base, caTrustedNodeAccounts: ["istio-system/ztunnel"] });
        assert.equal((ambient.app as any).server.caTrustedNodeAccounts, "istio-system/ztunnel");
        assert.deepEqual(checkValues(ambient, ISTIO_CSR_VALUE_PATHS), []);
        assert.equal((istioCsrValues({ ...base, caTrustedNodeAccounts: ["a/b", "c/d"] }).app as any).server.caTrustedNodeAccounts, "a/b,c/d");
    });

    it("mounts the RA's roots where istiod reads them and names their digest in a pod annotation", () => {
        const raValues = raRootFileValues("istio-ca-ra-roots", "d1");
        assert.deepEqual(raValues.volumeMounts, [{ name: "istio-ca-ra-roots", mountPath: "/etc/external-ca-cert", readOnly: true }]);
        assert.deepEqual(raValues.volumes, [{ name: "istio-ca-ra-roots", configMap: { name: "istio-ca-ra-roots", items: [{ key: "root-cert.pem", path: "root-cert.pem" }] } }]);
        assert.deepEqual(raValues.podAnnotations, { [RA_ROOTS_ANNOTATION]: "d1" });
        assert.equal(RA_ROOT_CERT_DIR, "/etc/external-ca-cert");
        assert.equal(RA_ROOT_CERT_KEY, "root-cert.pem");
        assert.deepEqual(checkIstiodValues(istiodValues({ trustDomain: "td", workloadCerts: WORKLOAD_CERTS, ca: raValues })), []);
    });
});

/** Each CA mode and delivery in ambient mode. */
const AMBIENT_MODES: [string, Record<string, string>][] = [
    ["istiod", { caMode: "istiod" }],
    ["plugin", { caMode: "plugin" }],
    ["kubernetes", { caMode: "kubernetes" }],
    ["cert-manager cacerts", { caMode: "cert-manager" }],
    ["cert-manager istio-csr", { caMode: "cert-manager", certManagerDelivery: "istio-csr" }],
    ["vault cacerts", { ...VAULT_BASE }],
    ["vault istio-csr", { ...VAULT_BASE, certManagerDelivery: "istio-csr" }],
];

describe("ambient install in every CA mode (offline plans)", function () {
    this.timeout(120000);
    const plans = new Map<string, { ambient: PlanResult; sidecar: PlanResult }>();
    before(async () => {
        for (const [what, config] of AMBIENT_MODES) {
            const settings = { ...config, workloadCertTtl: "12h", maxWorkloadCertTtl: "24h" };
            plans.set(what, { ambient: await planConfig({ ...settings, dataPlane: "ambient" }), sidecar: await planConfig(settings) });
        }
    });

    for (const [what] of AMBIENT_MODES) {
        it(`${what}: installs cni and ztunnel after istiod, at istiod's version, with the ambient profile`, () => {
            const { ambient, sidecar } = plans.get(what)!;
            const istiod = release(ambient, "istiod")!;
            const cni = release(ambient, CNI_CHART)!;
            const ztunnel = release(ambient, ZTUNNEL_CHART)!;
            assert.ok(cni && ztunnel, "both charts");
            assert.equal(values(istiod).profile, "ambient");
            assert.deepEqual(checkIstiodValues(values(istiod)), []);
            assert.deepEqual(profileOverrides(values(istiod)), []);
            for (const [resource, name] of [
                [cni, CNI_RELEASE],
                [ztunnel, ZTUNNEL_RELEASE],
            ] as const) {
                const inputs = resource.inputs as Record<string, any>;
                assert.equal(inputs.name, name);
                assert.equal(inputs.version, (istiod.inputs as Record<string, any>).version, "the same pinned version");
                assert.equal(inputs.namespace, "istio-system");
                assert.equal(inputs.repositoryOpts.repo, (istiod.inputs as Record<string, any>).repositoryOpts.repo);
                assert.ok(resource.dependsOn.includes(istiod.name), `${name} waits for istiod`);
                assert.equal(resource.parent, "ambient", "a child of the AmbientDataPlane component");
                assert.equal(resource.provider, "kubernetes");
            }
            assert.ok(ztunnel.dependsOn.includes(cni.name), "ztunnel after cni, as Istio installs them");
            assert.deepEqual(checkCniValues(values(cni)), []);
            assert.deepEqual(checkZtunnelValues(values(ztunnel)), []);
            assert.equal(values(ztunnel).env.SECRET_TTL, "12h", "ztunnel requests the workload certificate lifetime");
            assert.equal(values(ztunnel).istioNamespace, "istio-system");
            assert.ok(
                ambient.resources.some((r) => r.type === "istio-ca:istio:AmbientDataPlane" && r.name === "ambient"),
                "the component",
            );
            // Sidecars: none of it.
            assert.equal(release(sidecar, CNI_CHART), undefined);
            assert.equal(release(sidecar, ZTUNNEL_CHART), undefined);
            assert.equal(values(release(sidecar, "istiod")).profile, undefined);
        });
    }

    it("points ztunnel at istio-csr where istio-csr signs, and lets istio-csr sign for ztunnel's node account", () => {
        for (const what of ["cert-manager istio-csr", "vault istio-csr"]) {
            const { ambient, sidecar } = plans.get(what)!;
            const istiodGlobal = values(release(ambient, "istiod")).global;
            assert.equal(values(release(ambient, ZTUNNEL_CHART)).caAddress, istiodGlobal.caAddress, what);
            assert.equal(istiodGlobal.caAddress, "cert-manager-istio-csr.cert-manager.svc:443", what);
            const istioCsr = values(release(ambient, "cert-manager-istio-csr"));
            assert.equal(istioCsr.app.server.caTrustedNodeAccounts, "istio-system/ztunnel", what);
            assert.deepEqual(checkValues(istioCsr, ISTIO_CSR_VALUE_PATHS), [], what);
            assert.equal(values(release(sidecar, "cert-manager-istio-csr")).app.server.caTrustedNodeAccounts, undefined, `${what}: sidecars need no node account`);
        }
        for (const what of ["istiod", "plugin", "kubernetes", "cert-manager cacerts", "vault cacerts"]) {
            assert.equal(values(release(plans.get(what)!.ambient, ZTUNNEL_CHART)).caAddress, undefined, `${what}: ztunnel asks istiod`);
        }
    });

    it("kubernetes: gives istiod's RA every trusted root in the file it appends to ztunnel's certificates, and rolls istiod when they change", () => {
        const { ambient, sidecar } = plans.get("kubernetes")!;
        const configMap = ambient.resources.find((r) => r.type === "kubernetes:core/v1:ConfigMap" && r.parent === "istiod-ra-roots")!;
        assert.ok(configMap, "the RA roots ConfigMap");
        const inputs = configMap.inputs as Record<string, any>;
        assert.equal(inputs.metadata.name, "istio-ca-ra-roots");
        assert.equal(inputs.metadata.namespace, "istio-system");
        const bundle = ambient.outputs.trustBundle as string;
        assert.equal(inputs.data[RA_ROOT_CERT_KEY], bundle, "exactly the trusted roots");
        assert.equal(splitPemCertificates(bundle).length, 1);
        const istiod = release(ambient, "istiod")!;
        assert.deepEqual(values(istiod).volumeMounts, [{ name: "istio-ca-ra-roots", mountPath: RA_ROOT_CERT_DIR, readOnly: true }]);
        assert.equal(values(istiod).volumes[0].configMap.name, "istio-ca-ra-roots");
        assert.deepEqual(values(istiod).podAnnotations, { [RA_ROOTS_ANNOTATION]: rootsDigest(bundle) });
        assert.ok(istiod.dependsOn.includes(configMap.name), "istiod starts after the roots are there");
        // ztunnel's requests name no signer: K8S_SIGNER signs them.
        assert.equal(values(istiod).env.K8S_SIGNER, "clusterissuers.cert-manager.io/istio-mesh-signer");
        assert.ok(!sidecar.resources.some((r) => r.parent === "istiod-ra-roots"), "sidecars: unchanged");
        assert.equal(values(release(sidecar, "istiod")).volumes, undefined);
        for (const what of ["plugin", "cert-manager istio-csr"]) assert.ok(!plans.get(what)!.ambient.resources.some((r) => r.parent === "istiod-ra-roots"), what);
    });

    it("digests roots by their certificates, in order", () => {
        const { ambient } = plans.get("kubernetes")!;
        const pem = ambient.outputs.trustBundle as string;
        const other = plans.get("plugin")!.ambient.outputs.trustBundle as string;
        assert.match(rootsDigest(pem), /^[0-9a-f]{64}$/);
        assert.equal(rootsDigest(pem), rootsDigest(`${pem}\n`), "whitespace does not count");
        assert.notEqual(rootsDigest(pem), rootsDigest(`${pem}${other}`));
        assert.notEqual(rootsDigest(`${pem}${other}`), rootsDigest(`${other}${pem}`));
    });
});
