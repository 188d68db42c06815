import { strict as assert } from "assert";
import { parseStackConfig } from "../src/config";
import { configProblems, onlyConfigProblem } from "./helpers";
import { caModeRecord } from "../src/caModes";
import { NEXT_PHASES, ROTATION_PHASES, RotationPhase, RotationSettings, bundlesNested, classifyTransition, rootCountFor, rotationPlan, rotationTiming } from "../src/rotation";
import { DesiredRotation, GuardInput, guardRotation } from "../program/rotationGuard";
import { RotationState, adoptUnrotatedState, readPreviousDeployment } from "../program/rotationState";
import { cacertsMeshCaCertificates, rootIssuerName } from "../src/certManagerRotation";
import { legalSteps } from "./rotationSteps";
import { READ, desiredRotation as desired, fromV1, unrotatedV1State } from "./rotationFixtures";

const HOUR = 3600000;
const T0 = new Date("2026-03-01T00:00:00.000Z");
const at = (hoursAfterT0: number) => new Date(T0.getTime() + hoursAfterT0 * HOUR);
const TIMING = { oldChainLifetimeMs: 48 * HOUR, propagationDelayMs: 1 * HOUR };

/** The roots a phase would list in a rotation from r1 to r2, on the given side of it. */
function canonical(phase: RotationPhase, side: "old" | "new" = "old"): RotationSettings {
    if (phase === "steady") return { phase, roots: [side === "old" ? "r1" : "r2"] };
    return { phase, roots: ["r1", "r2"] };
}

/** Expected kind of each from -> to phase pair with canonical roots ("illegal" where refused). */
const EXPECTED: Record<RotationPhase, Record<RotationPhase, string>> = {
    steady: { steady: "unchanged", "trust-both": "start", "sign-new": "illegal", "retire-old": "illegal" },
    "trust-both": { steady: "abort", "trust-both": "unchanged", "sign-new": "advance", "retire-old": "illegal" },
    "sign-new": { steady: "illegal", "trust-both": "rollback", "sign-new": "unchanged", "retire-old": "advance" },
    "retire-old": { steady: "finish", "trust-both": "illegal", "sign-new": "rollback", "retire-old": "unchanged" },
};

describe("rotation plan per phase", () => {
    it("trusts and signs with the right roots in each phase", () => {
        const table = ROTATION_PHASES.map((phase) => {
            const plan = rotationPlan(canonical(phase));
            return [phase, plan.trustedRoots.join("+"), plan.signingRoot, plan.multiRoot, plan.extraTrustedRoots.join("+")];
        });
        assert.deepEqual(table, [
            ["steady", "r1", "r1", false, ""],
            ["trust-both", "r1+r2", "r1", true, "r2"],
            ["sign-new", "r1+r2", "r2", true, "r1"],
            ["retire-old", "r2", "r2", false, ""],
        ]);
        assert.equal(rotationPlan(canonical("steady")).oldRoot, undefined);
        assert.deepEqual([rotationPlan(canonical("sign-new")).oldRoot, rotationPlan(canonical("sign-new")).newRoot], ["r1", "r2"]);
    });

    it("refuses a root list of the wrong length for the phase", () => {
        assert.throws(() => rotationPlan({ phase: "trust-both", roots: ["r1"] }), /needs 2 root/);
        assert.throws(() => rotationPlan({ phase: "steady", roots: ["r1", "r2"] }), /needs 1 root/);
        assert.deepEqual(ROTATION_PHASES.map(rootCountFor), [1, 2, 2, 2]);
    });
});

describe("phase transitions", () => {
    for (const from of ROTATION_PHASES) {
        for (const to of ROTATION_PHASES) {
            const expected = EXPECTED[from][to];
            it(`${from} -> ${to}: ${expected}`, () => {
                // Going to steady from the new-root side of a rotation keeps the new root.
                const target = canonical(to, to === "steady" && (from === "sign-new" || from === "retire-old") ? "new" : "old");
                const verdict = classifyTransition(canonical(from), target);
                if (expected === "illegal") {
                    assert.equal(verdict.legal, false);
                    if (!verdict.legal) {
                        assert.match(verdict.reason, new RegExp(`${from} .* -> ${to}`));
                        assert.match(verdict.fix, /istio-ca:rotationPhase|istio-ca:roots/);
                    }
                } else {
                    assert.deepEqual(verdict, { legal: true, kind: expected });
                    assert.ok(to === from || NEXT_PHASES[from].includes(to));
                }
            });
        }
    }

    it("names the skipped phases", () => {
        const verdict = classifyTransition(canonical("steady"), canonical("retire-old"));
        assert.ok(!verdict.legal && /skips trust-both and sign-new/.test(verdict.reason) && /rotationPhase to trust-both/.test(verdict.fix), JSON.stringify(verdict));
        const back = classifyTransition(canonical("retire-old"), canonical("trust-both"));
        assert.ok(!back.legal && /goes back more than one phase/.test(back.reason));
        const early = classifyTransition(canonical("sign-new"), canonical("steady", "new"));
        assert.ok(!early.legal && /skips retire-old/.test(early.reason) && /rotationPhase to retire-old/.test(early.fix), JSON.stringify(early));
    });

    it("refuses swapping the root in one step, pointing to trust-both", () => {
        const verdict = classifyTransition({ phase: "steady", roots: ["r1"] }, { phase: "steady", roots: ["r2"] });
        assert.ok(
            !verdict.legal && /replaces the root in one step/.test(verdict.reason) && /\[r1, r2\] and istio-ca:rotationPhase to trust-both/.test(verdict.fix),
            JSON.stringify(verdict),
        );
    });

    const badRoots: [string, RotationSettings, RotationSettings, RegExp][] = [
        [
            "a rotation that does not start from the root in use",
            { phase: "steady", roots: ["r1"] },
            { phase: "trust-both", roots: ["r0", "r2"] },
            /first root must be the one in use/,
        ],
        ["the old and new root given in the wrong order", { phase: "steady", roots: ["r1"] }, { phase: "trust-both", roots: ["r2", "r1"] }, /set istio-ca:roots to \[r1, r2\]/],
        ["a new root changed mid-rotation", canonical("trust-both"), { phase: "sign-new", roots: ["r1", "r3"] }, /changes the roots in the middle/],
        ["roots changed within a phase", canonical("sign-new"), { phase: "sign-new", roots: ["r1", "r3"] }, /changes the roots in the middle/],
        ["finishing on the old root", canonical("retire-old"), { phase: "steady", roots: ["r1"] }, /keeps only the new root r2/],
        ["calling off onto the new root", canonical("trust-both"), { phase: "steady", roots: ["r2"] }, /keeps the old root r1/],
    ];
    for (const [what, from, to, message] of badRoots) {
        it(`refuses ${what}`, () => {
            const verdict = classifyTransition(from, to);
            assert.equal(verdict.legal, false);
            if (!verdict.legal) assert.match(`${verdict.reason} ${verdict.fix}`, message);
        });
    }
});

describe("trust bundle continuity", () => {
    it("each legal step's bundle is a superset or a subset of the previous one", () => {
        let legal = 0;
        for (const { from, to } of legalSteps()) {
            legal++;
            const before = rotationPlan(from).trustedRoots;
            const after = rotationPlan(to).trustedRoots;
            assert.ok(bundlesNested(before, after), `${JSON.stringify(from)} -> ${JSON.stringify(to)}: [${before}] vs [${after}]`);
        }
        assert.ok(legal > 20, `${legal} legal steps checked`);
    });

    it("in each legal step, the signing roots before and after are trusted before and after", () => {
        for (const { from, to } of legalSteps()) {
            const [a, b] = [rotationPlan(from), rotationPlan(to)];
            for (const signer of [a.signingRoot, b.signingRoot]) {
                assert.ok(a.trustedRoots.includes(signer) && b.trustedRoots.includes(signer), `${JSON.stringify(from)} -> ${JSON.stringify(to)}: ${signer}`);
            }
        }
    });

    it("bundlesNested: superset, subset, equal, and neither", () => {
        assert.ok(bundlesNested(["a"], ["a", "b"]));
        assert.ok(bundlesNested(["a", "b"], ["b"]));
        assert.ok(bundlesNested(["a", "b"], ["b", "a"]));
        assert.ok(!bundlesNested(["a"], ["b"]));
        assert.ok(!bundlesNested(["a", "b"], ["b", "c"]));
    });
});

/** Runs the guard for a sequence of (settings, hour) steps from a first deployment, returning each verdict. */
function walk(steps: [RotationSettings, number, Partial<DesiredRotation>?][]): ReturnType<typeof guardRotation>[] {
    const verdicts: ReturnType<typeof guardRotation>[] = [];
    let previous: GuardInput["previous"] = { kind: "none" };
    for (const [settings, hour, extra] of steps) {
        const verdict = guardRotation({ previous, desired: desired(settings, extra), timing: TIMING, now: at(hour) });
        verdicts.push(verdict);
        if (!verdict.allowed) break;
        previous = { kind: "state", state: verdict.state };
    }
    return verdicts;
}

function stateOf(verdict: ReturnType<typeof guardRotation>): RotationState {
    if (!verdict.allowed) assert.fail(`refused: ${verdict.problems.join("\n")}`);
    return verdict.state;
}

function problemsOf(verdict: ReturnType<typeof guardRotation>): string {
    if (verdict.allowed) assert.fail(`allowed: ${JSON.stringify(verdict.state)}`);
    return verdict.problems.join("\n");
}

const R = (phase: RotationPhase, roots = phase === "steady" ? ["r1"] : ["r1", "r2"]): RotationSettings => ({ phase, roots });

describe("rotation guard", () => {
    it("starts a first deployment at steady only, unless a mesh mid-rotation is adopted with the override", () => {
        const steady = guardRotation({ previous: { kind: "none" }, desired: desired(canonical("steady")), timing: TIMING, now: T0 });
        assert.equal(steady.allowed && steady.kind, "first-deployment");
        assert.deepEqual(stateOf(steady).phaseStartedAt, { steady: T0.toISOString() });
        for (const phase of ROTATION_PHASES.slice(1)) {
            const refused = guardRotation({ previous: { kind: "none" }, desired: desired(canonical(phase)), timing: TIMING, now: T0 });
            assert.match(problemsOf(refused), new RegExp(`no recorded rotation state, and a first deployment starts at steady, not ${phase}.*rotationOverride adopt-mid-rotation`));
            const adopted = guardRotation({
                previous: { kind: "none" },
                desired: desired(canonical(phase), { override: { name: "adopt-mid-rotation", reason: "state lost in a backend migration" } }),
                timing: TIMING,
                now: T0,
            });
            const state = stateOf(adopted);
            assert.deepEqual(state.phaseStartedAt, { [phase]: T0.toISOString() }, "the adopted phase's waits count from now");
            assert.deepEqual(state.signedUntil, phase === "trust-both" ? {} : { r1: T0.toISOString() }, "the old root stopped signing now, at the latest");
            assert.equal(state.lastOverride?.name, "adopt-mid-rotation");
        }
        const stale = guardRotation({
            previous: { kind: "none" },
            desired: desired(canonical("steady"), { override: { name: "adopt-mid-rotation", reason: "nothing to adopt here" } }),
            timing: TIMING,
            now: T0,
        });
        assert.match(problemsOf(stale), /a first deployment at steady does not need it/);
    });

    it("walks a whole rotation, recording each phase's start only when it changes", () => {
        const verdicts = walk([
            [R("steady"), 0],
            [R("steady"), 5], // a re-run
            [R("trust-both"), 10],
            [R("trust-both"), 10.5],
            [R("sign-new"), 11],
            [R("retire-old"), 11 + 49],
            [R("retire-old"), 70],
            [{ phase: "steady", roots: ["r2"] }, 80],
        ]);
        const states = verdicts.map(stateOf);
        assert.deepEqual(
            verdicts.map((v) => v.allowed && v.kind),
            ["first-deployment", "unchanged", "start", "unchanged", "advance", "advance", "unchanged", "finish"],
        );
        assert.equal(states[1].phaseStartedAt.steady, at(0).toISOString(), "a re-run keeps the recorded time");
        assert.deepEqual(states[3].phaseStartedAt, { steady: at(0).toISOString(), "trust-both": at(10).toISOString() });
        assert.deepEqual(states[4].signedUntil, { r1: at(11).toISOString() });
        assert.equal(states[4].signingRoot, "r2");
        assert.deepEqual(states[6].phaseStartedAt, {
            steady: at(0).toISOString(),
            "trust-both": at(10).toISOString(),
            "sign-new": at(11).toISOString(),
            "retire-old": at(60).toISOString(),
        });
        assert.deepEqual(states[6].trustedRoots, ["r2"]);
        assert.deepEqual(states[7], {
            ...states[7],
            phase: "steady",
            roots: ["r2"],
            trustedRoots: ["r2"],
            signingRoot: "r2",
            phaseStartedAt: { steady: at(80).toISOString() },
            signedUntil: {},
        });
    });

    it("refuses a skipped phase", () => {
        const verdicts = walk([
            [R("steady"), 0],
            [R("sign-new"), 100],
        ]);
        assert.match(problemsOf(verdicts[1]), /skips trust-both/);
    });

    it("refuses sign-new before the new bundle can have reached every proxy, unless overridden", () => {
        const early = walk([
            [R("steady"), 0],
            [R("trust-both"), 10],
            [R("sign-new"), 10.5],
        ]);
        const message = problemsOf(early[2]);
        assert.match(message, /sign-new too early/);
        assert.match(message, new RegExp(at(11).toISOString().replace(/\./g, "\\.")));
        assert.match(message, /rotationOverride sign-new-early/);
        const overridden = walk([
            [R("steady"), 0],
            [R("trust-both"), 10],
            [R("sign-new"), 10.5, { override: { name: "sign-new-early", reason: "drill on a test mesh" } }],
        ]);
        assert.deepEqual(stateOf(overridden[2]).lastOverride, {
            name: "sign-new-early",
            reason: "drill on a test mesh",
            at: at(10.5).toISOString(),
            transition: "trust-both [r1, r2] -> sign-new [r1, r2]",
        });
        assert.ok(
            walk([
                [R("steady"), 0],
                [R("trust-both"), 10],
                [R("sign-new"), 11],
            ])[2].allowed,
            "allowed exactly at the delay",
        );
    });

    it("refuses retire-old while an old-root certificate can still be in use", () => {
        const base: [RotationSettings, number][] = [
            [R("steady"), 0],
            [R("trust-both"), 10],
            [R("sign-new"), 20],
        ];
        const early = walk([...base, [R("retire-old"), 20 + 48]]);
        const message = problemsOf(early[3]);
        assert.match(message, /retire-old too early/);
        assert.match(message, /Root r1 stopped signing at 2026-03-01T20:00:00.000Z/);
        assert.match(message, /until 2026-03-03T21:00:00.000Z \(longest certificate lifetime 48h \+ istio-ca:rotationPropagationDelay 1h\)/);
        assert.match(message, /rotationOverride retire-old-early/);
        assert.ok(walk([...base, [R("retire-old"), 20 + 49]])[3].allowed, "allowed once max TTL + delay have passed");
    });

    it("accepts an early retire-old with the named override and records the reason", () => {
        const verdicts = walk([
            [R("steady"), 0],
            [R("trust-both"), 10],
            [R("sign-new"), 20],
            [R("retire-old"), 21, { override: { name: "retire-old-early", reason: "old root key compromised" } }],
        ]);
        const state = stateOf(verdicts[3]);
        assert.equal(state.lastOverride?.name, "retire-old-early");
        assert.equal(state.lastOverride?.reason, "old root key compromised");
        // The record stays for audit on later runs without the override.
        assert.equal(
            stateOf(guardRotation({ previous: { kind: "state", state }, desired: desired(R("retire-old")), timing: TIMING, now: at(30) })).lastOverride?.reason,
            "old root key compromised",
        );
    });

    it("refuses the wrong override and an override the update does not need", () => {
        const wrong = walk([
            [R("steady"), 0],
            [R("trust-both"), 10],
            [R("sign-new"), 20],
            [R("retire-old"), 21, { override: { name: "sign-new-early", reason: "wrong one here" } }],
        ]);
        const message = problemsOf(wrong[3]);
        assert.match(message, /retire-old too early/);
        assert.match(message, /sign-new-early, but this update .* does not need it/);
        const stale = walk([
            [R("steady"), 0],
            [R("steady"), 1, { override: { name: "retire-old-early", reason: "left over from last time" } }],
        ]);
        assert.match(problemsOf(stale[1]), /does not need it.*pulumi config rm istio-ca:rotationOverride/);
        const first = guardRotation({
            previous: { kind: "none" },
            desired: desired(R("steady"), { override: { name: "change-ca-mode", reason: "nothing to change" } }),
            timing: TIMING,
            now: T0,
        });
        assert.match(problemsOf(first), /a first deployment at steady does not need it/);
    });

    it("makes a rolled-back new root wait out its certificates before the rotation is called off", () => {
        const steps: [RotationSettings, number][] = [
            [R("steady"), 0],
            [R("trust-both"), 10],
            [R("sign-new"), 20],
            [R("trust-both"), 30],
        ];
        const back = walk(steps);
        assert.deepEqual(
            back.map((v) => v.allowed && v.kind),
            ["first-deployment", "start", "advance", "rollback"],
        );
        assert.deepEqual(stateOf(back[3]).signedUntil, { r2: at(30).toISOString() }, "r1 signs again; r2 stopped");
        assert.match(problemsOf(walk([...steps, [R("steady"), 40]])[4]), /Root r2 stopped signing/);
        assert.ok(walk([...steps, [R("steady"), 30 + 49]])[4].allowed);
        // Calling off before the new root signed anything needs no wait.
        assert.ok(
            walk([
                [R("steady"), 0],
                [R("trust-both"), 10],
                [R("steady"), 10.1],
            ])[2].allowed,
        );
    });

    it("keeps the old root's retirement time across a retire-old -> sign-new rollback", () => {
        const verdicts = walk([
            [R("steady"), 0],
            [R("trust-both"), 10],
            [R("sign-new"), 20],
            [R("retire-old"), 70],
            [R("sign-new"), 71],
            [R("retire-old"), 72],
        ]);
        assert.deepEqual(
            verdicts.map((v) => v.allowed && v.kind),
            ["first-deployment", "start", "advance", "advance", "rollback", "advance"],
        );
        assert.equal(stateOf(verdicts[5]).phaseStartedAt["sign-new"], at(71).toISOString());
    });

    it("refuses a change of caMode on a live mesh, and mid-rotation even with the override", () => {
        const [first] = walk([[R("steady"), 0]]);
        const previous = { kind: "state" as const, state: stateOf(first) };
        const toIstiod = desired({ phase: "steady", roots: [] }, { caMode: "istiod", rotating: false, rootSources: {}, multiRootEnabled: false });
        assert.match(problemsOf(guardRotation({ previous, desired: toIstiod, timing: TIMING, now: at(1) })), /caMode changes from plugin to istiod on a live mesh.*trust/);
        const allowed = guardRotation({
            previous,
            desired: { ...toIstiod, override: { name: "change-ca-mode", reason: "decommissioning the plug-in CA" } },
            timing: TIMING,
            now: at(1),
        });
        assert.equal(allowed.allowed && allowed.kind, "change-ca-mode");
        assert.deepEqual(stateOf(allowed).roots, []);

        const [, midRotation] = walk([
            [R("steady"), 0],
            [R("trust-both"), 10],
        ]);
        const mid = guardRotation({
            previous: { kind: "state", state: stateOf(midRotation) },
            desired: { ...toIstiod, override: { name: "change-ca-mode", reason: "decommissioning the plug-in CA" } },
            timing: TIMING,
            now: at(20),
        });
        assert.match(problemsOf(mid), /while a rotation is in progress/);
    });

    it("refuses istiod -> plugin without the override, explaining how to keep the root", () => {
        const previous = readPreviousDeployment({ caMode: "istiod" }, READ);
        const message = problemsOf(guardRotation({ previous, desired: desired(R("steady")), timing: TIMING, now: T0 }));
        assert.match(message, /caMode changes from istiod to plugin/);
        assert.match(message, /istio-ca-secret/);
    });

    it("treats a deployment without rotationState as steady on the default root, and needs multi-root deployed before a rotation", () => {
        const previous = readPreviousDeployment({ caMode: "plugin" }, READ);
        assert.deepEqual(previous, { kind: "legacy", caMode: "plugin" });
        const start = guardRotation({ previous, desired: desired({ phase: "trust-both", roots: ["primary", "r2"] }), timing: TIMING, now: T0 });
        assert.match(problemsOf(start), /ISTIO_MULTIROOT_MESH .* did not set .* restart workloads/);
        const rerun = stateOf(guardRotation({ previous, desired: desired({ phase: "steady", roots: ["primary"] }), timing: TIMING, now: T0 }));
        assert.equal(rerun.multiRootEnabled, true);
        assert.ok(
            guardRotation({ previous: { kind: "state", state: rerun }, desired: desired({ phase: "trust-both", roots: ["primary", "r2"] }), timing: TIMING, now: at(1) }).allowed,
        );
    });

    it("refuses a root whose certificate source changes under the same name", () => {
        const [, retired] = walk([
            [R("steady"), 0],
            [R("trust-both"), 1],
            [R("sign-new"), 2],
            [R("retire-old"), 60],
        ]).slice(2);
        const swapped = desired({ phase: "steady", roots: ["r2"] }, { rootSources: { r2: "existing sha256:abcd" } });
        assert.match(
            problemsOf(guardRotation({ previous: { kind: "state", state: stateOf(retired) }, desired: swapped, timing: TIMING, now: at(70) })),
            /root r2 was generated .* would now be existing sha256:abcd.*unset istio-ca:existingRootCert/,
        );
    });

    it("reads previous outputs: none, legacy, recorded state and malformed state", () => {
        assert.deepEqual(readPreviousDeployment({}, READ), { kind: "none" });
        const state = stateOf(walk([[R("steady"), 0]])[0]);
        assert.deepEqual(readPreviousDeployment({ rotationState: JSON.parse(JSON.stringify(state)), caMode: "plugin" }, READ), { kind: "state", state });
        const bad = readPreviousDeployment({ rotationState: { version: 2, phase: "sideways" } }, READ);
        assert.equal(bad.kind, "unreadable");
        assert.match(
            problemsOf(guardRotation({ previous: bad, desired: desired(R("steady")), timing: TIMING, now: T0 })),
            /recorded rotation state cannot be used: rotationState\.\w+.*Fix: restore the stack's last good rotationState/,
        );
    });

    it("reads a cert-manager or kubernetes state recorded before those modes rotated as steady on the primary root, multi-root still off", () => {
        for (const caMode of ["cert-manager", "kubernetes"] as const) {
            assert.ok(caModeRecord(caMode).rotatesRoots);
            const recorded: RotationState = fromV1(unrotatedV1State(caMode, T0));
            assert.deepEqual(adoptUnrotatedState(recorded), {
                ...recorded,
                roots: ["primary"],
                trustedRoots: ["primary"],
                signingRoot: "primary",
                trustedSince: { primary: new Date(0).toISOString() },
            });
            const previous = { kind: "state" as const, state: recorded };
            const start = guardRotation({ previous, desired: desired({ phase: "trust-both", roots: ["primary", "r2"] }, { caMode }), timing: TIMING, now: at(1) });
            assert.match(problemsOf(start), /ISTIO_MULTIROOT_MESH .* did not set/);
            const steady = guardRotation({ previous, desired: desired({ phase: "steady", roots: ["primary"] }, { caMode }), timing: TIMING, now: at(1) });
            assert.equal(steady.allowed && steady.kind, "unchanged");
            assert.deepEqual([stateOf(steady).roots, stateOf(steady).multiRootEnabled, stateOf(steady).phaseStartedAt], [["primary"], true, { steady: T0.toISOString() }]);
            const swapped = guardRotation({ previous, desired: desired({ phase: "steady", roots: ["r2"] }, { caMode }), timing: TIMING, now: at(1) });
            assert.match(problemsOf(swapped), /replaces the root in one step/);
        }
        const rotating = fromV1({
            caMode: "plugin",
            phase: "sign-new",
            roots: ["a", "b"],
            trustedRoots: ["a", "b"],
            signingRoot: "b",
            multiRootEnabled: true,
            phaseStartedAt: { "sign-new": T0.toISOString() },
            signedUntil: { a: T0.toISOString() },
            rootSources: {},
        });
        assert.equal(adoptUnrotatedState(rotating), rotating, "a state with roots is kept as is");
    });

    it("refuses replacing an in-cluster root with one the program makes, and the reverse", () => {
        const inCluster = desired({ phase: "steady", roots: [] }, { caMode: "cert-manager", rotating: false, rootSources: { primary: "in-cluster" } });
        const first = stateOf(guardRotation({ previous: { kind: "none" }, desired: inCluster, timing: TIMING, now: T0 }));
        const toGenerated = guardRotation({
            previous: { kind: "state", state: first },
            desired: desired({ phase: "steady", roots: ["primary"] }, { caMode: "cert-manager" }),
            timing: TIMING,
            now: at(1),
        });
        assert.match(problemsOf(toGenerated), /root primary was made in the cluster .* would now be generated.*certManagerRoot back to in-cluster/);
        assert.ok(guardRotation({ previous: { kind: "state", state: first }, desired: inCluster, timing: TIMING, now: at(1) }).allowed, "a re-run stays allowed");

        const generated = stateOf(
            guardRotation({ previous: { kind: "none" }, desired: desired({ phase: "steady", roots: ["primary"] }, { caMode: "cert-manager" }), timing: TIMING, now: T0 }),
        );
        assert.match(
            problemsOf(guardRotation({ previous: { kind: "state", state: generated }, desired: inCluster, timing: TIMING, now: at(1) })),
            /the mesh trusts the roots \[primary\], which the program made or was given; an in-cluster root .* would replace every one of them/,
        );
    });

    it("leaves a mode whose root it does not manage alone", () => {
        const istiod = desired({ phase: "steady", roots: [] }, { caMode: "istiod", rotating: false, rootSources: {}, multiRootEnabled: false });
        const first = stateOf(guardRotation({ previous: { kind: "none" }, desired: istiod, timing: TIMING, now: T0 }));
        const again = guardRotation({ previous: { kind: "state", state: first }, desired: istiod, timing: TIMING, now: at(5) });
        assert.deepEqual(stateOf(again).phaseStartedAt, { steady: T0.toISOString() });
        assert.equal(stateOf(again).signingRoot, null);
    });
});

describe("rotation timing per mode", () => {
    const model = (caMode: string, delivery: string | undefined, maxTtlMs: number) =>
        ({
            caMode,
            certManager: delivery ? { delivery } : undefined,
            workloadCerts: { ttlMs: maxTtlMs / 2, maxTtlMs, gracePeriodRatio: 0.5 },
            rotation: { propagationDelayMs: 2 * HOUR },
        }) as unknown as Parameters<typeof rotationTiming>[0];

    it("waits out the longest workload certificate where the old intermediate stops signing at sign-new", () => {
        for (const [caMode, delivery] of [
            ["plugin", undefined],
            ["cert-manager", "cacerts"],
            ["kubernetes", "cacerts"],
        ] as const) {
            assert.deepEqual(rotationTiming(model(caMode, delivery, 30 * 60000)), { oldChainLifetimeMs: 30 * 60000, propagationDelayMs: 2 * HOUR }, caMode);
        }
    });

    it("with istio-csr, also waits out the 1h certificates cert-manager signs for istio-csr and istiod", () => {
        assert.equal(rotationTiming(model("cert-manager", "istio-csr", 30 * 60000)).oldChainLifetimeMs, HOUR);
        assert.equal(rotationTiming(model("cert-manager", "istio-csr", 48 * HOUR)).oldChainLifetimeMs, 48 * HOUR);
    });

    it("applies the istio-csr floor with Vault behind istio-csr too, and re-issue time with Vault cacerts", () => {
        assert.equal(rotationTiming(model("vault", "istio-csr", 10 * 60000)).oldChainLifetimeMs, HOUR);
        assert.equal(rotationTiming(model("vault", "cacerts", 10 * 60000)).oldChainLifetimeMs, 10 * 60000 + 2 * HOUR);
    });
});

describe("cert-manager root issuers and trust anchors", () => {
    it("names one ClusterIssuer per root, keeping the pre-rotation name for primary", () => {
        assert.deepEqual(["primary", "r2026"].map(rootIssuerName), ["istio-ca-root", "istio-ca-root-r2026"]);
    });

    it("lists each trusted root as its own caCertificates entry for the cacerts delivery, and refuses none", () => {
        assert.deepEqual(cacertsMeshCaCertificates(["A", "B"]), [{ pem: "A" }, { pem: "B" }]);
        assert.throws(() => cacertsMeshCaCertificates([]), /at least one trusted root/);
    });
});

describe("rotation config", () => {
    const only = (values: Record<string, string>, key: string, message: RegExp) => {
        const problem = onlyConfigProblem(values, key);
        assert.match(`${problem.message} ${problem.fix}`, message);
    };

    it("defaults to steady on the primary root", () => {
        const model = parseStackConfig({ values: { caMode: "plugin" }, secretKeys: new Set() });
        assert.deepEqual(model.rotation, { phase: "steady", roots: ["primary"], propagationDelayMs: HOUR, override: undefined, stateStack: undefined });
    });

    it("reads roots, phase, override and state stack", () => {
        const model = parseStackConfig({
            values: {
                caMode: "plugin",
                roots: '["r2026","r2027"]',
                rotationPhase: "sign-new",
                rotationPropagationDelay: "30m",
                rotationOverride: "retire-old-early",
                rotationOverrideReason: "compromised old root",
                rotationStateStack: "organization/istio-ca/prod",
            },
            secretKeys: new Set(),
        });
        assert.deepEqual(model.rotation, {
            phase: "sign-new",
            roots: ["r2026", "r2027"],
            propagationDelayMs: HOUR / 2,
            override: { name: "retire-old-early", reason: "compromised old root" },
            stateStack: "organization/istio-ca/prod",
        });
    });

    it("rejects malformed roots", () => {
        only({ caMode: "plugin", roots: "r2026" }, "roots", /not a list of root names.*--path/);
        only({ caMode: "plugin", roots: '["R 2026"]' }, "roots", /not lower-case DNS labels: "R 2026"/);
        only({ caMode: "plugin", roots: '["r1","r1"]', rotationPhase: "trust-both" }, "roots", /lists a root twice/);
    });

    it("rejects a root count that does not fit the phase", () => {
        only({ caMode: "plugin", roots: '["r1"]', rotationPhase: "trust-both" }, "roots", /needs 2 .*\[r1, <new root>\]/);
        only({ caMode: "plugin", roots: '["r1","r2"]' }, "roots", /steady needs 1 .*\[r2\]/);
        only({ caMode: "plugin", roots: "[]" }, "roots", /lists 0 root\(s\).*\[primary\]/);
        only({ caMode: "plugin", rotationPhase: "sign-new" }, "rotationPhase", /needs two roots.*\[primary, <new root name>\]/);
        only({ caMode: "plugin", rotationPhase: "later" }, "rotationPhase", /one of steady, trust-both, sign-new, retire-old/);
    });

    it("rejects rotation keys in a mode whose root it does not rotate", () => {
        only({ caMode: "istiod", roots: '["r1"]' }, "roots", /only for caMode "plugin", "kubernetes", "cert-manager" or "vault", not "istiod"/);
        only({ caMode: "istiod", rotationPhase: "trust-both" }, "rotationPhase", /only for caMode "plugin"/);
        assert.deepEqual(parseStackConfig({ values: { caMode: "istiod", rotationPhase: "steady" }, secretKeys: new Set() }).rotation.roots, []);
    });

    it("reads roots and phases in the cert-manager (both deliveries) and kubernetes modes", () => {
        const modes: Record<string, string>[] = [{ caMode: "cert-manager" }, { caMode: "cert-manager", certManagerDelivery: "istio-csr" }, { caMode: "kubernetes" }];
        for (const values of modes) {
            const model = parseStackConfig({ values: { ...values, roots: '["r1","r2"]', rotationPhase: "sign-new" }, secretKeys: new Set() });
            assert.deepEqual([model.rotation.phase, model.rotation.roots], ["sign-new", ["r1", "r2"]], values.caMode);
        }
        assert.deepEqual(parseStackConfig({ values: { caMode: "kubernetes" }, secretKeys: new Set() }).rotation.roots, ["primary"]);
    });

    it("refuses rotation keys with an in-cluster cert-manager root, whose PEM the program never sees", () => {
        only(
            { caMode: "cert-manager", certManagerRoot: "in-cluster", roots: '["r1"]' },
            "roots",
            /cannot rotate an in-cluster root.*certManagerRoot generated or existingRootCert/,
        );
        const both = configProblems({ caMode: "cert-manager", certManagerRoot: "in-cluster", roots: '["r1","r2"]', rotationPhase: "trust-both" });
        assert.deepEqual(
            both.map((p) => p.key),
            ["istio-ca:roots", "istio-ca:rotationPhase"],
        );
        only({ caMode: "cert-manager", certManagerRoot: "in-cluster", rotationPhase: "sign-new" }, "rotationPhase", /cannot rotate an in-cluster root/);
        const model = parseStackConfig({ values: { caMode: "cert-manager", certManagerRoot: "in-cluster", rotationPhase: "steady" }, secretKeys: new Set() });
        assert.deepEqual(model.rotation.roots, []);
    });

    it("needs a reason with an override, and an override with a reason", () => {
        only({ caMode: "plugin", rotationOverride: "retire-old-early" }, "rotationOverrideReason", /must say why/);
        only({ caMode: "plugin", rotationOverride: "retire-old-early", rotationOverrideReason: "because" }, "rotationOverrideReason", /at least 10 characters/);
        only({ caMode: "plugin", rotationOverrideReason: "no override set here" }, "rotationOverrideReason", /without rotationOverride/);
        only({ caMode: "plugin", rotationOverride: "yolo", rotationOverrideReason: "just because, ok" }, "rotationOverride", /sign-new-early, retire-old-early, change-ca-mode/);
    });

    it("rejects a state stack name that is not one", () => {
        only({ caMode: "plugin", rotationStateStack: "a/b/c/d" }, "rotationStateStack", /organization\/istio-ca\/prod/);
        only({ caMode: "plugin", rotationPropagationDelay: "soon" }, "rotationPropagationDelay", /Go duration/);
    });
});
