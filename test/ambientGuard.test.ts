import { strict as assert } from "assert";
import { DesiredRotation, guardRotation } from "../program/rotationGuard";
import { RotationState, readPreviousDeployment } from "../program/rotationState";
import { RotationSettings, RotationTiming } from "../src/rotation";
import { ztunnelRootRefreshMs } from "../src/ambient";
import { READ, desiredRotation as desired } from "./rotationFixtures";
import { at } from "./rotationSteps";

const HOUR = 3600000;
const SIDECAR: RotationTiming = { oldChainLifetimeMs: 24 * HOUR, propagationDelayMs: HOUR };
/** maxWorkloadCertTtl 24h: ztunnel identities have all renewed 12h15m after istiod holds the new bundle. */
const AMBIENT: RotationTiming = { ...SIDECAR, peerRootRefreshMs: ztunnelRootRefreshMs(24 * HOUR) };

const R = (phase: RotationSettings["phase"], roots = phase === "steady" ? ["r1"] : ["r1", "r2"]): RotationSettings => ({ phase, roots });

function step(previous: RotationState | undefined, settings: RotationSettings, hour: number, timing: RotationTiming, extra: Partial<DesiredRotation> = {}) {
    return guardRotation({ previous: previous ? { kind: "state", state: previous } : { kind: "none" }, desired: desired(settings, extra), timing, now: at(hour) });
}

function ok(verdict: ReturnType<typeof guardRotation>): RotationState {
    if (!verdict.allowed) assert.fail(verdict.problems.join("\n"));
    return verdict.state;
}

function refusal(verdict: ReturnType<typeof guardRotation>): string {
    if (verdict.allowed) assert.fail(`allowed: ${JSON.stringify(verdict.state)}`);
    return verdict.problems.join("\n");
}

/** steady at 0h, trust-both at 1h, with the given timing. */
function trustBoth(timing: RotationTiming): RotationState {
    return ok(step(ok(step(undefined, R("steady"), 0, timing)), R("trust-both"), 1, timing));
}

describe("the rotation guard in ambient mode", () => {
    it("holds sign-new until every ztunnel identity can have renewed: propagation delay + half the longest certificate + 15m", () => {
        const state = trustBoth(AMBIENT);
        const readyAt = 1 + 1 + 12.25;
        // The sidecar wait alone is not enough any more.
        const early = refusal(step(state, R("sign-new"), 2, AMBIENT));
        assert.match(early, /sign-new too early/);
        assert.match(early, new RegExp(`until ${at(readyAt).toISOString().replace(/\./g, "\\.")}`));
        assert.match(early, /rotationPropagationDelay 1h \+ 12h15m for every ztunnel identity to renew, which is when ztunnel takes new roots/);
        assert.match(refusal(step(state, R("sign-new"), readyAt - 0.01, AMBIENT)), /sign-new too early/);
        const signed = ok(step(state, R("sign-new"), readyAt, AMBIENT));
        assert.equal(signed.signingRoot, "r2");
        assert.deepEqual(signed.timing, { oldChainLifetimeMs: 24 * HOUR, propagationDelayMs: HOUR, peerRootRefreshMs: 12.25 * HOUR });
        // The override still waives it, one update at a time.
        assert.ok(step(state, R("sign-new"), 2, AMBIENT, { override: { name: "sign-new-early", reason: "ztunnels restarted by hand" } }).allowed);
    });

    it("leaves retire-old's wait as it is: the old chain's certificates expire whoever holds them", () => {
        const signed = ok(step(trustBoth(AMBIENT), R("sign-new"), 14.25, AMBIENT));
        assert.match(
            refusal(step(signed, R("retire-old"), 14.25 + 24.9, AMBIENT)),
            /retire-old too early.*longest certificate lifetime 24h \+ istio-ca:rotationPropagationDelay 1h/,
        );
        assert.ok(step(signed, R("retire-old"), 14.25 + 25, AMBIENT).allowed);
    });

    it("records nothing new with sidecars: the timing has no ztunnel field", () => {
        const state = trustBoth(SIDECAR);
        assert.deepEqual(state.timing, { oldChainLifetimeMs: 24 * HOUR, propagationDelayMs: HOUR });
        assert.ok(!JSON.stringify(state).includes("peerRootRefreshMs"));
        assert.ok(step(state, R("sign-new"), 2, SIDECAR).allowed, "sidecars get the new bundle pushed");
    });

    it("keeps ztunnel's wait when ambient is turned off mid-rotation, until what ztunnels held has expired", () => {
        const state = trustBoth(AMBIENT);
        assert.match(refusal(step(state, R("sign-new"), 2, SIDECAR)), /sign-new too early.*ztunnel/);
        const lowered = ok(step(state, R("trust-both"), 2, SIDECAR));
        assert.equal(lowered.timing?.peerRootRefreshMs, 12.25 * HOUR, "the longer wait stays recorded");
        assert.equal(lowered.timing?.loweredAt, at(2).toISOString());
        assert.ok(step(lowered, R("sign-new"), 14.25, SIDECAR).allowed);
    });

    it("keeps ztunnel's wait when maxWorkloadCertTtl is lowered mid-rotation", () => {
        const state = trustBoth(AMBIENT);
        const shorter: RotationTiming = { oldChainLifetimeMs: 2 * HOUR, propagationDelayMs: HOUR, peerRootRefreshMs: ztunnelRootRefreshMs(2 * HOUR) };
        assert.match(refusal(step(state, R("sign-new"), 3, shorter)), /sign-new too early.*12h15m for every ztunnel identity/);
        // Once every certificate issued under the longer lifetime has expired, the shorter wait applies.
        const lowered = ok(step(state, R("trust-both"), 3, shorter));
        assert.ok(step(lowered, R("sign-new"), 3 + 25, shorter).allowed);
    });

    it("turning ambient on mid-rotation makes sign-new wait for ztunnel from the bundle's deployment", () => {
        const state = trustBoth(SIDECAR);
        assert.match(refusal(step(state, R("sign-new"), 2, AMBIENT)), /sign-new too early/);
        assert.ok(step(state, R("sign-new"), 14.25, AMBIENT).allowed);
    });
});

describe("the rotation state with ztunnel's wait", () => {
    const recorded = () => trustBoth(AMBIENT);

    it("reads back a state recorded in ambient mode, and one recorded before the field existed", () => {
        const read = readPreviousDeployment({ caMode: "plugin", rotationState: recorded() }, READ);
        assert.equal(read.kind, "state");
        assert.equal(read.kind === "state" && read.state.timing?.peerRootRefreshMs, 12.25 * HOUR);
        const { peerRootRefreshMs: _dropped, ...older } = recorded().timing!;
        const before = readPreviousDeployment({ caMode: "plugin", rotationState: { ...recorded(), timing: older } }, READ);
        assert.equal(before.kind, "state", JSON.stringify(before));
        // Such a state (sidecars) then gets the ambient wait from config, counted from when the bundle was deployed.
        const state = before.kind === "state" ? before.state : assert.fail();
        assert.match(refusal(step(state, R("sign-new"), 2, AMBIENT)), /sign-new too early/);
    });

    it("refuses a malformed ztunnel wait", () => {
        for (const bad of [0, -1, 1.5, "12h", null]) {
            const read = readPreviousDeployment({ caMode: "plugin", rotationState: { ...recorded(), timing: { ...recorded().timing, peerRootRefreshMs: bad } } }, READ);
            assert.equal(read.kind, "unreadable", `peerRootRefreshMs ${JSON.stringify(bad)}`);
            assert.match(read.kind === "unreadable" ? read.problems.join("\n") : "", /rotationState\.timing\.peerRootRefreshMs/);
        }
    });
});
