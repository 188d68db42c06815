/** Shared fixtures for rotation state tests: the stack identity, and states in the previous release's (v1) format. */
import { ReadContext, RotationState, StackIdentity, readPreviousDeployment } from "../program/rotationState";

/** The identity the offline plan gives a stack named `stack` (project istio-ca, DIY organization). */
export function identityOf(stack: string): StackIdentity {
    return { organization: "organization", project: "istio-ca", stack };
}

export const ID: StackIdentity = identityOf("test");

/** Reading outputs of this stack itself. */
export const READ: ReadContext = { expected: ID, fromSelf: true };

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
