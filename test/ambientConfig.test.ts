import { strict as assert } from "assert";
import { DATA_PLANES, MIN_AMBIENT_ROTATION_ISTIO_MINOR, ZTUNNEL_RENEWAL_RETRY_SLACK_MS, ztunnelNodeAccount, ztunnelRootRefreshMs } from "../src/ambient";
import { CA_MODES, CA_MODE_RECORDS, CERT_MANAGER_DELIVERIES } from "../src/caModes";
import { parseStackConfig } from "../src/config";
import { rotationTiming } from "../src/rotation";
import { configProblems, onlyConfigProblem, rawConfig } from "./helpers";
import { VAULT_BASE } from "./vaultTypes";

const HOUR = 3600000;

/** The base config of each mode and delivery, at steady. */
const MODES: [string, Record<string, string>][] = [
    ["istiod", { caMode: "istiod" }],
    ["plugin", { caMode: "plugin" }],
    ["kubernetes", { caMode: "kubernetes" }],
    ["cert-manager cacerts", { caMode: "cert-manager" }],
    ["cert-manager cacerts, in-cluster root", { caMode: "cert-manager", certManagerRoot: "in-cluster" }],
    ["cert-manager istio-csr", { caMode: "cert-manager", certManagerDelivery: "istio-csr" }],
    ["vault cacerts", { ...VAULT_BASE }],
    ["vault istio-csr", { ...VAULT_BASE, certManagerDelivery: "istio-csr" }],
];
const ROTATION = { roots: '["r2026","r2027"]', rotationPhase: "trust-both" };

describe("dataPlane config", () => {
    it("defaults to sidecar and takes ambient in every CA mode and delivery at steady", () => {
        assert.deepEqual(DATA_PLANES, ["sidecar", "ambient"]);
        for (const [what, values] of MODES) {
            assert.equal(parseStackConfig(rawConfig(values)).dataPlane, "sidecar", what);
            assert.equal(parseStackConfig(rawConfig({ ...values, dataPlane: "ambient" })).dataPlane, "ambient", what);
        }
    });

    it("refuses a value that is not a data plane, naming the key, the value and the choices", () => {
        for (const bad of ["Ambient", "ztunnel", "sidecar ", ""]) {
            const problem = onlyConfigProblem({ caMode: "plugin", dataPlane: bad }, "dataPlane", { value: JSON.stringify(bad) });
            assert.match(problem.message, /must be one of sidecar, ambient/);
            assert.match(problem.fix, /istio-ca:dataPlane to one of: sidecar, ambient/);
        }
    });

    it("rotates roots in ambient mode where every trusted root reaches ztunnel", () => {
        for (const [what, values] of MODES.filter(([what]) => /plugin|kubernetes|istio-csr/.test(what))) {
            const model = parseStackConfig(rawConfig({ ...values, ...ROTATION, dataPlane: "ambient" }));
            assert.equal(model.rotation.phase, "trust-both", what);
        }
    });

    it("refuses a rotation in ambient mode with a cacerts delivery, giving the record's reason and a fix", () => {
        for (const [what, values] of MODES.filter(([what]) => /^(cert-manager|vault) cacerts$/.test(what))) {
            for (const phase of ["trust-both", "sign-new", "retire-old"]) {
                const problem = onlyConfigProblem({ ...values, ...ROTATION, rotationPhase: phase, dataPlane: "ambient" }, "rotationPhase", { value: JSON.stringify(phase) });
                assert.match(problem.message, /cannot rotate roots under ztunnel with caMode "(cert-manager|vault)" and certManagerDelivery cacerts/, what);
                assert.match(problem.message, /ca\.crt.*meshConfig\.caCertificates, which ztunnel never reads/, what);
                assert.match(problem.fix, /stay at steady.*certManagerDelivery istio-csr.*caMode plugin/, what);
            }
            // The same rotation with sidecars is the one the program has always run.
            assert.equal(parseStackConfig(rawConfig({ ...values, ...ROTATION })).rotation.phase, "trust-both", what);
        }
    });

    it("refuses a rotation in ambient mode on an Istio whose ztunnel cannot take one, and takes ambient at steady there", () => {
        const problem = onlyConfigProblem({ caMode: "plugin", ...ROTATION, dataPlane: "ambient", istioVersion: "1.29.2" }, "istioVersion", { value: '"1.29.2"' });
        assert.match(problem.message, /older than 1\.30.*ztunnel#1679.*before 1\.26 it trusts only the first of several roots/);
        assert.match(problem.fix, /upgrade Istio to 1\.30 or later .* in an update at steady, then rotate/);
        assert.equal(MIN_AMBIENT_ROTATION_ISTIO_MINOR, 30);
        assert.equal(parseStackConfig(rawConfig({ caMode: "plugin", dataPlane: "ambient", istioVersion: "1.24.0" })).istio.version, "1.24.0");
        assert.equal(parseStackConfig(rawConfig({ caMode: "plugin", ...ROTATION, istioVersion: "1.29.2" })).rotation.phase, "trust-both", "sidecars rotate on 1.29");
        assert.equal(parseStackConfig(rawConfig({ caMode: "plugin", ...ROTATION, dataPlane: "ambient", istioVersion: "1.30.0" })).rotation.phase, "trust-both");
    });

    it("refuses pinned hosts in ambient mode, whose workloads have no sidecar to read the pinned files", () => {
        const pinnedHosts = [{ host: "payments.prod.svc.cluster.local", clientNamespace: "checkout", serviceAccounts: ["prod/payments"] }];
        const problem = onlyConfigProblem({ caMode: "plugin", dataPlane: "ambient", pinnedHosts }, "pinnedHosts");
        assert.match(problem.message, /ztunnel applies no DestinationRule TLS settings/);
        assert.match(problem.fix, /pulumi config rm istio-ca:pinnedHosts.*dataPlane sidecar/);
        assert.equal(parseStackConfig(rawConfig({ caMode: "plugin", pinnedHosts })).meshPolicy.pinnedHosts.length, 1);
        const fallbacks = [{ namespace: "legacy", reason: "batch jobs without ztunnel until 2027" }];
        assert.equal(parseStackConfig(rawConfig({ caMode: "plugin", dataPlane: "ambient", permissiveFallbacks: fallbacks })).meshPolicy.permissiveFallbacks.length, 1);
    });

    it("reports every problem of an ambient config at once", () => {
        const problems = configProblems({
            caMode: "cert-manager",
            ...ROTATION,
            dataPlane: "ambient",
            istioVersion: "1.28.0",
            pinnedHosts: [{ host: "a.b.svc.cluster.local", clientNamespace: "c", serviceAccounts: ["b/a"] }],
        });
        assert.deepEqual(problems.map((p) => p.key).sort(), ["istio-ca:istioVersion", "istio-ca:pinnedHosts", "istio-ca:rotationPhase"]);
    });
});

describe("CA mode records: what ztunnel gets", () => {
    it("says for every mode and delivery which roots ztunnel takes, and refuses rotation only where they are not every trusted root", () => {
        for (const mode of CA_MODES) {
            const record = CA_MODE_RECORDS[mode];
            for (const delivery of record.deliveries.length > 0 ? record.deliveries : CERT_MANAGER_DELIVERIES.slice(0, 1)) {
                const facts = record.ambient(delivery);
                const at = `${mode} ${delivery}`;
                assert.ok(facts.peerRoots.length > 10, at);
                // Only the RA appends a root file istiod reads at start.
                assert.equal(facts.raRootFile, record.workloadSigner(delivery) === "kubernetes-csr", at);
                if (facts.rotationRefusal) {
                    assert.ok(record.rotatesRoots, `${at}: a refusal of rotation where the mode rotates`);
                    assert.equal(record.workloadSigner(delivery), "istiod", `${at}: istiod's CA root is cacerts' ca.crt`);
                    assert.ok(facts.rotationRefusal.reason.length > 40 && facts.rotationRefusal.fix.length > 20, at);
                }
            }
        }
        const refused = CA_MODES.flatMap((mode) => CA_MODE_RECORDS[mode].deliveries.filter((d) => CA_MODE_RECORDS[mode].ambient(d).rotationRefusal).map((d) => `${mode}/${d}`));
        assert.deepEqual(refused, ["cert-manager/cacerts", "vault/cacerts"]);
        assert.equal(CA_MODE_RECORDS.plugin.ambient("cacerts").rotationRefusal, undefined);
        assert.equal(CA_MODE_RECORDS.kubernetes.ambient("cacerts").rotationRefusal, undefined);
    });
});

describe("ztunnel's root refresh in the guard's timing", () => {
    const model = (caMode: string, delivery: string | undefined, dataPlane: string | undefined, maxTtlMs = 24 * HOUR) =>
        ({
            caMode,
            certManager: delivery ? { delivery } : undefined,
            workloadCerts: { ttlMs: maxTtlMs / 2, maxTtlMs, gracePeriodRatio: 0.5 },
            rotation: { propagationDelayMs: HOUR },
            dataPlane,
        }) as unknown as Parameters<typeof rotationTiming>[0];

    it("is half the longest workload certificate, rounded up, plus 15 minutes of retries", () => {
        assert.equal(ZTUNNEL_RENEWAL_RETRY_SLACK_MS, 15 * 60000);
        assert.equal(ztunnelRootRefreshMs(24 * HOUR), 12 * HOUR + 15 * 60000);
        assert.equal(ztunnelRootRefreshMs(48 * HOUR), 24 * HOUR + 15 * 60000);
        assert.equal(ztunnelRootRefreshMs(3), 2 + 15 * 60000);
        assert.throws(() => ztunnelRootRefreshMs(0), /must be positive/);
        assert.throws(() => ztunnelRootRefreshMs(Number.NaN), /must be positive/);
    });

    it("is added to the wait before a new root signs in ambient mode only, from maxWorkloadCertTtl, leaving the rest as with sidecars", () => {
        for (const [caMode, delivery] of [
            ["plugin", undefined],
            ["kubernetes", undefined],
            ["cert-manager", "istio-csr"],
            ["vault", "istio-csr"],
            ["vault", "cacerts"],
        ] as const) {
            const sidecar = rotationTiming(model(caMode, delivery, undefined));
            assert.equal(sidecar.peerRootRefreshMs, undefined, `${caMode}: no ztunnel, no wait of its own`);
            assert.deepEqual(rotationTiming(model(caMode, delivery, "sidecar")), sidecar);
            assert.deepEqual(rotationTiming(model(caMode, delivery, "ambient")), { ...sidecar, peerRootRefreshMs: 12 * HOUR + 15 * 60000 }, caMode);
        }
        assert.equal(rotationTiming(model("plugin", undefined, "ambient", 48 * HOUR)).peerRootRefreshMs, 24 * HOUR + 15 * 60000);
    });

    it("names ztunnel's node account as istiod's chart and istio-csr take it", () => {
        assert.equal(ztunnelNodeAccount("istio-system"), "istio-system/ztunnel");
    });
});
