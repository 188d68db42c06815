/**
 * A directory that keeps an offline plan's state from one run to the next, as a backend keeps a
 * stack's: the last plan (its outputs feed the guard, its resources the update report) and the
 * emulated resources' outputs, so that a root keeps its key and certificate from plan to plan.
 *
 * The emulated state holds private keys in the clear: the directory is made for the owner only
 * (0700, files 0600). Use it for plans, never for keys anything trusts.
 */
import * as fs from "fs";
import * as path from "path";
import { EmulatedState, PlanError, emulatorStoreFor } from "./engine";
import type { PlanResult } from "./types";

const PLAN_FILE = "plan.json";
const EMULATED_FILE = "emulated.json";
const FORMAT = 1;

/** JSON with Maps (the emulators' store holds some). */
function replacer(_key: string, value: unknown): unknown {
    return value instanceof Map ? { $map: [...value.entries()] } : value;
}

function reviver(_key: string, value: unknown): unknown {
    return value !== null && typeof value === "object" && Array.isArray((value as { $map?: unknown }).$map) ? new Map((value as { $map: [unknown, unknown][] }).$map) : value;
}

export interface PlanState {
    /** The last plan made with this directory, if any. */
    previous?: PlanResult;
    emulatedState: EmulatedState;
}

/** Reads a state directory; a missing directory is an empty state. */
export function loadPlanState(dir: string): PlanState {
    const emulatedState: EmulatedState = new Map();
    if (!fs.existsSync(dir)) return { emulatedState };
    const planFile = path.join(dir, PLAN_FILE);
    const emulatedFile = path.join(dir, EMULATED_FILE);
    let previous: PlanResult | undefined;
    try {
        if (fs.existsSync(planFile)) previous = readPlanFile(planFile);
        if (fs.existsSync(emulatedFile)) {
            const saved = JSON.parse(fs.readFileSync(emulatedFile, "utf8"), reviver) as {
                format: number;
                resources: Map<string, { inputs: string; outputs: Record<string, unknown> }>;
                store: Map<string, unknown>;
            };
            if (saved.format !== FORMAT || !(saved.resources instanceof Map) || !(saved.store instanceof Map)) throw new Error(`not a format ${FORMAT} emulated state`);
            for (const [key, value] of saved.resources) emulatedState.set(key, value);
            emulatorStoreFor(emulatedState, saved.store);
        }
    } catch (err) {
        if (err instanceof PlanError) throw err;
        throw new PlanError(`--state ${dir}: cannot read the saved state (${(err as Error).message}); remove the directory to start from a first deployment.`);
    }
    return { previous, emulatedState };
}

/** Saves a plan and the emulated state it left, readable by the owner only. */
export function savePlanState(dir: string, plan: PlanResult, emulatedState: EmulatedState): void {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.chmodSync(dir, 0o700);
    const write = (file: string, text: string) => {
        const target = path.join(dir, file);
        fs.writeFileSync(`${target}.tmp`, text, { mode: 0o600 });
        fs.renameSync(`${target}.tmp`, target);
    };
    write(PLAN_FILE, JSON.stringify(plan, null, 2) + "\n");
    write(EMULATED_FILE, JSON.stringify({ format: FORMAT, resources: emulatedState, store: emulatorStoreFor(emulatedState) }, replacer));
}

/** A plan JSON (`--json`, or a state directory's plan.json); refuses anything else. */
export function readPlanFile(file: string): PlanResult {
    let parsed: unknown;
    try {
        parsed = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (err) {
        throw new PlanError(`${file}: cannot read JSON (${(err as Error).message}).`);
    }
    const plan = parsed as Partial<PlanResult>;
    const isMap = (value: unknown) => value !== null && typeof value === "object" && !Array.isArray(value);
    if (!isMap(plan) || typeof plan.project !== "string" || typeof plan.stack !== "string" || !Array.isArray(plan.resources) || !isMap(plan.outputs)) {
        throw new PlanError(
            `${file} is not a plan written by --json or --state (it needs "project", "stack", "resources" and "outputs"); for a first deployment, give no previous plan.`,
        );
    }
    return plan as PlanResult;
}
