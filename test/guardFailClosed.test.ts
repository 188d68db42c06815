import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { recordWhenDeployed } from "../program/stack";
import { DesiredRotation, guardRotation } from "../program/rotationGuard";
import { RotationState, readPreviousDeployment } from "../program/rotationState";
import { RotationSettings } from "../src/rotation";
import { onlyConfigProblem, planConfig, rejection } from "./helpers";
import { ID, READ, desiredRotation as desired, identityOf } from "./rotationFixtures";
import { assertNothingRegistered, at } from "./rotationSteps";

const TIMING = { oldChainLifetimeMs: 48 * 3600000, propagationDelayMs: 3600000 };

/** A real state at sign-new, recorded by the guard itself (steady at 0h, trust-both at 1h, sign-new at 3h). */
function signNewState(): RotationState {
    let state: RotationState | undefined;
    for (const [settings, hour] of [
        [{ phase: "steady", roots: ["r1"] }, 0],
        [{ phase: "trust-both", roots: ["r1", "r2"] }, 1],
        [{ phase: "sign-new", roots: ["r1", "r2"] }, 3],
    ] as [RotationSettings, number][]) {
        const verdict = guardRotation({ previous: state ? { kind: "state", state } : { kind: "none" }, desired: desired(settings), timing: TIMING, now: at(hour) });
        assert.ok(verdict.allowed, JSON.stringify(verdict));
        state = verdict.state;
    }
    return state!;
}

/** Would retire-old go ahead a minute after sign-new with this recorded state (as read from the stack's outputs)? */
function retireOldSoonAfter(recorded: unknown): ReturnType<typeof guardRotation> {
    const previous = readPreviousDeployment({ caMode: "plugin", rotationState: recorded }, READ);
    return guardRotation({ previous, desired: desired({ phase: "retire-old", roots: ["r1", "r2"] }), timing: TIMING, now: new Date(at(3).getTime() + 60000) });
}

function refusal(verdict: ReturnType<typeof guardRotation>): string {
    if (verdict.allowed) assert.fail(`allowed: ${JSON.stringify(verdict.state)}`);
    return verdict.problems.join("\n");
}

describe("the rotation guard fails closed", () => {
    it("refuses retire-old a minute after sign-new with the real state", () => {
        assert.match(refusal(retireOldSoonAfter(signNewState())), /retire-old too early/);
    });

    const tampered: [string, (state: RotationState) => unknown, RegExp][] = [
        ["signedUntil emptied", (s) => ({ ...s, signedUntil: {} }), /rotationState\.signedUntil\.r1 is missing/],
        ["signedUntil of the old root made garbage", (s) => ({ ...s, signedUntil: { r1: "garbage" } }), /rotationState\.signedUntil\.r1: is not an ISO 8601 UTC time/],
        ["trustedRoots edited", (s) => ({ ...s, trustedRoots: ["r2"] }), /rotationState\.trustedRoots is \["r2"\], but phase sign-new .* trusts \["r1","r2"\]/],
        ["signingRoot null", (s) => ({ ...s, signingRoot: null }), /rotationState\.signingRoot is null, but phase sign-new .* signs with r2/],
        [
            "a phase time moved after recordedAt",
            (s) => ({ ...s, phaseStartedAt: { ...s.phaseStartedAt, "sign-new": "2030-01-01T00:00:00.000Z" } }),
            /recordedAt .* is earlier than a time the state records/,
        ],
        ["an unknown field", (s) => ({ ...s, extra: true }), /Unrecognized key/],
        ["a wrong version", (s) => ({ ...s, version: 3 }), /rotationState\.version/],
        ["the state of {}", () => ({}), /rotationState\.(caMode|phase)/],
        ["a null state", () => null, /rotationState/],
        ["a list", () => [], /rotationState/],
    ];
    for (const [what, tamper, message] of tampered) {
        it(`refuses a recorded state with ${what}, naming the key and the fix`, () => {
            const text = refusal(retireOldSoonAfter(tamper(signNewState())));
            assert.match(text, message);
            assert.match(text, /Fix: restore the stack's last good rotationState/);
        });
    }

    it("refuses outputs that are not this program's, and a state that names another project or stack", () => {
        assert.match(
            refusal(
                guardRotation({ previous: readPreviousDeployment({ somethingElse: 1 }, READ), desired: desired({ phase: "steady", roots: ["r1"] }), timing: TIMING, now: at(0) }),
            ),
            /outputs \(somethingElse\) but no rotationState/,
        );
        const state = signNewState();
        for (const other of [
            { ...state, stack: "prod" },
            { ...state, project: "other" },
            { ...state, organization: "acme" },
        ]) {
            assert.match(
                refusal(
                    guardRotation({
                        previous: readPreviousDeployment({ rotationState: other }, READ),
                        desired: desired({ phase: "retire-old", roots: ["r1", "r2"] }),
                        timing: TIMING,
                        now: at(100),
                    }),
                ),
                /rotationState belongs to .*, not to this stack organization\/istio-ca\/test/,
            );
        }
        // A state of the previous release names no stack: taken only from this stack itself.
        const { version, organization, project, stack, recordedAt, rootParameters, trustedSince, timing, ...v1 } = state;
        assert.ok(version && organization && project && stack && recordedAt && rootParameters && trustedSince && timing);
        assert.equal(readPreviousDeployment({ rotationState: v1 }, READ).kind, "state");
        assert.equal(readPreviousDeployment({ rotationState: v1 }, { expected: ID, fromSelf: false }).kind, "unreadable");
        assert.equal(readPreviousDeployment({ caMode: "plugin" }, { expected: ID, fromSelf: false }).kind, "unreadable");
    });

    it("takes an empty map of outputs as a first deployment, which starts at steady only", () => {
        assert.deepEqual(readPreviousDeployment({}, READ), { kind: "none" });
        assert.match(
            refusal(guardRotation({ previous: { kind: "none" }, desired: desired({ phase: "retire-old", roots: ["r1", "r2"] }), timing: TIMING, now: at(0) })),
            /first deployment starts at steady/,
        );
    });

    it("refuses a propagation delay below what a mesh needs", () => {
        for (const delay of ["1ns", "1s", "9m59s"])
            assert.match(onlyConfigProblem({ caMode: "plugin", rotationPropagationDelay: delay }, "rotationPropagationDelay").message, /shorter than 10m/, delay);
    });

    it("refuses a clock earlier than a time the state records, so recorded times never go backwards", () => {
        const state = signNewState();
        const back = guardRotation({ previous: { kind: "state", state }, desired: desired({ phase: "sign-new", roots: ["r1", "r2"] }), timing: TIMING, now: at(2) });
        assert.match(refusal(back), /clock reads .*, earlier than .* which the previous deployment recorded/);
        const steady = guardRotation({ previous: { kind: "none" }, desired: desired({ phase: "steady", roots: ["r1"] }), timing: TIMING, now: at(5) });
        assert.ok(steady.allowed);
        assert.match(
            refusal(
                guardRotation({ previous: { kind: "state", state: steady.state }, desired: desired({ phase: "trust-both", roots: ["r1", "r2"] }), timing: TIMING, now: at(4) }),
            ),
            /clock reads/,
        );
    });

    it("refuses in a real plan too, before registering anything", async () => {
        const first = await planConfig({ caMode: "plugin", roots: '["r1"]' }, { now: at(10) });
        const err = await rejection(planConfig({ caMode: "plugin", roots: '["r1","r2"]', rotationPhase: "trust-both" }, { previousOutputs: first.outputs, now: at(9) }));
        assertNothingRegistered(err);
        assert.match(err.message, /clock reads/);
        const elsewhere = await rejection(planConfig({ caMode: "plugin", roots: '["r1"]' }, { stack: "other", previousOutputs: first.outputs, now: at(11) }));
        assert.match(elsewhere.message, /belongs to organization\/istio-ca\/test, not to this stack organization\/istio-ca\/other/);
        assert.deepEqual(identityOf("other"), { organization: "organization", project: "istio-ca", stack: "other" });
    });
});

describe("the rotation state is recorded only once every resource of the update exists", () => {
    const state = signNewState();
    /** A resource as the SDK leaves it after its registration succeeded (id known) or failed/was skipped (id unknown). */
    const resource = (name: string, id: string | undefined): pulumi.CustomResource => {
        // The SDK's own output (sdk/nodejs/output.ts OutputImpl: resources, value, isKnown, isSecret, allResources).
        const OutputImpl = pulumi.Output as unknown as new (...args: unknown[]) => pulumi.Output<unknown>;
        const output = (value: unknown, known: boolean) =>
            new OutputImpl(new Set(), Promise.resolve(value), Promise.resolve(known), Promise.resolve(false), Promise.resolve(new Set()));
        return { id: output(id, id !== undefined), urn: output(`urn:pulumi:s::p::t::${name}`, true) } as unknown as pulumi.CustomResource;
    };

    it("records it when every id is known", async () => {
        assert.deepEqual(await recordWhenDeployed(state, [resource("a", "a-id"), resource("b", "b-id")]), state);
    });

    it("rejects (so the engine keeps the previous outputs) when any resource did not complete, naming it", async () => {
        const err = await rejection(Promise.resolve(recordWhenDeployed(state, [resource("a", "a-id"), resource("istiod", undefined)])));
        assert.match(err.message, /rotationState not recorded: 1 resource\(s\) of this update did not complete \(istiod\).*pulumi up --target, is not supported/);
    });
});

describe("the rotation guard holds against what an adversarial review found", () => {
    const step = (previous: RotationState | undefined, settings: RotationSettings, hour: number, extra: Partial<DesiredRotation> = {}, timing = TIMING) =>
        guardRotation({ previous: previous ? { kind: "state", state: previous } : { kind: "none" }, desired: desired(settings, extra), timing, now: at(hour) });
    const ok = (verdict: ReturnType<typeof guardRotation>): RotationState => {
        if (!verdict.allowed) assert.fail(verdict.problems.join("\n"));
        return verdict.state;
    };
    const R = (phase: RotationSettings["phase"], roots = phase === "steady" ? ["r1"] : ["r1", "r2"]): RotationSettings => ({ phase, roots });

    it("a lower maxWorkloadCertTtl does not shorten the wait for certificates issued under the higher one", () => {
        let state = ok(step(undefined, R("steady"), 0));
        state = ok(step(state, R("trust-both"), 1));
        state = ok(step(state, R("sign-new"), 3));
        const short = { oldChainLifetimeMs: 10 * 60000, propagationDelayMs: 10 * 60000 };
        assert.match(refusal(step(state, R("retire-old"), 4.2, {}, short)), /retire-old too early/);
        assert.equal(ok(step(state, R("sign-new"), 4.2, {}, short)).timing?.oldChainLifetimeMs, 48 * 3600000, "the longer lifetime stays recorded");
        // Once everything issued under 48h has expired (counted from when the config went lower), the shorter one applies.
        const lowered = ok(step(state, R("sign-new"), 4.2, {}, short));
        assert.ok(step(lowered, R("retire-old"), 4.2 + 49.1, {}, short).allowed);
    });

    it("a lower propagation delay does not let sign-new through sooner", () => {
        let state = ok(step(undefined, R("steady"), 0, {}, { ...TIMING, propagationDelayMs: 12 * 3600000 }));
        state = ok(step(state, R("trust-both"), 1, {}, { ...TIMING, propagationDelayMs: 12 * 3600000 }));
        assert.match(refusal(step(state, R("sign-new"), 1.2, {}, { ...TIMING, propagationDelayMs: 10 * 60000 })), /sign-new too early/);
    });

    it("a step back does not let a root sign before the bundle that put it back has reached every proxy", () => {
        let state = ok(step(undefined, R("steady"), 0));
        state = ok(step(state, R("trust-both"), 1));
        state = ok(step(state, R("sign-new"), 3));
        state = ok(step(state, R("retire-old"), 52));
        state = ok(step(state, R("sign-new"), 52.1));
        assert.equal(state.trustedSince.r1, at(52.1).toISOString(), "r1 is back in the bundle from 52.1h");
        assert.match(refusal(step(state, R("trust-both"), 52.2)), /trust-both too early.*r1/);
        assert.ok(step(state, R("trust-both"), 53.2).allowed);
    });

    it("a root named like an Object.prototype property is still held to its recorded times", () => {
        const C = (phase: RotationSettings["phase"]) => (phase === "steady" ? { phase, roots: ["constructor"] } : { phase, roots: ["constructor", "r2"] });
        let state = ok(step(undefined, C("steady"), 0));
        state = ok(step(state, C("trust-both"), 1));
        state = ok(step(state, C("sign-new"), 3));
        const { constructor: _removed, ...tampered } = state.signedUntil;
        assert.match(refusal(retireOld(tampered)), /signedUntil\.constructor is missing/);
        function retireOld(signedUntil: Record<string, string>) {
            const previous = readPreviousDeployment({ rotationState: { ...state, signedUntil } }, READ);
            return guardRotation({ previous, desired: desired(C("retire-old")), timing: TIMING, now: new Date(at(3).getTime() + 60000) });
        }
    });

    it("refuses a clock that is not a time", () => {
        assert.match(refusal(guardRotation({ previous: { kind: "none" }, desired: desired(R("steady")), timing: TIMING, now: new Date(Number.NaN) })), /not a time/);
    });
});
