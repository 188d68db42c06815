/**
 * Plans every example rotation (stacks/rotation*), one update after another as one stack, each
 * with the previous plan and the emulated state it left, and says what `pulumi up` would do at each
 * step, including the runbook's clean-up (unprotect the old root, then drop it) and an intermediate
 * renewal. `npx ts-node scripts/rotationUpdates.ts` prints the summaries docs/rotation.md shows; a test keeps
 * the two the same.
 */
import * as path from "path";
import { ResourceChange, refusalOf } from "../plan/diff";
import { EmulatedState, PROJECT_DIR, loadStackConfig, planStack } from "../plan/engine";
import type { PlanResult } from "../plan/types";

const HOUR = 3600000;

/** One example sequence and how to run it. */
export interface RotationSequence {
    title: string;
    /** Directory under stacks/, and the stack name every update uses. */
    directory: string;
    /** Config changed from the files, e.g. the delivery. */
    overrides: Record<string, string>;
    /** Hours after the first update at which sign-new is allowed (trust-both at 24h + the delay, and ztunnel's renewal in ambient mode). Default: 25. */
    signNewAt?: number;
    /** Hours after the first update at which retire-old is allowed (max TTL + delay, and more where the mode needs it). */
    retireAt: number;
    /** Config that renews the intermediate at the end, and the hours after the last step it runs; undefined where cert-manager renews it by itself. */
    renewal?: { overrides: Record<string, string>; afterHours: number; what: string };
}

export const ROTATION_SEQUENCES: RotationSequence[] = [
    {
        title: "plugin",
        directory: "rotation",
        overrides: {},
        retireAt: 25 + 49,
        renewal: { overrides: {}, afterHours: 8760 - 720 + 24, what: "pulumi up inside the intermediate's renewal window (intermediateRenewBefore)" },
    },
    { title: "cert-manager, cacerts", directory: "rotation-cert-manager", overrides: {}, retireAt: 25 + 49 },
    { title: "cert-manager, istio-csr", directory: "rotation-cert-manager", overrides: { certManagerDelivery: "istio-csr" }, retireAt: 25 + 49 },
    { title: "kubernetes", directory: "rotation-kubernetes", overrides: {}, retireAt: 25 + 49 },
    {
        title: "vault, cacerts",
        directory: "rotation-vault",
        overrides: { certManagerDelivery: "cacerts" },
        retireAt: 25 + 50,
        renewal: { overrides: { vaultIntermediateGeneration: "2" }, afterHours: 1, what: "istio-ca:vaultIntermediateGeneration 2" },
    },
    {
        title: "vault, istio-csr",
        directory: "rotation-vault",
        overrides: { certManagerDelivery: "istio-csr" },
        retireAt: 25 + 49,
        renewal: { overrides: { vaultIntermediateGeneration: "2" }, afterHours: 1, what: "istio-ca:vaultIntermediateGeneration 2" },
    },
    // Ambient: sign-new waits for ztunnel's renewals too (delay + half of maxWorkloadCertTtl + 15m).
    { title: "plugin, ambient", directory: "rotation-ambient", overrides: {}, signNewAt: 24 + 14, retireAt: 24 + 14 + 25 },
    { title: "kubernetes, ambient", directory: "rotation-kubernetes", overrides: { dataPlane: "ambient" }, signNewAt: 24 + 26, retireAt: 24 + 26 + 49 },
    {
        title: "cert-manager, istio-csr, ambient",
        directory: "rotation-cert-manager",
        overrides: { certManagerDelivery: "istio-csr", dataPlane: "ambient" },
        signNewAt: 24 + 26,
        retireAt: 24 + 26 + 49,
    },
];

/** One update of a sequence and what the engine would do. */
export interface PlannedUpdate {
    label: string;
    plan: PlanResult;
    /** What the engine would do; undefined for the first deployment, which creates everything. */
    changes?: ResourceChange[];
    /** Names unprotected (as `pulumi state unprotect`) before this update. */
    unprotected: string[];
    /** Why the engine would refuse this update, if it would. */
    refusal?: string;
}

export const FIRST_UPDATE = new Date("2026-06-01T08:00:00.000Z");

/**
 * Plans a sequence: steady, trust-both (24h), sign-new (+1h, or as the sequence says), retire-old, steady once the old root's
 * protected resources are unprotected (as the runbook says), and the intermediate renewal.
 * `finishWithoutUnprotect` also plans the last step before unprotecting, to show the refusal.
 */
export async function planRotationUpdates(sequence: RotationSequence, options: { finishWithoutUnprotect?: boolean } = {}): Promise<PlannedUpdate[]> {
    const dir = path.join(PROJECT_DIR, "stacks", sequence.directory);
    const emulatedState: EmulatedState = new Map();
    const updates: PlannedUpdate[] = [];
    let previous: PlanResult | undefined;
    const plan = async (label: string, step: string, hour: number, extra: Record<string, string> = {}, unprotected: string[] = []) => {
        const config = loadStackConfig(path.join(dir, `Pulumi.${sequence.directory}-${step}.yaml`));
        for (const [key, value] of Object.entries({ ...sequence.overrides, ...extra })) config.values[`istio-ca:${key}`] = value;
        const previousResources = previous?.resources.map((resource) => (unprotected.includes(resource.name) ? { ...resource, protect: false } : resource));
        const result = await planStack({
            stack: sequence.directory,
            config,
            previousOutputs: previous?.outputs,
            previousResources,
            now: new Date(FIRST_UPDATE.getTime() + hour * HOUR),
            emulatedState,
        });
        const update: PlannedUpdate = { label, plan: result, changes: result.changes, unprotected, refusal: result.changes ? refusalOf(result.changes) : undefined };
        updates.push(update);
        if (!update.refusal) previous = result;
        return update;
    };
    await plan("1 steady", "1-steady", 0);
    await plan("2 trust-both", "2-trust-both", 24);
    await plan("3 sign-new", "3-sign-new", sequence.signNewAt ?? 25);
    const retireOld = await plan("4 retire-old", "4-retire-old", sequence.retireAt);
    const oldRoot = retireOld.plan.resources.filter((resource) => resource.protect && resource.name.includes("r2026")).map((resource) => resource.name);
    const steadyAt = sequence.retireAt + 24;
    if (options.finishWithoutUnprotect) await plan("5 steady (old root still protected)", "5-steady", steadyAt);
    await plan("5 steady", "5-steady", steadyAt, {}, oldRoot);
    if (sequence.renewal) await plan(`renew the intermediate (${sequence.renewal.what})`, "5-steady", steadyAt + sequence.renewal.afterHours, sequence.renewal.overrides);
    return updates;
}

/** The lines docs/rotation.md shows for an update: each resource the engine changes, and how. */
export function updateLines(update: PlannedUpdate): string[] {
    const symbol = { create: "+", update: "~", replace: "+-", "delete-before-replace": "-+", delete: "-", refused: "!", same: " " } as const;
    if (!update.changes)
        return [`   (first deployment: ${update.plan.resources.filter((r) => r.custom && !r.read && r.type !== "pulumi:pulumi:StackReference").length} resources to create)`];
    const lines = update.changes
        .filter((change) => change.operation !== "same")
        .map((change) => {
            const why =
                change.replacedBy.length > 0
                    ? ` (${change.replacedBy.join(", ")})`
                    : change.operation === "update"
                      ? ` (${change.changed.join(", ")})`
                      : change.keepsObject
                        ? " (stays in Vault)"
                        : "";
            return `${symbol[change.operation].padEnd(2)} ${change.name}${why}`;
        });
    return lines.length > 0 ? lines : ["   (no change)"];
}

/** The markdown block of one sequence. */
export function sequenceMarkdown(sequence: RotationSequence, updates: PlannedUpdate[]): string {
    const body = updates.flatMap((update) => [
        `# ${update.label}${update.unprotected.length > 0 ? `, after pulumi state unprotect of ${update.unprotected.join(", ")}` : ""}`,
        ...updateLines(update),
    ]);
    return [`${sequence.title} (stacks/${sequence.directory}/):`, "", "```text", ...body, "```"].join("\n");
}

async function main(): Promise<void> {
    for (const sequence of ROTATION_SEQUENCES) {
        console.log(sequenceMarkdown(sequence, await planRotationUpdates(sequence)));
        console.log();
    }
}

if (require.main === module) {
    main().catch((err) => {
        console.error(err);
        process.exit(1);
    });
}
