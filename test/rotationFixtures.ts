/** Shared fixtures for rotation state tests: the stack identity, and states in the previous release's (v1) format. */
import { DesiredRotation } from "../program/rotationGuard";
import { ReadContext, RotationState, StackIdentity, readPreviousDeployment } from "../program/rotationState";
import { RotationSettings } from "../src/rotation";

/** The identity the offline plan gives a stack named `stack` (project istio-ca, DIY organization). */
export function identityOf(stack: string): StackIdentity {
    return { organization: "organization", project: "istio-ca", stack };
}

export const ID: StackIdentity = identityOf("test");

/** Reading outputs of this stack itself. */
export const READ: ReadContext = { expected: ID, fromSelf: true };

/** What the program asks the guard for on this stack: plug-in CA, every root generated, multi-root on; `extra` overrides. */
export function desiredRotation(settings: RotationSettings, extra: Partial<DesiredRotation> = {}): DesiredRotation {
    return {
        identity: ID,
        caMode: "plugin",
        rotating: true,
        settings,
        rootSources: Object.fromEntries(settings.roots.map((root) => [root, "generated"])),
        multiRootEnabled: true,
        ...extra,
    };
}

/** A state as the previous release recorded it (no version, stack or parameters). */
export type V1State = Pick<
    RotationState,
    "caMode" | "phase" | "roots" | "trustedRoots" | "signingRoot" | "multiRootEnabled" | "phaseStartedAt" | "signedUntil" | "rootSources" | "lastOverride"
>;

/** The state a v1 record reads as; fails when it is refused. */
export function fromV1(v1: V1State, context: ReadContext = READ): RotationState {
    const read = readPreviousDeployment({ caMode: v1.caMode, rotationState: v1 }, context);
    if (read.kind !== "state") throw new Error(`v1 state refused: ${JSON.stringify(read)}`);
    return read.state;
}

/** What a stack recorded (v1) while its mode's roots did not rotate: steady since `since`, no roots, multi-root off. */
export function unrotatedV1State(caMode: string, since: Date): V1State {
    return {
        caMode,
        phase: "steady",
        roots: [],
        trustedRoots: [],
        signingRoot: null,
        multiRootEnabled: false,
        phaseStartedAt: { steady: since.toISOString() },
        signedUntil: {},
        rootSources: {},
    };
}
