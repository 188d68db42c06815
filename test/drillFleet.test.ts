import { strict as assert } from "assert";
import { execFile } from "child_process";
import { X509Certificate } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { PROJECT_DIR } from "../plan/engine";
import { FleetCertificates, FleetRotationPlanSource, allRootPems, issuingRoot, rootLabel } from "../drill/certSource";
import { parseDrillArgs } from "../drill/cli";
import { FleetDrillResult, fleetDrillSettings, fleetLayout, fleetNaiveSteps, fleetPhasedSteps, runFleetDrill } from "../drill/fleet";
import { overlapProblems, runScenario } from "../drill/run";
import { FleetStepTrust, checkFleetOverlap, checkRotationOverlap } from "../drill/schedule";
import { Workload } from "../drill/workload";

const step = (name: string, clusters: [string, string[], string][]): FleetStepTrust => ({
    name,
    clusters: clusters.map(([cluster, trustedRoots, signingRoot]) => ({ cluster, trustedRoots, signingRoot })),
});

describe("fleet drill: the overlap rule across clusters", () => {
    it("keeps a rotation whose every phase applies to every cluster at once", () => {
        const phase = (name: string, trusted: string[], signing: string) =>
            step(name, [
                ["east", trusted, signing],
                ["west", trusted, signing],
            ]);
        assert.deepEqual(
            checkFleetOverlap([phase("steady", ["A"], "A"), phase("trust-both", ["A", "B"], "A"), phase("sign-new", ["A", "B"], "B"), phase("retire-old", ["B"], "B")]),
            [],
        );
    });

    it("names the cluster that does not trust another's signer when one cluster moves ahead", () => {
        const problems = checkFleetOverlap([
            step("steady", [
                ["east", ["A"], "A"],
                ["west", ["A"], "A"],
            ]),
            step("swap east", [
                ["east", ["B"], "B"],
                ["west", ["A"], "A"],
            ]),
        ]);
        assert.ok(problems.includes("swap east: east signs with B, which the bundle of west (for east's workloads) does not hold"), problems.join("\n"));
        assert.ok(problems.includes("swap east: west signs with A, which the bundle of east (for west's workloads) does not hold"), problems.join("\n"));
        assert.ok(problems.includes("steady -> swap east: workloads of west still on the steady bundle do not trust B, which signs in east in swap east"), problems.join("\n"));
        // trust-both in one cluster only: the other cluster does not trust the new root when it signs.
        const halfTrustBoth = checkFleetOverlap([
            step("trust-both", [
                ["east", ["A", "B"], "A"],
                ["west", ["A"], "A"],
            ]),
            step("sign-new", [
                ["east", ["A", "B"], "B"],
                ["west", ["A", "B"], "B"],
            ]),
        ]);
        assert.deepEqual(halfTrustBoth, [
            "trust-both -> sign-new: workloads of west still on the trust-both bundle do not trust B, which signs in east in sign-new",
            "trust-both -> sign-new: workloads of west still on the trust-both bundle do not trust B, which signs in west in sign-new",
        ]);
    });

    it("with one cluster, finds what the single-cluster rule finds, step for step", () => {
        const cases = [
            // The naive swap: the old bundle lacks the new signer, the new bundle drops the old one.
            [
                { name: "steady", trustedRoots: ["A"], signingRoot: "A" },
                { name: "swap", trustedRoots: ["B"], signingRoot: "B" },
            ],
            // Within one step: a signer its own bundle does not hold.
            [{ name: "broken", trustedRoots: ["A"], signingRoot: "B" }],
            // Safe.
            [
                { name: "steady", trustedRoots: ["A"], signingRoot: "A" },
                { name: "trust-both", trustedRoots: ["A", "B"], signingRoot: "A" },
            ],
        ];
        // The step (or pair of steps) each problem is about: the text before the first ": ".
        const where = (problems: string[]) => problems.map((p) => p.slice(0, p.indexOf(": "))).sort();
        for (const phases of cases) {
            const fleet = checkFleetOverlap(phases.map((p) => step(p.name, [["east", p.trustedRoots, p.signingRoot]])));
            assert.deepEqual(where(fleet), where(checkRotationOverlap(phases)), phases.map((p) => p.name).join(" -> "));
        }
        assert.deepEqual(checkFleetOverlap([step("broken", [["east", ["A"], "B"]])]), ["broken: east signs with B, which the bundle of east does not hold"]);
    });
});

describe("fleet drill: certificates from stacks/rotation-fleet", function () {
    this.timeout(180000);
    let certs: FleetCertificates;
    before(async () => {
        certs = await new FleetRotationPlanSource().load();
    });

    it("reads each cluster's cacerts in every phase: its own intermediate under the shared roots", () => {
        assert.deepEqual(certs.clusters, ["east", "west"]);
        assert.equal(certs.clusterPhases.length, 4);
        const roots = allRootPems(certs.clusterPhases.flat());
        assert.deepEqual(
            roots.map(rootLabel).map((label) => label.replace(/ \(.*/, "")),
            ['"istio-ca root r2026"', '"istio-ca root r2027"'],
        );
        const [r2026, r2027] = roots;
        const expected = [
            { phase: "steady", trusted: [r2026], signing: r2026 },
            { phase: "trust-both", trusted: [r2026, r2027], signing: r2026 },
            { phase: "sign-new", trusted: [r2026, r2027], signing: r2027 },
            { phase: "retire-old", trusted: [r2027], signing: r2027 },
        ];
        certs.clusterPhases.forEach((perCluster, k) => {
            const [east, west] = perCluster;
            for (const [cluster, phase] of [
                ["east", east],
                ["west", west],
            ] as const) {
                assert.equal(phase.phase, expected[k].phase);
                assert.deepEqual(phase.trustedRootPems, expected[k].trusted, `${expected[k].phase}: ${cluster} trusts the phase's roots`);
                assert.equal(issuingRoot(phase.intermediateCertPem, roots), expected[k].signing, `${expected[k].phase}: ${cluster}'s intermediate from the signing root`);
                assert.match(new X509Certificate(phase.intermediateCertPem).subject, new RegExp(`CN=.* ${cluster}$`, "m"), `${cluster} names its intermediate`);
            }
            assert.notEqual(east.intermediateCertPem, west.intermediateCertPem, `${expected[k].phase}: the clusters' intermediates differ`);
        });
        assert.equal(certs.phases[0], certs.clusterPhases[0][0]);
        assert.match(certs.description, /rotation-fleet-1-steady -> rotation-fleet-2-trust-both -> rotation-fleet-3-sign-new -> rotation-fleet-4-retire-old .*2 clusters/);
    });

    it("keeps the overlap rule across clusters when phased; the naive swap one cluster at a time breaks it, and is refused as a phased run", async () => {
        const layout = fleetLayout(certs);
        assert.deepEqual(overlapProblems(fleetPhasedSteps(certs, 1000), certs, undefined, layout), []);
        const naive = fleetNaiveSteps(certs, 1000);
        assert.equal(
            naive.reduce((sum, s) => sum + s.durationMs, 0),
            fleetPhasedSteps(certs, 1000).reduce((sum, s) => sum + s.durationMs, 0),
            "both scenarios run as long",
        );
        assert.deepEqual(
            naive.map((s) => s.certificates.phase),
            ["steady", "swap east", "swap west", "after-swap"],
        );
        const problems = overlapProblems(naive, certs, undefined, layout);
        assert.ok(
            problems.some((p) => /^swap east: east signs with "istio-ca root r2027" .* which the bundle of west \(for east's workloads\) does not hold$/.test(p)),
            problems.join("\n"),
        );
        await assert.rejects(
            runScenario("fleet-phased", naive, certs, { workloads: 2, rate: 10, phaseSeconds: 1 }, undefined, layout),
            /phases break the overlap rule, so the phased rotation would cut traffic: .*swap east/,
        );
    });

    it("refuses fewer workloads than clusters", () => {
        assert.throws(
            () => fleetDrillSettings({ ...certs, clusters: ["east", "west", "north"] }, { workloads: 2, rate: 10, phaseSeconds: 3 }),
            /--workloads must be at least the number of clusters \(3\)/,
        );
        assert.throws(() => fleetDrillSettings({ ...certs, clusters: ["east"] }, { workloads: 2, rate: 10, phaseSeconds: 3 }), /needs at least two clusters/);
    });

    it("keeps every cross-cluster handshake through the phased rotation, each workload on its own cluster's intermediate; the naive swap one cluster at a time fails", async () => {
        const requests: [string, string][] = [];
        const chains = new Map<string, Set<string>>();
        const { request, update } = Workload.prototype;
        Workload.prototype.request = function (this: Workload, peer: Workload, timeoutMs: number) {
            requests.push([this.spiffeId, peer.spiffeId]);
            return request.call(this, peer, timeoutMs);
        };
        Workload.prototype.update = function (this: Workload, change) {
            if (change.certificate) {
                const intermediate = change.certificate.chainPem.slice(change.certificate.chainPem.indexOf("-----END CERTIFICATE-----") + 26);
                if (!chains.has(this.spiffeId)) chains.set(this.spiffeId, new Set());
                chains.get(this.spiffeId)!.add(intermediate.trim());
            }
            return update.call(this, change);
        };
        let result: FleetDrillResult;
        try {
            result = await runFleetDrill(certs, { workloads: 4, rate: 40, phaseSeconds: 2, ttlSeconds: 1, propagationMs: 300, maxInFlight: 8 });
        } finally {
            Workload.prototype.request = request;
            Workload.prototype.update = update;
        }
        const { phased, naive } = result;
        assert.deepEqual(
            phased.phases.map((p) => p.phase),
            ["steady", "trust-both", "sign-new", "retire-old"],
        );
        for (const phase of phased.phases) {
            assert.ok(phase.handshakes > 0, `handshakes in phased ${phase.phase}`);
            assert.equal(phase.failures, 0, `phased ${phase.phase} failed: ${JSON.stringify(phase.failureReasons)}`);
        }
        assert.ok(phased.total.renewals > 0, "workloads renewed through the rotation");

        assert.ok(naive.total.failures > 0, "the naive swap one cluster at a time fails");
        assert.equal(naive.phases[0].failures, 0, "nothing fails at steady");
        const swapEast = naive.phases.find((p) => p.phase === "swap east")!;
        assert.ok(swapEast.failures > 0, "failures while east has swapped and west has not");
        assert.ok(
            Object.keys(swapEast.failureReasons).every((reason) => reason.startsWith("unknown CA")),
            JSON.stringify(swapEast.failureReasons),
        );

        // Requests only between clusters; each workload's certificates come from its own cluster's intermediates.
        const clusterOf = (spiffeId: string) => /\/sa\/(east|west)-workload-\d+$/.exec(spiffeId)![1];
        assert.ok(requests.length > 0);
        assert.ok(
            requests.every(([from, to]) => clusterOf(from) !== clusterOf(to)),
            "every request crosses clusters",
        );
        const intermediates = (cluster: number) => new Set(certs.clusterPhases.map((perCluster) => perCluster[cluster].intermediateCertPem.trim()));
        assert.equal(chains.size, 4);
        for (const [spiffeId, used] of chains) {
            const own = intermediates(certs.clusters.indexOf(clusterOf(spiffeId)));
            assert.ok(
                [...used].every((pem) => own.has(pem)),
                `${spiffeId} is issued only by its cluster's intermediates`,
            );
        }
        assert.equal(result.settings.clusters.length, 2);
    });

    it("npm run drill -- --source fleet: both scenarios, exit code 0", async function () {
        assert.equal(parseDrillArgs(["--source", "fleet"]).source, "fleet");
        assert.throws(() => parseDrillArgs(["--source", "fleet", "--data-plane", "ambient"]), /--data-plane ambient takes its certificates from stacks\/rotation-ambient\//);
        const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "istio-ca-drill-fleet-")), "drill.json");
        const args = [
            "--transpile-only",
            path.join(PROJECT_DIR, "drill", "cli.ts"),
            "--source",
            "fleet",
            "--workloads",
            "4",
            "--rate",
            "20",
            "--phase-seconds",
            "2",
            "--json",
            out,
        ];
        const { stdout } = await promisify(execFile)(path.join(PROJECT_DIR, "node_modules", ".bin", "ts-node"), args, { cwd: PROJECT_DIR });
        assert.match(stdout, /4 workloads in 2 clusters \(east, west;/);
        assert.match(stdout, /Fleet, phased rotation/);
        assert.match(stdout, /Fleet, naive swap one cluster at a time/);
        assert.match(stdout, /OK: the fleet's phased rotation completed \d+ handshakes with none failed; the naive swap failed [1-9]\d*/);
        const written = JSON.parse(fs.readFileSync(out, "utf8"));
        assert.deepEqual(Object.keys(written), ["settings", "phased", "naive"]);
        assert.ok(!fs.readFileSync(out, "utf8").includes("PRIVATE KEY"), "no key in the drill's JSON");
    });
});
