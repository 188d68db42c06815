import { strict as assert } from "assert";
import * as path from "path";
import { EmulatedState, PROJECT_DIR, PlanResult, loadStackConfig, planStack } from "../plan/engine";
import { ROTATION_PHASES, RotationSettings, classifyTransition } from "../src/rotation";
import { RotationRefusedError } from "../program/rotationGuard";
import { RotationState } from "../program/rotationState";

/** Shared root-rotation test helpers: settings to enumerate, and the clock and planning of the example sequences (`stacks/rotation*`). */

/** Every valid rotation settings value over three root names. */
function settingsUniverse(): RotationSettings[] {
    const names = ["r1", "r2", "r3"];
    const all: RotationSettings[] = names.map((root) => ({ phase: "steady", roots: [root] }));
    for (const phase of ROTATION_PHASES.slice(1)) for (const a of names) for (const b of names) if (a !== b) all.push({ phase, roots: [a, b] });
    return all;
}

/** Every legal transition within `settingsUniverse()` (staying put included); fails unless there are many (more than 20), so a check over them cannot pass by checking none. */
export function legalSteps(): { from: RotationSettings; to: RotationSettings }[] {
    const universe = settingsUniverse();
    const steps = universe.flatMap((from) => universe.filter((to) => classifyTransition(from, to).legal).map((to) => ({ from, to })));
    assert.ok(steps.length > 20, `only ${steps.length} legal steps`);
    return steps;
}

export const HOUR = 3600000;
export const T0 = new Date("2026-06-01T08:00:00.000Z");
/** The simulated time `hours` after T0. */
export const at = (hours: number) => new Date(T0.getTime() + hours * HOUR);

/** One update of an example rotation sequence. */
export interface RotationStep {
    stack: string;
    /** Hours after T0 the update runs. */
    hour: number;
    trusted: string[];
    signing: string;
    /** Root resources present (and protected) in the plan. */
    roots: string[];
}

/**
 * The five updates of an example sequence rotating from r2026 to r2027, named `<prefix>1-steady` to `<prefix>5-steady`:
 * trust-both at 24h, sign-new one hour later (the propagation delay), retire-old at `retireAt` and steady again at `steadyAt`.
 */
export function rotationSteps(prefix: string, timing: { retireAt: number; steadyAt: number }): RotationStep[] {
    return [
        { stack: `${prefix}1-steady`, hour: 0, trusted: ["r2026"], signing: "r2026", roots: ["r2026"] },
        { stack: `${prefix}2-trust-both`, hour: 24, trusted: ["r2026", "r2027"], signing: "r2026", roots: ["r2026", "r2027"] },
        { stack: `${prefix}3-sign-new`, hour: 25, trusted: ["r2026", "r2027"], signing: "r2027", roots: ["r2026", "r2027"] },
        { stack: `${prefix}4-retire-old`, hour: timing.retireAt, trusted: ["r2027"], signing: "r2027", roots: ["r2026", "r2027"] },
        { stack: `${prefix}5-steady`, hour: timing.steadyAt, trusted: ["r2027"], signing: "r2027", roots: ["r2027"] },
    ];
}

/** Config keys (without the `istio-ca:` prefix) changed from a stack file; null removes a key. */
export type ConfigOverrides = Record<string, string | null>;

/**
 * Plans one update from its example stack file, `stacks/<directory>/Pulumi.<stack>.yaml`, with `overrides` applied, fed the previous
 * update's outputs at the simulated time `now`. Every update of a sequence is one stack, named after the directory, as a real
 * rotation is one stack whose config changes.
 */
export function planExampleStack(
    directory: string,
    stack: string,
    previous: PlanResult | undefined,
    now: Date,
    options: { overrides?: ConfigOverrides; emulatedState?: EmulatedState } = {},
): Promise<PlanResult> {
    const config = loadStackConfig(path.join(PROJECT_DIR, "stacks", directory, `Pulumi.${stack}.yaml`));
    for (const [key, value] of Object.entries(options.overrides ?? {})) {
        if (value === null) delete config.values[`istio-ca:${key}`];
        else config.values[`istio-ca:${key}`] = value;
    }
    return planStack({ stack: directory, config, previousOutputs: previous?.outputs, now, emulatedState: options.emulatedState });
}

/**
 * Plans `steps` in order, each at its hour and fed the previous step's outputs. `planStep` is handed one emulated state for
 * the whole sequence: planned with it, emulated resources a step keeps (a Vault root, say) keep their outputs from update to update.
 */
export async function planSequence(
    steps: RotationStep[],
    planStep: (step: RotationStep, previous: PlanResult | undefined, now: Date, emulatedState: EmulatedState) => Promise<PlanResult>,
): Promise<PlanResult[]> {
    const emulatedState: EmulatedState = new Map();
    const plans: PlanResult[] = [];
    let previous: PlanResult | undefined;
    for (const step of steps) {
        previous = await planStep(step, previous, at(step.hour), emulatedState);
        plans.push(previous);
    }
    return plans;
}

export const stateOf = (plan: PlanResult) => plan.outputs.rotationState as RotationState;

/** Config that adopts a mesh mid-rotation on a first deployment (the only way a first deployment starts past steady). */
export const ADOPT_MID_ROTATION = { rotationOverride: "adopt-mid-rotation", rotationOverrideReason: "planning one step of the example alone" };

/** The only resource a refused update may have registered: the read of its previous outputs. */
export function assertNothingRegistered(err: Error & Record<string, any>): void {
    assert.ok(err instanceof RotationRefusedError, `expected a rotation refusal, got ${err}`);
    assert.deepEqual((err as Record<string, any>).registeredTypes, ["pulumi:pulumi:StackReference"]);
}
