import { strict as assert } from "assert";
import * as net from "net";
import { RotationPlanSource } from "../drill/certSource";
import { runDrill } from "../drill/run";

/** A short drill on real sockets: the phased rotation loses nothing, the naive swap breaks. */
describe("drill: short run on 127.0.0.1", function () {
    this.timeout(120000);

    it("keeps every handshake through the phased rotation and fails handshakes in the naive swap", async () => {
        const certs = await new RotationPlanSource().load();
        const progress: string[] = [];
        const result = await runDrill(certs, {
            workloads: 3,
            rate: 60,
            phaseSeconds: 2,
            ttlSeconds: 1,
            propagationMs: 300,
            progressMs: 500,
            onProgress: (p) => progress.push(`${p.scenario}:${p.phase}`),
        });

        assert.deepEqual(result.phased.phases.map((p) => p.phase), ["steady", "trust-both", "sign-new", "retire-old"]);
        for (const phase of result.phased.phases) {
            assert.ok(phase.handshakes > 0, `handshakes in phased ${phase.phase}`);
            assert.equal(phase.failures, 0, `phased ${phase.phase} failed: ${JSON.stringify(phase.failureReasons)}`);
            assert.ok(phase.p50Ms !== undefined && phase.p99Ms! >= phase.p50Ms!);
        }
        assert.ok(result.phased.total.renewals >= 3 * 4, "every workload renewed in every phase");
        assert.deepEqual(result.phased.overlapProblems, []);

        assert.ok(result.naive.total.handshakes > 0);
        assert.ok(result.naive.total.failures > 0, "the naive swap fails handshakes");
        const swap = result.naive.phases.find((p) => p.phase === "swap")!;
        assert.ok(Object.keys(swap.failureReasons).some((reason) => reason.startsWith("unknown CA")), JSON.stringify(swap.failureReasons));
        assert.equal(result.naive.phases[0].failures, 0, "no failure before the swap");
        assert.equal(result.naive.overlapProblems.length, 2);

        assert.ok(progress.some((p) => p.startsWith("phased:")) && progress.some((p) => p.startsWith("naive:")));
        assert.equal(result.settings.trustDomain, "prod.example.com");
    });

    it("closes every server when it ends", async () => {
        const certs = await new RotationPlanSource().load();
        const servers: net.Server[] = [];
        const listen = net.Server.prototype.listen;
        net.Server.prototype.listen = function (this: net.Server, ...args: any[]) {
            servers.push(this);
            return (listen as any).apply(this, args);
        } as any;
        try {
            await runDrill(certs, { workloads: 2, rate: 20, phaseSeconds: 0.6, ttlSeconds: 0.4, propagationMs: 50 });
        } finally {
            net.Server.prototype.listen = listen;
        }
        assert.equal(servers.length, 4, "two workloads in each scenario");
        assert.ok(servers.every((server) => !server.listening));
    });
});
