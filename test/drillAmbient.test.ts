import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { PROJECT_DIR, PlanResult } from "../plan/engine";
import { AmbientDrillResult, ambientDrillSettings, ambientScenarios, ambientTimings, refreshProblems, runAmbientDrill } from "../drill/ambient";
import { AMBIENT_ROTATION_STACKS_DIR, DrillCertificates, RotationPlanSource, issuingRoot, rootLabel, workloadSettingsFromPlan } from "../drill/certSource";
import { ambientDrillVerdict, parseDrillArgs } from "../drill/cli";
import { DrillRenewal, givenRoots, overlapProblems } from "../drill/run";
import { checkZtunnelRefresh, ztunnelRefreshAt } from "../drill/schedule";
import { PhaseTally } from "../drill/stats";
import { Workload } from "../drill/workload";

const HOUR = 3600000;

describe("ambient drill: ztunnel's rules", () => {
    it("renews at half the certificate's life, whatever the grace ratio", () => {
        assert.equal(ztunnelRefreshAt(0, 1000), 500);
        assert.equal(ztunnelRefreshAt(200, 1000), 700);
        assert.throws(() => ztunnelRefreshAt(0, 0), /TTL must be positive/);
    });

    it("lets a root sign only once it has been handed out for a whole renewal interval", () => {
        const phase = (name: string, durationMs: number, trustedRoots: string[], signingRoot: string) => ({ name, durationMs, trustedRoots, signingRoot });
        const rotation = (trustBothMs: number) => [
            phase("steady", 1000, ["A"], "A"),
            phase("trust-both", trustBothMs, ["A", "B"], "A"),
            phase("sign-new", 1000, ["A", "B"], "B"),
            phase("retire-old", 1000, ["B"], "B"),
        ];
        assert.deepEqual(checkZtunnelRefresh(rotation(500), 500), []);
        assert.deepEqual(checkZtunnelRefresh(rotation(499), 500), [
            "trust-both -> sign-new: B signs 499 ms after istiod first hands it out, but ztunnel identities hold it only once renewed, up to 500 ms later (half a certificate's life)",
        ]);
        // Counted from the first step that hands the root out, over several steps.
        const twoSteps = [phase("steady", 1000, ["A"], "A"), phase("a", 300, ["A", "B"], "A"), phase("b", 300, ["A", "B"], "A"), phase("sign-new", 1000, ["A", "B"], "B")];
        assert.deepEqual(checkZtunnelRefresh(twoSteps, 500), []);
        // A root that signs without being handed out first is the overlap rule's to name.
        assert.deepEqual(checkZtunnelRefresh([phase("steady", 1000, ["A"], "A"), phase("swap", 1000, ["B"], "B")], 500), []);
        // A step back to a root handed out all along is no new root.
        assert.deepEqual(checkZtunnelRefresh([phase("sign-new", 1000, ["A", "B"], "B"), phase("trust-both", 10, ["A", "B"], "A")], 500), []);
    });
});

describe("ambient drill: certificates and scenarios from stacks/rotation-ambient", function () {
    this.timeout(120000);
    let certs: DrillCertificates;
    before(async () => {
        certs = await new RotationPlanSource(AMBIENT_ROTATION_STACKS_DIR).load();
    });

    it("reads the ambient stack's guard timing with the certificates", () => {
        assert.equal(certs.dataPlane, "ambient");
        assert.equal(certs.workloadCertTtlMs, 12 * HOUR);
        assert.deepEqual(certs.timing, { oldChainLifetimeMs: 24 * HOUR, propagationDelayMs: HOUR, peerRootRefreshMs: 12.25 * HOUR });
        assert.deepEqual(
            certs.phases.map((p) => p.phase),
            ["steady", "trust-both", "sign-new", "retire-old"],
        );
    });

    it("lays the guard's waits on the compressed clock: trust-both lasts the ambient wait, or only the sidecar wait", () => {
        const options = { workloads: 6, rate: 30, phaseSeconds: 1.5, ttlSeconds: 1 };
        const t = ambientTimings(certs, options);
        assert.equal(t.factor, 12 * 3600);
        assert.equal(t.refreshAfterMs, 500);
        assert.ok(Math.abs(t.signNewWaitMs - (13.25 * HOUR) / t.factor) < 1e-9);
        const scenarios = ambientScenarios(certs, options);
        assert.deepEqual(
            scenarios.guarded.map((s) => Math.round(s.durationMs)),
            [1500, Math.round((13.25 * HOUR) / t.factor), Math.round((25 * HOUR) / t.factor), 1500],
        );
        assert.deepEqual(
            scenarios.sidecarWait.map((s) => Math.round(s.durationMs)),
            [1500, Math.round(HOUR / t.factor), Math.round((25 * HOUR) / t.factor), 1500],
        );
        assert.equal(scenarios.model.caPropagationMs, HOUR / t.factor, "istiod serves a step after the propagation delay");
        assert.deepEqual(refreshProblems(scenarios.guarded, certs, scenarios.model, t.refreshAfterMs), []);
        assert.match(
            refreshProblems(scenarios.sidecarWait, certs, scenarios.model, t.refreshAfterMs).join(),
            /trust-both -> sign-new: .*r2027.* signs 83 ms after istiod first hands it out/,
        );
        assert.deepEqual(overlapProblems(scenarios.guarded, certs, scenarios.model), []);
        assert.equal(overlapProblems(scenarios.caCrt, certs, scenarios.caCrtModel).length, 2, "ca.crt alone: no step trusts both roots");
    });

    it("hands out the signing root alone where a kubernetes.io/tls cacerts would", () => {
        const [steady, trustBoth, signNew] = certs.phases;
        const roots = [...steady.trustedRootPems, ...signNew.trustedRootPems.filter((pem) => !steady.trustedRootPems.includes(pem))];
        assert.deepEqual(givenRoots(trustBoth, roots), trustBoth.trustedRootPems, "sidecars: the pushed bundle");
        assert.deepEqual(givenRoots(trustBoth, roots, { caPropagationMs: 0, csrRoots: "trusted", nodeOf: () => 0 }), trustBoth.trustedRootPems);
        const alone = givenRoots(trustBoth, roots, { caPropagationMs: 0, csrRoots: "signing-root", nodeOf: () => 0 });
        assert.equal(alone.length, 1);
        assert.equal(alone[0], issuingRoot(trustBoth.intermediateCertPem, roots));
        assert.match(rootLabel(givenRoots(signNew, roots, { caPropagationMs: 0, csrRoots: "signing-root", nodeOf: () => 0 })[0]), /r2027/);
    });

    it("refuses a sidecar stack, too few nodes, and phases too short for a renewal", async () => {
        const sidecar = await new RotationPlanSource().load();
        assert.throws(() => ambientTimings(sidecar, { workloads: 6, rate: 30, phaseSeconds: 2 }), /needs an ambient stack's rotation/);
        assert.throws(() => ambientDrillSettings(certs, { workloads: 6, rate: 30, phaseSeconds: 2, nodes: 1 }), /--nodes must be an integer from 2 to --workloads \(6\), got 1/);
        assert.throws(() => ambientDrillSettings(certs, { workloads: 6, rate: 30, phaseSeconds: 2, caPropagationMs: -1 }), /--ca-propagation-ms must be between 0 and 60000/);
        assert.throws(
            () => ambientDrillSettings(certs, { workloads: 6, rate: 30, phaseSeconds: 0.5, ttlSeconds: 1 }),
            /--phase-seconds 0.5 is shorter than the 0\.\d+ s steady and retire-old need/,
        );
        assert.throws(
            () => ambientDrillSettings(certs, { workloads: 6, rate: 30, phaseSeconds: 1, ttlSeconds: 0.3 }),
            /the guard's waits on this clock \(\d+ ms before sign-new, \d+ ms before retire-old\) leave under 250 ms after ztunnel's renewal \(150 ms\): raise --ttl-seconds/,
        );
        const settings = ambientDrillSettings(certs, { workloads: 6, rate: 30, phaseSeconds: 1.5, ttlSeconds: 1 });
        assert.equal(settings.signNewWait, "13h15m");
        assert.equal(settings.retireOldWait, "25h");
        assert.equal(settings.sidecarSignNewWait, "1h");
        assert.ok(settings.marginMs > 500, `${settings.marginMs} ms between the last renewal and the new root signing`);
    });

    it("keeps every handshake through the guarded rotation, and fails handshakes with the sidecar wait and with meshConfig roots, in the same run", async () => {
        const renewals: DrillRenewal[] = [];
        const workloads: Workload[] = [];
        const listen = Workload.prototype.listen;
        Workload.prototype.listen = function (this: Workload) {
            workloads.push(this);
            return listen.apply(this);
        };
        let result: AmbientDrillResult;
        try {
            result = await runAmbientDrill(certs, {
                // Enough load that the unsafe alternatives' short windows see requests; the guard's waits
                // leave over 500 ms after the last renewal, far more than a handshake takes here.
                workloads: 6,
                nodes: 3,
                rate: 80,
                phaseSeconds: 1.5,
                ttlSeconds: 1,
                maxInFlight: 6,
                onRenewal: (r) => renewals.push(r),
            });
        } finally {
            Workload.prototype.listen = listen;
        }
        const { guarded, sidecarWait, caCrt } = result;
        assert.deepEqual(
            guarded.phases.map((p) => p.phase),
            ["steady", "trust-both", "sign-new", "retire-old"],
        );
        for (const phase of guarded.phases) {
            assert.ok(phase.handshakes > 0, `handshakes in guarded ${phase.phase}`);
            assert.equal(phase.failures, 0, `guarded ${phase.phase} failed: ${JSON.stringify(phase.failureReasons)}`);
        }
        assert.deepEqual(guarded.overlapProblems, []);
        assert.deepEqual(guarded.refreshProblems, []);

        // The unsafe alternatives fail, and only where the new root starts signing.
        for (const [name, scenario] of [
            ["sidecar wait", sidecarWait],
            ["ca.crt roots", caCrt],
        ] as const) {
            assert.ok(scenario.total.failures > 0, `${name}: handshakes fail`);
            assert.equal(scenario.phases[0].failures, 0, `${name}: nothing fails at steady`);
            const signNew = scenario.phases.find((p) => p.phase === "sign-new")!;
            assert.ok(signNew.failures > 0, `${name}: failures at sign-new`);
            assert.ok(
                Object.keys(signNew.failureReasons).every((reason) => reason.startsWith("unknown CA")),
                `${name}: ${JSON.stringify(signNew.failureReasons)}`,
            );
        }
        assert.equal(sidecarWait.refreshProblems!.length, 1);
        assert.deepEqual(sidecarWait.overlapProblems, [], "the bundles are right; the timing is not");
        assert.equal(caCrt.overlapProblems.length, 2);

        // Every identity renewed through the guarded rotation, each renewal counted once in its phase.
        const own = renewals.filter((r) => r.scenario === "ambient-guarded");
        assert.equal(own.length, guarded.total.renewals);
        assert.ok(new Set(own.map((r) => r.workload)).size === 6, "all six identities renewed");
        assert.deepEqual(
            guarded.phases.map((p) => p.renewals),
            guarded.phases.map((p) => own.filter((r) => r.phase === p.phase).length),
        );
        assert.equal(workloads.length, 18, "six identities per scenario");
        assert.ok(
            workloads.every((w) => w.openSockets === 0),
            "every socket closed",
        );
        assert.equal(result.settings.nodes, 3);
    });
});

describe("ambient drill: the workload certificate lifetime ztunnel requests", () => {
    const release = (chart: string, values: Record<string, unknown>) => ({ type: "kubernetes:helm.sh/v3:Release", inputs: { chart, values } });
    const plan = (ztunnelTtl?: string) =>
        ({
            stack: "s",
            resources: [
                release("istiod", { meshConfig: { defaultConfig: { proxyMetadata: { SECRET_TTL: "12h", SECRET_GRACE_PERIOD_RATIO: "0.5" } } } }),
                ...(ztunnelTtl ? [release("ztunnel", { env: { SECRET_TTL: ztunnelTtl } })] : []),
            ],
        }) as unknown as PlanResult;

    it("is the proxies' SECRET_TTL, or the plan is refused as a source", () => {
        assert.deepEqual(workloadSettingsFromPlan(plan()), { workloadCertTtlMs: 12 * HOUR, gracePeriodRatio: 0.5 });
        assert.deepEqual(workloadSettingsFromPlan(plan("12h")), { workloadCertTtlMs: 12 * HOUR, gracePeriodRatio: 0.5 });
        assert.throws(() => workloadSettingsFromPlan(plan("24h")), /ztunnel requests SECRET_TTL 24h, not the proxies' 12h/);
    });
});

describe("ambient drill: command line and verdict", () => {
    it("reads --data-plane, --nodes and --ca-propagation-ms, and refuses them out of place", () => {
        assert.deepEqual(parseDrillArgs(["--data-plane", "ambient", "--nodes", "4", "--ca-propagation-ms", "50"]), {
            workloads: 6,
            rate: 200,
            phaseSeconds: 3,
            source: "rotation",
            stack: "plugin",
            dataPlane: "ambient",
            nodes: 4,
            caPropagationMs: 50,
        });
        assert.throws(() => parseDrillArgs(["--data-plane", "ztunnel"]), /--data-plane must be one of sidecar, ambient, got "ztunnel"/);
        assert.throws(() => parseDrillArgs(["--nodes", "3"]), /--nodes only apply with --data-plane ambient/);
        assert.throws(() => parseDrillArgs(["--data-plane", "ambient", "--source", "plugin"]), /--data-plane ambient takes its certificates from stacks\/rotation-ambient\//);
    });

    it("passes only when the guarded rotation completed handshakes and lost none, with enough load offered", () => {
        const scenario = (name: string, ok: number, failed: number) => {
            const tally = new PhaseTally("total", 1000);
            for (let i = 0; i < ok; i++) tally.success(5);
            for (let i = 0; i < failed; i++) tally.failure("unknown CA: server rejected the client certificate");
            return { scenario: name, phases: [tally.figures()], total: tally.figures(), overlapProblems: [] };
        };
        const result = (guarded: number, failed: number, rate = 10) =>
            ({
                settings: { rate },
                guarded: scenario("ambient-guarded", guarded, failed),
                sidecarWait: scenario("ambient-sidecar-wait", 8, 3),
                caCrt: scenario("ambient-ca-crt", 7, 4),
            }) as unknown as AmbientDrillResult;
        assert.equal(ambientDrillVerdict(result(10, 0)).code, 0);
        assert.match(ambientDrillVerdict(result(10, 0)).message, /none failed; sign-new after the sidecar wait failed 3, roots through meshConfig failed 4/);
        assert.equal(ambientDrillVerdict(result(10, 1)).code, 1);
        assert.equal(ambientDrillVerdict(result(0, 0)).code, 1);
        assert.match(ambientDrillVerdict(result(10, 0, 600)).message, /NOT A RESULT/);
    });

    it("npm run drill -- --data-plane ambient: the three scenarios, --json, exit code 0", async function () {
        this.timeout(180000);
        const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "istio-ca-drill-ambient-")), "drill.json");
        const args = [
            "--transpile-only",
            path.join(PROJECT_DIR, "drill", "cli.ts"),
            "--data-plane",
            "ambient",
            "--workloads",
            "4",
            "--nodes",
            "2",
            "--rate",
            "20",
            "--phase-seconds",
            "1.5",
            "--ttl-seconds",
            "1",
            "--json",
            out,
        ];
        const { stdout } = await promisify(execFile)(path.join(PROJECT_DIR, "node_modules", ".bin", "ts-node"), args, { cwd: PROJECT_DIR });
        assert.match(stdout, /4 ztunnel identities on 2 nodes/);
        assert.match(stdout, /guard waits: sign-new 13h15m \(\d+ ms\), retire-old 25h \(\d+ ms\); with sidecars sign-new waits 1h/);
        assert.match(stdout, /Summary\n +guarded +sidecar wait +ca\.crt roots\nhandshakes +\d+ +\d+ +\d+\nfailed handshakes +0 +\d+ +\d+/);
        assert.match(stdout, /OK: the guarded ambient rotation completed \d+ handshakes with none failed/);
        const written = JSON.parse(fs.readFileSync(out, "utf8"));
        assert.deepEqual(Object.keys(written), ["settings", "guarded", "sidecarWait", "caCrt"]);
        assert.equal(written.guarded.total.failures, 0);
        assert.ok(!fs.readFileSync(out, "utf8").includes("PRIVATE KEY"), "no key in the drill's JSON");
    });
});
