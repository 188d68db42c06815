import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { PROJECT_DIR } from "../plan/engine";
import { DrillCertificates, RotationPlanSource } from "../drill/certSource";
import { DrillRenewal, DrillResult, runDrill } from "../drill/run";
import { Workload } from "../drill/workload";

/** A short drill on real sockets: the phased rotation loses nothing, the naive swap breaks. */
describe("drill: short run on 127.0.0.1", function () {
    this.timeout(120000);
    let certs: DrillCertificates;
    before(async () => {
        certs = await new RotationPlanSource().load();
    });

    it("keeps every handshake through the phased rotation and fails handshakes in the naive swap", async () => {
        const progress: string[] = [];
        const renewals: DrillRenewal[] = [];
        const result = await runDrill(certs, {
            // Light load and a wide margin (2.5 s phases, renewal after 0.5 s, pushes within 0.3 s),
            // so a busy shared machine (the drill runs servers and clients on one thread) still keeps
            // every handshake within its phase; each uses the certificates of the moment it started.
            workloads: 3,
            rate: 40,
            phaseSeconds: 2.5,
            ttlSeconds: 1,
            propagationMs: 300,
            maxInFlight: 4,
            progressMs: 500,
            onProgress: (p) => progress.push(`${p.scenario}:${p.phase}`),
            onRenewal: (r) => renewals.push(r),
        });

        assert.deepEqual(
            result.phased.phases.map((p) => p.phase),
            ["steady", "trust-both", "sign-new", "retire-old"],
        );
        for (const phase of result.phased.phases) {
            assert.ok(phase.handshakes > 0, `handshakes in phased ${phase.phase}`);
            assert.equal(phase.failures, 0, `phased ${phase.phase} failed: ${JSON.stringify(phase.failureReasons)}`);
            // The premise of the phase length: a handshake ends well within the phase that started it.
            assert.ok(
                phase.maxMs! <= result.settings.phaseMarginMs,
                `phased ${phase.phase}: a handshake took ${phase.maxMs} ms, more than the ${result.settings.phaseMarginMs} ms phase margin`,
            );
        }
        assert.ok(result.phased.total.renewals >= 3 * 4, "every workload renewed in every phase");
        assert.deepEqual(result.phased.overlapProblems, []);

        assert.ok(result.naive.total.handshakes > 0);
        assert.ok(result.naive.total.failures > 0, "the naive swap fails handshakes");
        const swap = result.naive.phases.find((p) => p.phase === "swap")!;
        assert.ok(
            Object.keys(swap.failureReasons).some((reason) => reason.startsWith("unknown CA")),
            JSON.stringify(swap.failureReasons),
        );
        assert.equal(result.naive.phases[0].failures, 0, "no failure before the swap");
        assert.equal(result.naive.overlapProblems.length, 2);

        assert.ok(progress.some((p) => p.startsWith("phased:")) && progress.some((p) => p.startsWith("naive:")));
        // Renewals stop with the run: none starts after its last phase, and each is counted once, in its phase.
        for (const scenario of [result.phased, result.naive]) {
            const own = renewals.filter((r) => r.scenario === scenario.scenario);
            const endMs = scenario.phases.reduce((sum, p) => sum + p.durationMs, 0);
            assert.equal(endMs, 4 * result.settings.phaseSeconds * 1000);
            assert.ok(
                own.every((r) => r.startedMs < endMs),
                `${scenario.scenario}: renewal after the end at ${Math.max(...own.map((r) => r.startedMs))} ms`,
            );
            assert.equal(own.length, scenario.total.renewals);
            assert.deepEqual(
                scenario.phases.map((p) => p.renewals),
                scenario.phases.map((p) => own.filter((r) => r.phase === p.phase).length),
            );
        }
        assert.equal(result.settings.trustDomain, "prod.example.com");
    });

    it("closes every server and socket when it ends", async () => {
        const servers: net.Server[] = [];
        const workloads: Workload[] = [];
        const listen = net.Server.prototype.listen;
        const workloadListen = Workload.prototype.listen;
        net.Server.prototype.listen = function (this: net.Server, ...args: any[]) {
            servers.push(this);
            return (listen as any).apply(this, args);
        } as any;
        Workload.prototype.listen = function (this: Workload) {
            workloads.push(this);
            return workloadListen.apply(this);
        };
        let result: DrillResult;
        try {
            result = await runDrill(certs, { workloads: 2, rate: 20, phaseSeconds: 0.6, ttlSeconds: 0.4, propagationMs: 50 });
        } finally {
            net.Server.prototype.listen = listen;
            Workload.prototype.listen = workloadListen;
        }
        assert.equal(servers.length, 4, "two workloads in each scenario");
        assert.ok(servers.every((server) => !server.listening));
        assert.equal(workloads.length, 4);
        assert.ok(result.phased.total.attempts > 0 && result.naive.total.attempts > 0, "clients opened connections");
        assert.deepEqual(
            workloads.map((workload) => workload.openSockets),
            [0, 0, 0, 0],
            "client and accepted sockets closed",
        );
    });

    it("npm run drill: progress, the side-by-side summary, --json and exit code 0", async () => {
        const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "istio-ca-drill-")), "drill.json");
        const args = [
            "--transpile-only",
            path.join(PROJECT_DIR, "drill", "cli.ts"),
            "--workloads",
            "2",
            "--rate",
            "20",
            "--phase-seconds",
            "2",
            "--ttl-seconds",
            "1",
            "--propagation-ms",
            "300",
            "--json",
            out,
        ];
        const { stdout } = await promisify(execFile)(path.join(PROJECT_DIR, "node_modules", ".bin", "ts-node"), args, { cwd: PROJECT_DIR });
        assert.match(stdout, /\[phased\] .* phase \S+ +handshakes +\d+ +failed 0/);
        assert.match(stdout, /Summary\n +phased +naive\nhandshakes +\d+ +\d+\nfailed handshakes +0 +[1-9]\d*/);
        assert.match(stdout, /OK: the phased rotation completed \d+ handshakes with none failed/);
        const written = JSON.parse(fs.readFileSync(out, "utf8"));
        assert.deepEqual(Object.keys(written), ["settings", "phased", "naive"]);
        assert.equal(written.phased.total.failures, 0);
        assert.ok(written.naive.total.failures > 0);
        assert.ok(!fs.readFileSync(out, "utf8").includes("PRIVATE KEY"), "no key in the drill's JSON");
    });

    it("npm run drill refuses a phase too short for the rotation, exiting 2", async () => {
        const err = await promisify(execFile)(
            path.join(PROJECT_DIR, "node_modules", ".bin", "ts-node"),
            ["--transpile-only", path.join(PROJECT_DIR, "drill", "cli.ts"), "--phase-seconds", "1", "--ttl-seconds", "3"],
            { cwd: PROJECT_DIR },
        ).then(
            () => assert.fail("expected a non-zero exit"),
            (e) => e,
        );
        assert.equal(err.code, 2);
        assert.match(err.stderr, /--phase-seconds 1 is shorter than/);
    });
});
