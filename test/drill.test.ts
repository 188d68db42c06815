import { strict as assert } from "assert";
import { X509Certificate } from "crypto";
import { DrillCertificates, PluginPlanSource, RotationPlanSource, allRootPems, issuingRoot, phaseFromPlan, rootLabel, workloadSettingsFromPlan } from "../drill/certSource";
import { naiveSteps, overlapProblems, phasedSteps, drillSettings, runScenario } from "../drill/run";
import { drillVerdict, parseDrillArgs } from "../drill/cli";
import { DrillResult, ScenarioResult } from "../drill/run";
import {
    buildSchedule,
    checkRotationOverlap,
    compressionFactor,
    initialCertificateAges,
    minimumSafePhaseMs,
    phaseIndexAt,
    propagationDelays,
    renewalTime,
} from "../drill/schedule";
import { checkPeerSpiffeId, formatSpiffeId, parseSpiffeId, uriSans } from "../drill/spiffe";
import { PhaseTally, failureReason, percentile } from "../drill/stats";
import { issueWorkloadCertificate } from "../drill/workload";
import { parseStackConfig } from "../src/config";
import { rawConfigFromValues } from "../src/rawConfig";
import { planConfig } from "./helpers";

describe("drill: SPIFFE IDs", () => {
    it("formats and parses Istio workload IDs", () => {
        const id = formatSpiffeId({ trustDomain: "prod.example.com", namespace: "shop", serviceAccount: "cart" });
        assert.equal(id, "spiffe://prod.example.com/ns/shop/sa/cart");
        assert.deepEqual(parseSpiffeId(id), { trustDomain: "prod.example.com", namespace: "shop", serviceAccount: "cart" });
    });

    it("refuses malformed IDs", () => {
        for (const bad of ["spiffe://td/ns/a", "https://td/ns/a/sa/b", "spiffe://TD/ns/a/sa/b", "spiffe://td/ns/a/sa/b/extra", "spiffe://td/sa/b/ns/a"])
            assert.equal(parseSpiffeId(bad), undefined, bad);
        assert.throws(() => formatSpiffeId({ trustDomain: "td", namespace: "a/b", serviceAccount: "c" }), /namespace/);
    });

    it("reads URI SANs from node's subjectaltname text", () => {
        assert.deepEqual(uriSans("DNS:a.example, URI:spiffe://td/ns/a/sa/b, IP Address:127.0.0.1"), ["spiffe://td/ns/a/sa/b"]);
        assert.deepEqual(uriSans(undefined), []);
    });

    it("checks a peer's ID: exactly one SPIFFE URI, the trust domain, the expected ID", () => {
        const san = "URI:spiffe://td/ns/a/sa/b";
        assert.equal(checkPeerSpiffeId(san, { trustDomain: "td", id: "spiffe://td/ns/a/sa/b" }), undefined);
        assert.equal(checkPeerSpiffeId(san, { trustDomain: "td" }), undefined);
        assert.match(checkPeerSpiffeId(san, { trustDomain: "td", id: "spiffe://td/ns/a/sa/c" })!, /not the expected/);
        assert.match(checkPeerSpiffeId(san, { trustDomain: "other" })!, /trust domain "td"/);
        assert.match(checkPeerSpiffeId("DNS:x", { trustDomain: "td" })!, /0 URI SANs/);
        assert.match(checkPeerSpiffeId(`${san}, URI:spiffe://td/ns/a/sa/c`, { trustDomain: "td" })!, /2 URI SANs/);
        assert.match(checkPeerSpiffeId("URI:https://td/x", { trustDomain: "td" })!, /not a SPIFFE workload ID/);
    });
});

describe("drill: schedule and renewal arithmetic", () => {
    it("lays phases back to back and finds the phase at a time", () => {
        const schedule = buildSchedule([
            { name: "a", durationMs: 1000 },
            { name: "b", durationMs: 500 },
        ]);
        assert.deepEqual(schedule, [
            { name: "a", startMs: 0, endMs: 1000 },
            { name: "b", startMs: 1000, endMs: 1500 },
        ]);
        assert.equal(phaseIndexAt(schedule, -1), -1);
        assert.equal(phaseIndexAt(schedule, 0), 0);
        assert.equal(phaseIndexAt(schedule, 999.9), 0);
        assert.equal(phaseIndexAt(schedule, 1000), 1);
        assert.equal(phaseIndexAt(schedule, 5000), 1);
        assert.throws(() => buildSchedule([{ name: "z", durationMs: 0 }]), /phase z/);
    });

    it("renews once (1 - gracePeriodRatio) of the life is used", () => {
        assert.equal(renewalTime(1000, 2000, 0.5), 2000);
        assert.equal(renewalTime(0, 24 * 3600000, 0.25), 18 * 3600000);
        assert.throws(() => renewalTime(0, 1000, 1), /strictly between 0 and 1/);
        assert.throws(() => renewalTime(0, 0, 0.5), /TTL/);
    });

    it("compresses the clock, spreads first certificates and propagation delays", () => {
        assert.equal(compressionFactor(24 * 3600000, 2400), 36000);
        assert.deepEqual(initialCertificateAges(4, 1000), [0, 250, 500, 750]);
        assert.deepEqual(propagationDelays(3, 600), [0, 300, 600]);
        assert.deepEqual(propagationDelays(1, 600), [0]);
    });

    it("needs a phase to outlast one renewal and the slowest config push", () => {
        assert.equal(minimumSafePhaseMs(1200, 900, 250), 1450);
        assert.equal(minimumSafePhaseMs(500, 900, 0), 900);
    });

    it("accepts the four-phase rotation and flags a one-step swap", () => {
        const phased = [
            { name: "steady", trustedRoots: ["old"], signingRoot: "old" },
            { name: "trust-both", trustedRoots: ["old", "new"], signingRoot: "old" },
            { name: "sign-new", trustedRoots: ["old", "new"], signingRoot: "new" },
            { name: "retire-old", trustedRoots: ["new"], signingRoot: "new" },
        ];
        assert.deepEqual(checkRotationOverlap(phased), []);
        const naive = [phased[0], { name: "swap", trustedRoots: ["new"], signingRoot: "new" }];
        const problems = checkRotationOverlap(naive);
        assert.equal(problems.length, 2);
        assert.match(problems[0], /do not trust new/);
        assert.match(problems[1], /drops old/);
        // Signing with the new root before it is trusted everywhere.
        assert.match(checkRotationOverlap([phased[0], { name: "early", trustedRoots: ["old", "new"], signingRoot: "new" }])[0], /steady -> early/);
        assert.match(checkRotationOverlap([{ name: "x", trustedRoots: ["a"], signingRoot: "b" }])[0], /its own trust bundle/);
    });
});

describe("drill: figures", () => {
    it("computes nearest-rank percentiles", () => {
        const values = Array.from({ length: 100 }, (_, i) => 100 - i);
        assert.equal(percentile(values, 50), 50);
        assert.equal(percentile(values, 95), 95);
        assert.equal(percentile(values, 99), 99);
        assert.equal(percentile(values, 100), 100);
        assert.equal(percentile([7], 50), 7);
        assert.equal(percentile([], 50), undefined);
        assert.throws(() => percentile([1], 0), /percentile/);
    });

    it("names failure reasons, preferring the server's verdict", () => {
        assert.equal(failureReason({ code: "UNABLE_TO_GET_ISSUER_CERT_LOCALLY" }), "unknown CA: client rejected the server certificate");
        assert.equal(failureReason({ code: "ECONNRESET" }, { code: "UNABLE_TO_GET_ISSUER_CERT_LOCALLY" }), "unknown CA: server rejected the client certificate");
        assert.equal(failureReason({ code: "ERR_SSL_TLSV1_ALERT_UNKNOWN_CA" }), "unknown CA: server rejected the client certificate");
        assert.equal(failureReason({ code: "ECONNRESET" }, { code: "ERR_SPIFFE_ID" }), "SPIFFE ID: server rejected the client");
        assert.equal(failureReason({ code: "ERR_SPIFFE_ID" }), "SPIFFE ID: client rejected the server");
        assert.equal(failureReason({ code: "ETIMEDOUT" }), "timeout");
        assert.equal(failureReason({ code: "ECONNRESET" }), "connection reset");
    });

    it("tallies a phase", () => {
        const tally = new PhaseTally("p", 2000);
        tally.success(10);
        tally.success(30);
        tally.failure("timeout");
        tally.failure("timeout");
        tally.failure("unknown CA");
        const figures = tally.figures();
        assert.equal(figures.attempts, 5);
        assert.equal(figures.handshakes, 2);
        assert.equal(figures.failures, 3);
        assert.deepEqual(figures.failureReasons, { timeout: 2, "unknown CA": 1 });
        assert.equal(figures.handshakesPerSecond, 1);
        assert.equal(figures.p50Ms, 10);
        assert.equal(figures.p99Ms, 30);
    });
});

describe("drill: verdict", () => {
    const scenario = (name: "phased" | "naive", ok: number, failed: number, latencyMs = 5): ScenarioResult => {
        const tally = new PhaseTally("total", 1000);
        for (let i = 0; i < ok; i++) tally.success(latencyMs);
        for (let i = 0; i < failed; i++) tally.failure("unknown CA: client rejected the server certificate");
        return { scenario: name, phases: [tally.figures()], total: tally.figures(), overlapProblems: [] };
    };
    // Each scenario ran 1 s: a rate of 10/s asks for about what the tallies hold.
    const result = (phased: ScenarioResult, naive: ScenarioResult, rate = 10) => ({ settings: { phaseMarginMs: 1000, rate }, phased, naive }) as unknown as DrillResult;

    it("passes only when the phased rotation completed handshakes and lost none", () => {
        assert.equal(drillVerdict(result(scenario("phased", 10, 0), scenario("naive", 5, 5))).code, 0);
        assert.match(drillVerdict(result(scenario("phased", 10, 0), scenario("naive", 5, 5))).message, /none failed; the naive swap failed 5/);
        assert.equal(drillVerdict(result(scenario("phased", 10, 1), scenario("naive", 5, 5))).code, 1);
        assert.equal(drillVerdict(result(scenario("phased", 0, 0), scenario("naive", 5, 5))).code, 1);
    });

    it("does not call a run OK when far less than the requested load was offered, and says so", () => {
        const starved = drillVerdict(result(scenario("phased", 10, 0), scenario("naive", 10, 5), 600));
        assert.equal(starved.code, 1);
        assert.match(starved.message, /600 handshakes\/s were requested but only 10\.0\/s were offered.*Lower --rate/);
        assert.equal(drillVerdict(result(scenario("phased", 10, 0), scenario("naive", 5, 5), 12)).code, 0, "at 10/s of 12/s requested (over 80%)");
    });

    it("says when handshakes were slower than the phase margin", () => {
        const verdict = drillVerdict(result(scenario("phased", 10, 1, 1500), scenario("naive", 5, 5)));
        assert.match(verdict.message, /slowest handshake took 1500 ms, more than the 1000 ms/);
        assert.doesNotMatch(drillVerdict(result(scenario("phased", 10, 1, 10), scenario("naive", 5, 5))).message, /slowest/);
    });
});

describe("drill: command line flags", () => {
    it("has small defaults and reads every flag", () => {
        assert.deepEqual(parseDrillArgs([]), { workloads: 6, rate: 200, phaseSeconds: 3, source: "rotation", stack: "plugin", dataPlane: "sidecar" });
        const args = parseDrillArgs([
            "--workloads",
            "3",
            "--rate",
            "50",
            "--phase-seconds",
            "2",
            "--ttl-seconds",
            "1",
            "--propagation-ms",
            "100",
            "--json",
            "out.json",
            "--source",
            "plugin",
            "--stack",
            "dev",
        ]);
        assert.deepEqual(args, {
            workloads: 3,
            rate: 50,
            phaseSeconds: 2,
            ttlSeconds: 1,
            propagationMs: 100,
            source: "plugin",
            stack: "dev",
            json: "out.json",
            dataPlane: "sidecar",
        });
    });

    it("refuses unknown flags, missing and non-numeric values", () => {
        assert.throws(() => parseDrillArgs(["--nope"]), /unknown argument "--nope"/);
        assert.throws(() => parseDrillArgs(["--rate"]), /--rate needs a value/);
        assert.throws(() => parseDrillArgs(["--rate", "fast"]), /--rate must be a number, got "fast"/);
        assert.throws(() => parseDrillArgs(["--source", "vault"]), /--source must be one of rotation, plugin, fleet, got "vault"/);
        assert.throws(() => parseDrillArgs(["--propagation-ms", "-1000"]), /--propagation-ms must be between 0 and 60000, got -1000/);
        assert.throws(() => parseDrillArgs(["--ttl-seconds", "0"]), /--ttl-seconds must be more than 0/);
    });

    it("refuses out-of-range load options before planning anything", () => {
        assert.throws(() => parseDrillArgs(["--workloads", "1", "--rate", "0"]), /--workloads must be an integer from 2 to 64, got 1\n--rate must be between 1 and 5000/);
        assert.throws(() => parseDrillArgs(["--workloads", "2.5"]), /--workloads must be an integer/);
        assert.throws(() => parseDrillArgs(["--phase-seconds", "0"]), /--phase-seconds must be between 0 and 600, got 0/);
    });
});

describe("drill: stack config of the rotation sequence", () => {
    it("keeps only the istio-ca: keys, without the prefix, with their secret flags", () => {
        const values = {
            "istio-ca:caMode": "plugin",
            "istio-ca:trustDomain": "drill.example",
            "istio-ca:vaultToken": "t",
            "kubernetes:context": "kind-drill",
            "istio-ca-other:x": "y",
        };
        const raw = rawConfigFromValues(values, (key) => key === "istio-ca:vaultToken" || key === "kubernetes:context");
        assert.deepEqual(raw.values, { caMode: "plugin", trustDomain: "drill.example", vaultToken: "t" });
        assert.deepEqual([...raw.secretKeys], ["vaultToken"]);
        const model = parseStackConfig(
            rawConfigFromValues({ "istio-ca:caMode": "plugin", "istio-ca:trustDomain": "drill.example", "kubernetes:context": "kind-drill" }, () => false),
        );
        assert.equal(model.trustDomain, "drill.example");
    });
});

describe("drill: certificates from the offline plan", function () {
    this.timeout(60000);
    let plugin: DrillCertificates;
    before(async () => {
        plugin = await new PluginPlanSource("plugin").load();
    });

    it("reads the plug-in CA material from an unredacted plan, and refuses a redacted one", async () => {
        const values = { caMode: "plugin", trustDomain: "drill.example" };
        const redacted = await planConfig(values);
        assert.throws(() => phaseFromPlan(redacted, "steady"), /ca-key.pem is redacted; plan it with revealSecrets: true/);
        const revealed = await planConfig(values, { revealSecrets: true });
        const phase = phaseFromPlan(revealed, "steady");
        assert.equal(phase.trustDomain, "drill.example");
        assert.equal(phase.trustedRootPems.length, 1);
        assert.match(phase.intermediateKeyPem, /PRIVATE KEY/);
        assert.ok(new X509Certificate(phase.intermediateCertPem).checkPrivateKey(require("crypto").createPrivateKey(phase.intermediateKeyPem)));
        assert.equal(issuingRoot(phase.intermediateCertPem, phase.trustedRootPems), phase.trustedRootPems[0]);
        assert.deepEqual(workloadSettingsFromPlan(revealed), { workloadCertTtlMs: 24 * 3600000, gracePeriodRatio: 0.5 });
    });

    it("sequences the plug-in plans into a rotation that keeps the overlap rule; the naive swap breaks it", async () => {
        const certs = plugin;
        assert.deepEqual(
            certs.phases.map((p) => p.phase),
            ["steady", "trust-both", "sign-new", "retire-old"],
        );
        assert.equal(allRootPems(certs.phases).length, 2);
        assert.deepEqual(overlapProblems(phasedSteps(certs, 1000), certs), []);
        assert.equal(overlapProblems(naiveSteps(certs, 1000), certs).length, 2);
        await assert.rejects(
            runScenario("phased", naiveSteps(certs, 1000), certs, { workloads: 2, rate: 10, phaseSeconds: 1 }),
            /phases break the overlap rule, so the phased rotation would cut traffic: steady -> swap/,
        );
        assert.deepEqual(
            naiveSteps(certs, 1000).map((s) => [s.certificates.phase, s.durationMs]),
            [
                ["steady", 1000],
                ["swap", 1000],
                ["after-swap", 2000],
            ],
        );
    });

    it("takes the rotation's phases from the stacks/rotation plans, each root the same certificate from phase to phase", async () => {
        const certs = await new RotationPlanSource().load();
        assert.deepEqual(
            certs.phases.map((p) => p.phase),
            ["steady", "trust-both", "sign-new", "retire-old"],
        );
        const [steady, trustBoth, signNew, retireOld] = certs.phases;
        const roots = allRootPems(certs.phases);
        assert.deepEqual(
            roots.map(rootLabel).map((label) => label.replace(/ \(.*/, "")),
            ['"istio-ca root r2026"', '"istio-ca root r2027"'],
        );
        const [r2026, r2027] = roots;
        assert.deepEqual(steady.trustedRootPems, [r2026]);
        assert.deepEqual(trustBoth.trustedRootPems, [r2026, r2027]);
        assert.deepEqual(signNew.trustedRootPems, [r2026, r2027]);
        assert.deepEqual(retireOld.trustedRootPems, [r2027]);
        assert.equal(issuingRoot(steady.intermediateCertPem, roots), r2026);
        assert.equal(trustBoth.intermediateCertPem, steady.intermediateCertPem, "the intermediate is kept while its root signs");
        assert.equal(issuingRoot(signNew.intermediateCertPem, roots), r2027);
        assert.equal(retireOld.intermediateCertPem, signNew.intermediateCertPem);
        assert.deepEqual(overlapProblems(phasedSteps(certs, 1000), certs), []);
        assert.equal(certs.workloadCertTtlMs, 24 * 3600000);
        assert.match(certs.description, /rotation-1-steady -> rotation-2-trust-both/);
    });

    it("issues workload certificates with the SPIFFE ID, chained to the intermediate", async () => {
        const certs = plugin;
        const phase = certs.phases[0];
        const issued = await issueWorkloadCertificate("spiffe://prod.example.com/ns/a/sa/b", phase.intermediateCertPem, phase.intermediateKeyPem, 24);
        const leaf = new X509Certificate(issued.chainPem);
        assert.equal(leaf.subjectAltName, "URI:spiffe://prod.example.com/ns/a/sa/b");
        assert.equal(leaf.ca, false);
        assert.ok(leaf.verify(new X509Certificate(phase.intermediateCertPem).publicKey));
        assert.ok(issued.chainPem.endsWith(phase.intermediateCertPem));
    });

    it("refuses phases too short for a renewal and a config push, and bad flags", async () => {
        const certs = plugin;
        assert.throws(
            () => drillSettings(certs, { workloads: 3, rate: 50, phaseSeconds: 1, ttlSeconds: 2, propagationMs: 100 }),
            /--phase-seconds 1 is shorter than the 1.25 s a phase needs/,
        );
        assert.throws(() => drillSettings(certs, { workloads: 1, rate: 0, phaseSeconds: 3 }), /--workloads must be an integer from 2 to 64, got 1\n--rate must be between/);
        const settings = drillSettings(certs, { workloads: 3, rate: 50, phaseSeconds: 3 });
        assert.equal(settings.renewAfterSeconds, 1.2);
        assert.equal(settings.clockCompression, 36000);
    });
});
